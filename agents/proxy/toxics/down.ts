/**
 * `down`: Toxiproxy's `enabled: false` as a toxic. The proxy stops listening (new connections
 * are refused, ECONNREFUSED) and closes every open connection; removing it listens again on
 * the same address.
 */
import { z } from 'zod';
import { defineToxicType } from '../toxic.js';

export const downToxic = defineToxicType({
  name: 'down',
  scope: 'proxy',
  summary: 'Take the proxy down: close its connections and refuse new ones.',
  attributes: z.strictObject({}),
  apply(_attributes, proxy) {
    proxy.disable();
    return () => proxy.enable();
  },
});
