/** Cross-worker routing decisions (pure): who gets a publish, with aedes' wildcard rules. */
import { describe, expect, it } from 'vitest';
import { IpcLink } from './ipc-link.js';
import { Router } from './router.js';

describe('Router', () => {
  it('forwards only to other workers with a matching pattern', () => {
    const r = new Router();
    r.add(1, 'fleet/+/telemetry');
    r.add(2, 'fleet/#');
    r.add(3, 'cmd/#');
    expect(r.targets(1, 'fleet/d1/telemetry')).toEqual([2]);
    expect(r.targets(3, 'fleet/d1/telemetry').sort()).toEqual([1, 2]);
    expect(r.targets(1, 'other')).toEqual([]);
    // MQTT-4.7.1-3: '+' matches an empty level, as in aedes.
    expect(r.targets(2, 'fleet//telemetry')).toEqual([1]);
    r.remove(2, 'fleet/#');
    r.drop(1);
    expect(r.targets(3, 'fleet/d1/telemetry')).toEqual([]);
  });
});

describe('IpcLink', () => {
  it('sends one batch per event-loop turn and settles requests by id', async () => {
    const sent: unknown[][] = [];
    const link = new IpcLink<{ t: string; id?: number }>({
      send: (m) => {
        sent.push(m as unknown[]);
        return true;
      },
    });
    link.send({ t: 'a' });
    const reply = link.request<number>((id) => ({ t: 'q', id }));
    link.send({ t: 'b' });
    expect(sent).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(sent).toEqual([[{ t: 'a' }, { t: 'q', id: 1 }, { t: 'b' }]]);
    expect(link.pendingRequests).toBe(1);
    link.settle(1, 42);
    expect(await reply).toBe(42);
    const failing = link.request((id) => ({ t: 'q', id }));
    link.failAll('peer died');
    await expect(failing).rejects.toThrow('peer died');
  });
});
