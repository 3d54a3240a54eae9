/**
 * `kind: webhook`: the notification as JSON (alerts.ts `Notification`), signed. Headers:
 *
 *   Idempotency-Key: <notification id>        the same on every retry: a receiver that has seen
 *                                             it already answers 2xx and does nothing
 *   X-Squall-Timestamp: <unix seconds>        when this attempt was signed
 *   X-Squall-Signature: sha256=<hex>          HMAC-SHA256 with the shared secret over
 *                                             `<timestamp>.<body>` (the timestamp inside the
 *                                             signature lets a receiver refuse old replays)
 *   X-Squall-Attempt: <n>
 *
 * The body is byte-identical across attempts; README "Alerts" shows how to verify.
 */
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { Notification } from '../alerts.js';
import { httpTarget, postJson, ReceiverUrl } from '../http-post.js';
import { defineReceiverKind } from '../receiver.js';

const Options = z.strictObject({
  url: ReceiverUrl,
  secret: z.string().min(1).meta({
    description: `the HMAC-SHA256 key; write it as a secret reference, \${env:NAME} or \${file:PATH}`,
  }),
  headers: z.record(z.string(), z.string()).optional().meta({ description: 'extra request headers' }),
  sendResolved: z
    .boolean()
    .default(false)
    .meta({ description: 'also send resolved alerts and runs that ended with nothing wrong' }),
});

/** `sha256=<hex>`: the signature of `body` as sent at `timestamp` (unix seconds). */
function webhookSignature(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The body for one receiver: resolved alerts only where they are wanted (router.ts chose them). */
function webhookBody(notification: Notification): string {
  return JSON.stringify(notification);
}

export const webhookReceiver = defineReceiverKind({
  name: 'webhook',
  summary: 'JSON body, HMAC-SHA256 signature header, idempotency key',
  options: Options,
  create(name, options, transport) {
    const target = httpTarget(options.url, transport);
    return {
      name,
      kind: 'webhook',
      sendResolved: options.sendResolved,
      send(notification, { attempt, signal }) {
        const body = webhookBody(notification);
        const timestamp = Math.floor(Date.now() / 1000);
        return postJson(
          target,
          body,
          {
            ...options.headers,
            'idempotency-key': notification.id,
            'x-squall-timestamp': String(timestamp),
            'x-squall-signature': webhookSignature(options.secret, timestamp, body),
            'x-squall-attempt': String(attempt),
          },
          signal,
        );
      },
      close: () => target.agent.destroy(),
    };
  },
});
