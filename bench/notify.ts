/**
 * bench/notify: 1,000 alerts to a webhook receiver that fails every other request (503), sent
 * while the runner runs, and what that costs the runner. Each round runs the runner-jitter
 * timeline (200 fault starts at 25 ms spacing, no-op driver: only scheduling is measured; see
 * bench/runner-jitter.ts) twice, alternating: alone, and with the 1,000 alerts raised in
 * bursts of 20 every 100 ms across the run, through the real notifier (config loaded from YAML,
 * routing, HMAC signing, retries with backoff) to a receiver in another process that checks
 * signatures and idempotency keys. Reports per round and as medians over rounds: runner
 * fault-start delay p50/p99 with and without alerts (and their ratio), delivery latency from
 * raise to 2xx (p50/p99, retries included), attempts, and whether every alert was taken exactly
 * once. Writes bench/results/notify.json.
 *
 * Why 20 attempts: which request the receiver fails is, for any one alert, a coin toss, so n
 * attempts leave about 1,000 / 2^n alerts undelivered (measured with 8: 3 to 6 per round; the
 * default 5 would give up ~31). A real receiver fails in outages, not coin tosses; this one
 * is the worst case for "delivered exactly once".
 *
 *   npm run bench:notify
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { notificationsForRun } from '../engine/notify/alerts.js';
import { loadNotifyConfig } from '../engine/notify/config.js';
import { createNotifier } from '../engine/notify/notifier.js';
import type { DeliveryOutcome } from '../engine/notify/queue.js';
import { loadRun } from '../reports/write.js';
import { BENCH_SRC_DIR, machine, nextMessage, writeResult } from './fleet-bench-support.js';
import { EVENTS, median, runnerDelays, SPACING_MS, stats } from './runner-timeline.js';

const ALERTS = 1000;
const BURST = 20;
const BURST_EVERY_MS = 100;
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const SECRET = 'bench-secret-0123456789';

const child = fork(join(BENCH_SRC_DIR, 'notify-receiver-child.ts'), [], {
  execArgv: process.execArgv,
  env: { ...process.env, NOTIFY_BENCH_SECRET: SECRET },
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const { port } = await nextMessage<{ port: number }>(child);
interface ReceiverStats {
  requests: number;
  failed: number;
  unsigned: number;
  accepted: number;
  duplicates: number;
}
const receiverStats = async () => {
  child.send('stats');
  return nextMessage<ReceiverStats>(child);
};

const dir = mkdtempSync(join(tmpdir(), 'squall-notify-bench-config-'));
const configPath = join(dir, 'notify.yaml');
const delivery = {
  attempts: 20,
  backoff: '20ms',
  maxBackoff: '1s',
  timeout: '2s',
  concurrency: 4,
  flushTimeout: '30s',
};
writeFileSync(
  configPath,
  `apiVersion: squall/v1
kind: Notify
receivers:
  hook: { kind: webhook, url: "http://127.0.0.1:${port}/alerts", secret: "\${env:BENCH_SECRET}" }
routes: [{ severity: P3, receivers: [hook] }]
delivery: ${JSON.stringify(delivery)}
`,
);
// The alert itself: the recorded breach's run end (P3), a fresh id per alert.
const template = notificationsForRun(
  loadRun(join(BENCH_SRC_DIR, '../reports/fixtures/demo-breach/journal.jsonl')),
).find((n) => n.event === 'run.end')!;

async function measureRound(round: number) {
  const alone = stats(await runnerDelays());
  const config = await loadNotifyConfig(configPath, { env: { BENCH_SECRET: SECRET } });
  const outcomes: DeliveryOutcome[] = [];
  const notifier = createNotifier(config, { onOutcome: (o) => outcomes.push(o) });
  const before = await receiverStats();
  let raised = 0;
  let timer: NodeJS.Timeout | undefined;
  const raise = () => {
    timer = setInterval(() => {
      for (let i = 0; i < BURST && raised < ALERTS; i++, raised++)
        notifier.send({ ...template, id: `bench-${round}-${raised}` });
      if (raised >= ALERTS) clearInterval(timer);
    }, BURST_EVERY_MS);
  };
  const withAlerts = stats(await runnerDelays({ during: raise }));
  const raisedDuringRun = raised;
  await new Promise<void>((resolve) => {
    const wait = setInterval(() => {
      if (raised < ALERTS) return;
      clearInterval(wait);
      resolve();
    }, 10);
  });
  await notifier.close();
  const after = await receiverStats();
  const delivered = outcomes.filter((o) => o.delivered);
  const attempts = outcomes.map((o) => o.attempts);
  return {
    runnerAlone: alone,
    runnerWithAlerts: withAlerts,
    p50Ratio: withAlerts.p50Ms / alone.p50Ms,
    p99Ratio: withAlerts.p99Ms / alone.p99Ms,
    alertsRaisedDuringRun: raisedDuringRun,
    delivery: stats(delivered.map((o) => o.latencyMs)),
    delivered: delivered.length,
    undelivered: outcomes.length - delivered.length,
    attemptsTotal: attempts.reduce((a, b) => a + b, 0),
    attemptsMax: Math.max(...attempts),
    receiver: {
      requests: after.requests - before.requests,
      failed503: after.failed - before.failed,
      unsigned: after.unsigned - before.unsigned,
      accepted: after.accepted - before.accepted,
      duplicates: after.duplicates - before.duplicates,
    },
  };
}

const rounds: Awaited<ReturnType<typeof measureRound>>[] = [];
for (let round = 0; round < ROUNDS; round++) {
  rounds.push(await measureRound(round));
  console.error(`round ${round + 1}/${ROUNDS}: ${JSON.stringify(rounds.at(-1))}`);
}
child.disconnect();
rmSync(dir, { recursive: true, force: true });

const pick = (f: (r: (typeof rounds)[number]) => number) => median(rounds.map(f));
const exactlyOnce = rounds.every(
  (r) =>
    r.delivered === ALERTS &&
    r.receiver.accepted === ALERTS &&
    r.receiver.duplicates === 0 &&
    r.undelivered === 0,
);
const result = {
  bench: 'notify',
  date: new Date().toISOString(),
  ...machine(),
  alerts: ALERTS,
  raisedAs: `${BURST} every ${BURST_EVERY_MS} ms during the run`,
  receiver: 'webhook in another process; every other request answered 503; checks HMAC and idempotency keys',
  delivery,
  runner: { events: EVENTS, spacingMs: SPACING_MS },
  rounds: ROUNDS,
  /** Medians over rounds of each round's value. */
  median: {
    runnerAloneP50Ms: pick((r) => r.runnerAlone.p50Ms),
    runnerAloneP99Ms: pick((r) => r.runnerAlone.p99Ms),
    runnerWithAlertsP50Ms: pick((r) => r.runnerWithAlerts.p50Ms),
    runnerWithAlertsP99Ms: pick((r) => r.runnerWithAlerts.p99Ms),
    p50RatioWithToWithout: pick((r) => r.p50Ratio),
    p99RatioWithToWithout: pick((r) => r.p99Ratio),
    deliveryP50Ms: pick((r) => r.delivery.p50Ms),
    deliveryP99Ms: pick((r) => r.delivery.p99Ms),
    attemptsPerAlert: pick((r) => r.attemptsTotal / ALERTS),
  },
  everyAlertDeliveredExactlyOnce: exactlyOnce,
  perRound: rounds,
};
writeResult('notify', result);
console.log(JSON.stringify(result, null, 2));
