/**
 * `kind: alertmanager`: Prometheus Alertmanager's API v2, `POST <url>/api/v2/alerts`, the way
 * Prometheus itself sends: every alert with its labels (alertname, experiment, slo / guard /
 * fault, severity), annotations, startsAt and endsAt. A resolved alert carries the time it
 * stopped; a firing one an endsAt of `alertTtl` from now, because Squall speaks once per run,
 * not every evaluation interval: without it Alertmanager would resolve the alert after its
 * `resolve_timeout` (5 min), and with it the alert stays until a later run resolves it or the
 * ttl runs out (default 24 h: a nightly run refreshes or resolves it). Labels are the alert's
 * identity, so a retried POST is the same alert again, not a second one. Resolved alerts are
 * always sent: that is how an alert ends here.
 */
import { z } from 'zod';
import { DurationAtLeast } from '../../core/unit-schemas.js';
import type { Alert } from '../alerts.js';
import { httpTarget, postJson, ReceiverUrl } from '../http-post.js';
import { defineReceiverKind } from '../receiver.js';

const Options = z.strictObject({
  url: ReceiverUrl.meta({ description: "Alertmanager's base URL, e.g. http://alertmanager:9093" }),
  alertTtl: DurationAtLeast(1000)
    .prefault('24h')
    .meta({ description: 'how long a firing alert lasts unless a later run resolves it' }),
  headers: z.record(z.string(), z.string()).optional().meta({ description: 'e.g. authorization' }),
});

/** A postable alert (API v2 `postableAlert`). */
function postableAlert(alert: Alert, nowMs: number, alertTtlMs: number) {
  const endsAt =
    alert.endsAt ?? new Date(Math.max(nowMs, Date.parse(alert.startsAt)) + alertTtlMs).toISOString();
  return { labels: alert.labels, annotations: alert.annotations, startsAt: alert.startsAt, endsAt };
}

export const alertmanagerReceiver = defineReceiverKind({
  name: 'alertmanager',
  summary: 'Prometheus Alertmanager API v2 (POST /api/v2/alerts)',
  options: Options,
  create(name, options, transport) {
    const target = httpTarget(options.url, transport);
    const endpoint = new URL(
      'api/v2/alerts',
      target.url.href.endsWith('/') ? target.url : `${target.url.href}/`,
    );
    return {
      name,
      kind: 'alertmanager',
      sendResolved: true,
      async send(notification, { signal }) {
        if (notification.alerts.length === 0) return { ok: true, skipped: true };
        const now = Date.now();
        const body = JSON.stringify(notification.alerts.map((a) => postableAlert(a, now, options.alertTtl)));
        return postJson(target, body, { ...options.headers }, signal, endpoint);
      },
      close: () => target.agent.destroy(),
    };
  },
});
