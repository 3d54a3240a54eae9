/**
 * Where `FleetConfig` was imported from before the fleet schema moved to engine/spec (issue 13):
 * engine/controller and agents/server still import it from here until they move; new code
 * imports ./fleet-config.js. Delete this file once nothing imports it.
 */
export type { FleetConfig } from './fleet-config.js';
