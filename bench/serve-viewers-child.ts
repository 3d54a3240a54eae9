/**
 * bench/serve-live's viewers, in a process of their own as browsers are: `VIEWERS` SSE clients
 * on one run's event stream, each timing every `metrics` event from its journal stamp to its
 * arrival. Reports `{ deliveryMs }` once every client has seen the run finish.
 */
import { request } from 'node:http';

interface Watch {
  base: string;
  runId: string;
  viewers: number;
}

process.once('message', (m: Watch) => {
  const deliveryMs: number[] = [];
  const clients: { destroy(): void }[] = [];
  let ended = 0;
  for (let v = 0; v < m.viewers; v++) {
    const req = request(`${m.base}/api/runs/${m.runId}/events`, (stream) => {
      let buf = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const now = Date.now();
        buf += chunk;
        let end = buf.indexOf('\n\n');
        while (end >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (block.startsWith('event: journal') && data) {
            const e = JSON.parse(data.slice(6)) as { type: string; t: number };
            if (e.type === 'metrics') deliveryMs.push(now - e.t);
          } else if (block.startsWith('event: state') && data?.includes('"finished"')) {
            if (++ended === m.viewers) {
              for (const c of clients) c.destroy();
              process.send!({ deliveryMs }, () => process.exit(0));
            }
          }
          end = buf.indexOf('\n\n');
        }
      });
    });
    req.end();
    clients.push(req);
  }
});
