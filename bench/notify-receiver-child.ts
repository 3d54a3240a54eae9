/**
 * The receiver of bench/notify.ts in its own process (its CPU is not charged to the runner):
 * a webhook endpoint that checks signatures and idempotency keys (the tests' receiver) and
 * answers every other request 503. Sends its port over IPC; answers 'stats' with its counts;
 * exits when the parent disconnects.
 */
import { startReceiverServer } from '../engine/notify/test-support/receiver-server.js';

const server = await startReceiverServer({
  secret: process.env.NOTIFY_BENCH_SECRET,
  answer: (index) => (index % 2 === 0 ? 503 : undefined),
});
process.send!({ port: server.port });
process.on('message', (message) => {
  if (message !== 'stats') return;
  process.send!({
    requests: server.requests.length,
    failed: server.requests.filter((r) => r.status === 503).length,
    unsigned: server.requests.filter((r) => !r.signed).length,
    accepted: server.accepted.length,
    duplicates: server.duplicates.length,
  });
});
process.on('disconnect', () => process.exit(0));
