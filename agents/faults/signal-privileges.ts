/**
 * What signalling a process of another user takes (a pid or pid file on the host): CAP_KILL,
 * and the host's pid namespace to see it at all. The agent's own managed processes need neither.
 */
import type { DriverPrivileges } from '../../engine/core/faults.js';

export const SIGNAL_PRIVILEGES: DriverPrivileges = { capabilities: ['KILL'], hostNamespaces: ['pid'] };
