import type { Command } from '../cli/command.js';
import { agentCommand } from './agent.js';
import { agentsCommand } from './agents.js';
import { certsCommand } from './certs.js';
import { deployCommand } from './deploy.js';
import { fleetCommand } from './fleet.js';
import { historyCommand } from './history.js';
import { planCommand } from './plan.js';
import { reportCommand } from './report.js';
import { runCommand } from './run.js';
import { schemaCommand } from './schema.js';
import { serveCommand } from './serve.js';
import { testbedCommand } from './testbed.js';
import { validateCommand } from './validate.js';

/** Every `squall` sub-command, in the order `--help` lists them. */
export const commands: readonly Command[] = [
  runCommand,
  validateCommand,
  planCommand,
  schemaCommand,
  fleetCommand,
  reportCommand,
  historyCommand,
  serveCommand,
  testbedCommand,
  agentCommand,
  agentsCommand,
  certsCommand,
  deployCommand,
];
