import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function findVersion(): string {
  // Source runs from engine/core/, compiled code from dist/engine/core/: the nearest package.json.
  for (const candidate of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = require(candidate) as { name?: string; version?: string };
      if (pkg.name === 'squall' && pkg.version) return pkg.version;
    } catch {}
  }
  return '0.0.0';
}

export const SQUALL_VERSION = findVersion();
