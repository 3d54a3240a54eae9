/**
 * `squall testbed up|down|status`. `up` runs in the foreground until Ctrl-C (or SIGTERM, which
 * `down` in another shell sends), printing the addresses; it also writes a state file, so
 * `down` can clean up after an `up` that was killed outright.
 */

import { OVERFLOW_POLICIES, type OverflowPolicy } from '../../../testbed/edge/disk-queue.js';
import { readTestbedStates, testbedDown } from '../../../testbed/teardown.js';
import { startTestbed } from '../../../testbed/testbed.js';
import { TestbedOptionError, type TestbedOptions } from '../../../testbed/testbed-options.js';
import { ExitCode, SquallError } from '../../core/errors.js';
import { pidExists } from '../../core/processes.js';
import type { CloudBrokerKind } from '../../spec/testbed-names.js';
import type { CliIO, Command } from '../cli/command.js';
import { parseFlags, unknownName } from '../cli/flags.js';

const help = `Usage: squall testbed <up|down|status> [options]

The embedded reference platform: a cloud broker (an aedes cluster, or mosquitto) and edge
gateways with store-and-forward bridges; on loopback, or with --lab on hosts in network
namespaces (cloud-1, edge-1..N; needs root) so nftables partitions are real.

  up       Start it and stay in the foreground until Ctrl-C; prints every address.
  down     Stop every testbed (or --id ID) started on this machine, also one whose 'up' was
           killed, and remove leftover namespaces, processes and temp dirs. Idempotent.
  status   List running testbeds and their endpoints.

Options (up):
  --lab                  Hosts in network namespaces (root only)
  --broker aedes|mosquitto   Cloud broker (default aedes)
  --workers N            aedes worker processes (default 2)
  --gateways N           Edge gateways (default 1)
  --standby              A second, independent cloud broker 'cloud-standby' (DR failover)
  --forward FILTER       Topic filter the gateways forward (repeatable; default '#')
  --queue-max N          Gateway queue bound in messages (default 1000000)
  --overflow POLICY      drop-oldest | drop-newest | back-pressure (default drop-oldest)
Options (down):
  --id ID                Only this testbed
  -h, --help             This help

Examples:
  squall testbed up --workers 4 --gateways 2
  sudo squall testbed up --lab --broker mosquitto
  squall testbed down
`;

function parse(argv: string[]) {
  return parseFlags('testbed', argv, {
    lab: { type: 'boolean' },
    broker: { type: 'string' },
    workers: { type: 'string' },
    gateways: { type: 'string' },
    standby: { type: 'boolean' },
    forward: { type: 'string', multiple: true },
    'queue-max': { type: 'string' },
    overflow: { type: 'string' },
    id: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
}

function count(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new SquallError('SQUALL_USAGE', `--${name} must be a whole number, got '${value}'`);
  return n;
}

/** The flag that sets each option `up` passes, to word the testbed's option errors as flags. */
const FLAG_OF: Partial<Record<keyof TestbedOptions, string>> = {
  lab: '--lab',
  broker: '--broker',
  workers: '--workers',
  gateways: '--gateways',
  standby: '--standby',
  forward: '--forward',
  maxQueueMessages: '--queue-max',
  overflow: '--overflow',
};

/** `startTestbed`, its option errors naming the flag instead (`--lab: needs root ...`). */
async function startFromFlags(options: TestbedOptions) {
  try {
    return await startTestbed(options);
  } catch (err) {
    const flag = err instanceof TestbedOptionError ? FLAG_OF[err.option] : undefined;
    if (flag === undefined) throw err;
    throw new SquallError('SQUALL_USAGE', `${flag}: ${(err as TestbedOptionError).detail}`);
  }
}

async function up(values: ReturnType<typeof parse>['values'], io: CliIO): Promise<number> {
  const overflow = values.overflow;
  if (overflow !== undefined && !OVERFLOW_POLICIES.includes(overflow as OverflowPolicy)) {
    throw new SquallError('SQUALL_USAGE', `--overflow must be one of ${OVERFLOW_POLICIES.join(', ')}`);
  }
  const workers = count('workers', values.workers);
  const gateways = count('gateways', values.gateways);
  const queueMax = count('queue-max', values['queue-max']);
  const testbed = await startFromFlags({
    lab: values.lab ?? false,
    // Checked by startTestbed, whose error names --broker (startFromFlags).
    ...(values.broker !== undefined && { broker: values.broker as CloudBrokerKind }),
    ...(workers !== undefined && { workers }),
    ...(gateways !== undefined && { gateways }),
    ...(values.standby && { standby: true }),
    ...(values.forward && { forward: values.forward }),
    ...(queueMax !== undefined && { maxQueueMessages: queueMax }),
    ...(overflow !== undefined && { overflow: overflow as OverflowPolicy }),
  });
  io.setActiveFaultReporter?.(() => [
    `testbed ${testbed.id} may still be running: remove it with 'squall testbed down --id ${testbed.id}'`,
  ]);
  io.stdout.write(`${testbed.describe()}\nrunning; Ctrl-C or 'squall testbed down' to stop\n`);
  try {
    await new Promise<void>((resolve) => {
      if (!io.signal) return; // no signal source: tests stop it through `down`
      if (io.signal.aborted) return resolve();
      io.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    await testbed.stop();
    io.setActiveFaultReporter?.(() => []);
  }
  io.stdout.write(`testbed ${testbed.id} stopped\n`);
  return ExitCode.ok;
}

export const testbedCommand: Command = {
  name: 'testbed',
  summary: 'Start, stop or list the embedded testbed (cloud broker cluster, edge gateways, lab hosts)',
  help,
  async run(argv, io) {
    const { values, positionals } = parse(argv);
    const [action, ...extra] = positionals;
    if (values.help || !action) {
      io.stdout.write(help);
      return values.help ? ExitCode.ok : ExitCode.invalidInput;
    }
    if (extra.length > 0) throw new SquallError('SQUALL_USAGE', `unexpected argument '${extra[0]}'`);
    switch (action) {
      case 'up':
        return up(values, io);
      case 'down': {
        const reports = await testbedDown(values.id ? { id: values.id } : {});
        if (reports.length === 0) io.stdout.write('no testbed to stop\n');
        for (const r of reports) {
          io.stdout.write(
            `${r.id}: ${r.how === 'owner-stopped' ? 'stopped by its owner' : 'removed leftovers'}` +
              `${r.killedPids.length ? `, killed ${r.killedPids.join(' ')}` : ''}` +
              `${r.removedNetns.length ? `, netns ${r.removedNetns.join(' ')}` : ''}` +
              `${r.removedDirs.length ? `, dirs ${r.removedDirs.join(' ')}` : ''}\n`,
          );
        }
        return ExitCode.ok;
      }
      case 'status': {
        const states = await readTestbedStates();
        if (states.length === 0) io.stdout.write('no testbed running\n');
        for (const s of states) {
          const live = pidExists(s.ownerPid)
            ? 'running'
            : `owner ${s.ownerPid} gone (run 'squall testbed down')`;
          io.stdout.write(`${s.id} (${s.mode}) ${live}\n`);
          for (const [role, url] of Object.entries(s.endpoints))
            io.stdout.write(`  ${role.padEnd(8)} ${url}\n`);
          const pids = Object.entries(s.processes ?? {}).map(([role, pid]) => `${role}=${pid}`);
          if (pids.length > 0) io.stdout.write(`  processes ${pids.join(' ')}\n`);
        }
        return ExitCode.ok;
      }
      default:
        throw new SquallError('SQUALL_USAGE', unknownName('action', action, ['up', 'down', 'status']));
    }
  },
};
