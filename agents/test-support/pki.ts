/** Test helper: a throwaway PKI (our CA + controller + agents, and a second, foreign CA). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initCerts } from '../certs/cert-files.js';

export interface TestPki {
  dir: string;
  ca: string;
  controller: { cert: string; key: string };
  /** The first agent's certificate (named as `makeTestPki`'s first name, `agent` by default). */
  agent: { cert: string; key: string };
  /** Every agent certificate by name: each is valid for that name only. */
  agents: Record<string, { cert: string; key: string }>;
  /** A controller certificate from another CA. */
  foreign: { ca: string; cert: string; key: string };
}

/** Issues one agent certificate per name (a controller reaching agent `edge-1` wants `edge-1`'s). */
export function makeTestPki(agentNames: string[] = ['agent']): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'squall-pki-'));
  const ours = initCerts({ dir: join(dir, 'ours'), agents: agentNames, keyBits: 2048 });
  const theirs = initCerts({ dir: join(dir, 'theirs'), agents: ['agent'], keyBits: 2048 });
  return {
    dir,
    ca: ours.ca.cert,
    controller: ours.controller,
    agent: ours.agents[agentNames[0]!]!,
    agents: ours.agents,
    foreign: { ca: theirs.ca.cert, ...theirs.controller },
  };
}
