/**
 * The machine's registry of running testbeds: one state file per testbed in TESTBED_STATE_DIR,
 * written by `startTestbed` and read by `squall testbed down` and `status` from any shell.
 */
import { tmpdir } from 'node:os';
import path from 'node:path';

export const TESTBED_STATE_DIR = path.join(tmpdir(), 'squall-testbed');

/** What `squall testbed down` needs to tear a run down from another process. */
export interface TestbedState {
  id: string;
  mode: 'loopback' | 'lab';
  ownerPid: number;
  createdAt: string;
  labPrefix?: string;
  /** Every PID started, refreshed as processes restart. */
  pids: number[];
  /** The same PIDs by fault-target role (`cloud-broker`, `cloud-standby`, ...), for `status`. */
  processes?: Record<string, number>;
  /** Temporary directories to remove. */
  dirs: string[];
  endpoints: Record<string, string>;
}
