import type { Command } from '../command.js';
import { planCommand } from './plan.js';
import { runCommand } from './run.js';
import { schemaCommand } from './schema.js';
import { validateCommand } from './validate.js';

/** Every `squall` sub-command, in the order `--help` lists them. */
export const commands: readonly Command[] = [runCommand, validateCommand, planCommand, schemaCommand];
