/** Test helper: a throwaway PKI (our CA + controller + agent, and a second, foreign CA). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initCerts } from '../certs/certs.js';

export interface TestPki {
  dir: string;
  ca: string;
  controller: { cert: string; key: string };
  agent: { cert: string; key: string };
  /** A controller certificate from another CA. */
  foreign: { ca: string; cert: string; key: string };
}

export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'squall-pki-'));
  const ours = initCerts({ dir: join(dir, 'ours'), agents: ['agent'], keyBits: 2048 });
  const theirs = initCerts({ dir: join(dir, 'theirs'), agents: ['agent'], keyBits: 2048 });
  return {
    dir,
    ca: ours.ca.cert,
    controller: ours.controller,
    agent: ours.agents.agent!,
    foreign: { ca: theirs.ca.cert, ...theirs.controller },
  };
}
