/**
 * Entry point of an edge gateway process (forked by `startEdgeGateway`): runs
 * `createEdgeGateway` with the options in SQUALL_EDGE_OPTIONS and answers stats/stop over IPC.
 */
import { createEdgeGateway, type EdgeGatewayOptions } from './gateway.js';

export type GatewayRequest = { t: 'stats'; id: number } | { t: 'stop'; id: number };
export type GatewayMessage =
  | { t: 'ready'; port: number; metricsPort: number }
  | { t: 'reply'; id: number; value?: unknown }
  | { t: 'fatal'; message: string };

const send = (msg: GatewayMessage) => process.send?.(msg);
const options = JSON.parse(process.env.SQUALL_EDGE_OPTIONS ?? '{}') as EdgeGatewayOptions;

try {
  const gateway = await createEdgeGateway(options);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await gateway.close();
  };
  process.on('message', (msg: GatewayRequest) => {
    if (msg.t === 'stats') send({ t: 'reply', id: msg.id, value: gateway.stats() });
    else if (msg.t === 'stop') {
      void stop().then(() => {
        send({ t: 'reply', id: msg.id });
        process.exit(0);
      });
    }
  });
  // The controller is gone: do not outlive it.
  process.on('disconnect', () => void stop().then(() => process.exit(0)));
  process.on('SIGTERM', () => void stop().then(() => process.exit(0)));
  send({ t: 'ready', port: gateway.port, metricsPort: gateway.metricsPort });
} catch (err) {
  send({ t: 'fatal', message: (err as Error).message });
  process.exit(1);
}
