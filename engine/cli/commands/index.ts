import { agentCommand } from '../../../agents/cli/agent-command.js';
import { certsCommand } from '../../../agents/cli/certs-command.js';
import { reportCommand } from '../../../reports/cli/report-command.js';
import { fleetCommand } from '../../../simulator/cli/fleet-command.js';
import { testbedCommand } from '../../../testbed/cli/testbed-command.js';
import { agentsCommand } from '../../controller/agents-command.js';
import type { Command } from '../command.js';
import { planCommand } from './plan.js';
import { runCommand } from './run.js';
import { schemaCommand } from './schema.js';
import { validateCommand } from './validate.js';

/** Every `squall` sub-command, in the order `--help` lists them. */
export const commands: readonly Command[] = [
  runCommand,
  validateCommand,
  planCommand,
  schemaCommand,
  fleetCommand,
  reportCommand,
  testbedCommand,
  agentCommand,
  agentsCommand,
  certsCommand,
];
