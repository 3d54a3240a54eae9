/**
 * Registers every built-in fault driver and probe kind. Import this once wherever experiment
 * files are validated or run; the registries in `agents/faults/driver.ts` and
 * `engine/probes/probe.ts` stay empty until it is.
 */
import '../../agents/faults/index.js';
import '../probes/index.js';
