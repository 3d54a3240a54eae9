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
import type { ProtoGrpcType } from './generated/agent.js';

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

const PROTO_PATH = join(findPackageRoot(), PROTO_RELATIVE);

/**
 * Loader options: int64 as JS numbers (epoch ms fit), defaults filled in, oneof names reported.
 * The generated types assume the same (package.json's `proto` script; its test checks).
 */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** The generated client constructor (`new Agent(address, credentials)`), with `.service` for servers. */
export type AgentServiceConstructor = ProtoGrpcType['squall']['agent']['v1']['Agent'];

let cached: AgentServiceConstructor | undefined;

/**
 * The `squall.agent.v1.Agent` service. The loaded package is typed as the types generated from
 * the same file (generated/agent.ts, `npm run proto`), whose options match LOADER_OPTIONS.
 */
export function agentService(): AgentServiceConstructor {
  if (cached) return cached;
  const definition = protoLoader.loadSync(PROTO_PATH, LOADER_OPTIONS);
  const pkg = grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType;
  cached = pkg.squall.agent.v1.Agent;
  return cached;
}
