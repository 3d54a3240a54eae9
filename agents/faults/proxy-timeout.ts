/**
 * `proxy.timeout`: a blackhole in the proxy — data stops; after `timeout` the connection is
 * closed, or with `0s` it hangs until the fault ends (Toxiproxy `timeout`).
 */
import { Duration } from '../../engine/core/unit-schemas.js';
import { defineProxyToxicDriver } from './proxy-toxic.js';

export const proxyTimeout = defineProxyToxicDriver({
  name: 'proxy.timeout',
  summary: 'Stop all data through a fault proxy; close connections after timeout (0s: hang).',
  toxic: 'timeout',
  params: { timeout: Duration.prefault('0s') },
  attributes: (p) => ({ timeout: p.timeout }),
  describe: (p) => (p.timeout > 0 ? `timeout, closing after ${p.timeout}ms` : 'blackhole (timeout 0)'),
});
