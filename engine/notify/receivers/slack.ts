/**
 * `kind: slack`: a Slack incoming webhook (Mattermost and Rocket.Chat take the same payload):
 * `text` for notifications and clients without blocks, and blocks for the message itself:
 * the title, what set the severity, the escalation, the runbook. Slack's mrkdwn needs `&`, `<`
 * and `>` escaped; a section holds 3,000 characters, so long lists are cut with a count.
 */
import { z } from 'zod';
import type { Notification } from '../alerts.js';
import { httpTarget, postJson, ReceiverUrl } from '../http-post.js';
import { defineReceiverKind } from '../receiver.js';

const Options = z.strictObject({
  url: ReceiverUrl.meta({ description: `the incoming-webhook URL: a secret, write \${env:NAME}` }),
  channel: z.string().optional(),
  username: z.string().optional(),
  iconEmoji: z.string().optional(),
  sendResolved: z
    .boolean()
    .default(false)
    .meta({ description: 'also post when a later run resolves alerts' }),
});

const MAX_SECTION_CHARS = 2900;
const MAX_LINES = 10;
const ICON: Record<string, string> = { P1: ':rotating_light:', P2: ':warning:', P3: ':large_yellow_circle:' };

function mrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function slackPayload(n: Notification): { text: string; blocks: unknown[] } {
  const icon = n.status === 'resolved' ? ':white_check_mark:' : (ICON[n.severity] ?? ':information_source:');
  const head = `${icon} [${n.severity} ${n.severityName}] ${n.title}`;
  const lines =
    n.status === 'resolved' ? n.alerts.map((a) => `resolved: ${a.annotations.summary}`) : n.reasons;
  const shown = lines.slice(0, MAX_LINES).map((l) => `• ${mrkdwn(l)}`);
  if (lines.length > MAX_LINES) shown.push(`• …and ${lines.length - MAX_LINES} more`);
  let body = `*${mrkdwn(head)}*\n${shown.join('\n')}`;
  if (body.length > MAX_SECTION_CHARS) body = `${body.slice(0, MAX_SECTION_CHARS)}…`;
  const context = [`Escalation: ${mrkdwn(n.escalation)}`, `run \`${mrkdwn(n.runId)}\``];
  if (n.runbook) context.push(`runbook: ${mrkdwn(n.runbook)}`);
  return {
    text: head,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: body } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: context.join(' · ') }] },
    ],
  };
}

export const slackReceiver = defineReceiverKind({
  name: 'slack',
  summary: 'Slack-compatible incoming webhook (text and blocks)',
  options: Options,
  create(name, options, transport) {
    const target = httpTarget(options.url, transport);
    return {
      name,
      kind: 'slack',
      sendResolved: options.sendResolved,
      send(notification, { signal }) {
        const payload = {
          ...slackPayload(notification),
          ...(options.channel ? { channel: options.channel } : {}),
          ...(options.username ? { username: options.username } : {}),
          ...(options.iconEmoji ? { icon_emoji: options.iconEmoji } : {}),
        };
        return postJson(target, JSON.stringify(payload), {}, signal);
      },
      close: () => target.agent.destroy(),
    };
  },
});
