/**
 * Loads `agent.proto` at run time with @grpc/proto-loader. The file is found from the package
 * root (walking up from this module to `package.json`), so the same code works from the
 * TypeScript sources (tests, tsx) and from `dist/` (compiled).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** Where the proto lives inside the package. */
const PROTO_RELATIVE = join('agents', 'proto', 'agent.proto');

export function findPackageRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, PROTO_RELATIVE))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find ${PROTO_RELATIVE} above ${from}`);
    dir = up;
  }
}

export const PROTO_PATH = join(findPackageRoot(), PROTO_RELATIVE);

/** Loader options: int64 as JS numbers (epoch ms fit), defaults filled in, oneof names reported. */
const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

let cached: grpc.ServiceClientConstructor | undefined;

/** The `squall.agent.v1.Agent` service: `.service` for servers, `new (...)` for clients. */
export function agentService(): grpc.ServiceClientConstructor {
  if (cached) return cached;
  const definition = protoLoader.loadSync(PROTO_PATH, LOADER_OPTIONS);
  const pkg = grpc.loadPackageDefinition(definition) as unknown as {
    squall: { agent: { v1: { Agent: grpc.ServiceClientConstructor } } };
  };
  cached = pkg.squall.agent.v1.Agent;
  return cached;
}
