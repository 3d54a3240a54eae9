/**
 * Shared by the toxiproxy.* drivers: a real Toxiproxy server (or anything speaking its HTTP API,
 * such as the built-in proxy's) driven through toxiproxy-node-client. The target's `proxy` is
 * the proxy's name in that server; `url` is its API.
 */
import toxiproxyClient from 'toxiproxy-node-client';
import { z } from 'zod';

export const ApiUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//.test(u), 'expected an http(s) URL such as http://127.0.0.1:8474')
  .transform((u) => u.replace(/\/+$/, ''))
  .default('http://127.0.0.1:8474');

type Client = InstanceType<typeof toxiproxyClient.Toxiproxy>;

export function toxiproxyAt(url: string): Client {
  return new toxiproxyClient.Toxiproxy(url);
}

/** The client's errors say only "status code 404": name the server and the proxy. */
export function describeError(url: string, proxy: string, err: unknown): Error {
  return new Error(`Toxiproxy at ${url}, proxy '${proxy}': ${(err as Error).message}`, { cause: err });
}
