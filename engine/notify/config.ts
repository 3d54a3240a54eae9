/**
 * The notification config (`squall run --notify FILE`, and the server's): receivers by name,
 * routes by severity, delivery policy. Read like an experiment file (bounded YAML with
 * positions, engine/spec), so every problem is reported at once as `file:line:col field.path:
 * message`; a receiver's own fields are checked by its kind's schema; secret references
 * (`${env:NAME}`, `${file:PATH}`, relative to the config's folder) are resolved when it loads,
 * before anything runs, so a missing token fails at minute 0.
 *
 *   apiVersion: squall/v1
 *   kind: Notify
 *   receivers:
 *     pager: { kind: alertmanager, url: http://alertmanager:9093 }
 *     chat: { kind: slack, url: "${env:SLACK_WEBHOOK_URL}" }
 *   routes:
 *     - { severity: [P1, P2], receivers: [pager, chat] }
 *     - { severity: P3, receivers: [chat] }
 */
import { dirname } from 'node:path';
import { z } from 'zod';
import { closest } from '../core/did-you-mean.js';
import { SpecError, type SpecIssue } from '../core/errors.js';
import { excerpt } from '../core/escape.js';
import { SEVERITY_LEVELS } from '../core/severity.js';
import { Duration, DurationAtLeast } from '../core/unit-schemas.js';
import { readSpecFile } from '../spec/read-spec.js';
import { resolveSecretRefs, secretRefIssues } from '../spec/secret-refs.js';
import { type RecordedSourceMap, sortIssues } from '../spec/source-map.js';
import { readYamlSource } from '../spec/yaml-source.js';
import { friendlyZodError, specIssuesFromZod } from '../spec/zod-issues.js';
import type { DeliveryPolicy } from './queue.js';
import type { Receiver } from './receiver.js';
import { receiverKinds } from './receivers/catalog.js';
import type { Route } from './router.js';

const Name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, { error: 'expected a name of letters, digits, - and _' })
  .max(64);
const Level = z.enum(SEVERITY_LEVELS);

const NotifyRoute = z.strictObject({
  severity: z
    .union([Level, z.array(Level).min(1)], { error: 'expected P1, P2, P3 or P4, or a list of them' })
    .meta({ description: 'P1..P4, or a list of them' }),
  experiments: z
    .array(z.string())
    .min(1)
    .optional()
    .meta({ description: "only these experiments' alerts (metadata.name); default every experiment" }),
  receivers: z.array(Name).min(1),
});

const NotifyDelivery = z.strictObject({
  attempts: z.number().int().min(1).max(20).default(5),
  backoff: DurationAtLeast(1).prefault('1s').meta({ description: 'before the 2nd attempt; doubles after' }),
  maxBackoff: DurationAtLeast(1).prefault('30s'),
  timeout: DurationAtLeast(1).prefault('5s').meta({ description: 'per attempt' }),
  concurrency: z
    .number()
    .int()
    .min(1)
    .max(64)
    .default(4)
    .meta({ description: 'requests in flight per receiver' }),
  maxPending: z.number().int().min(1).max(1_000_000).default(10_000),
  flushTimeout: Duration.prefault('10s').meta({
    description: 'how long squall waits at exit for alerts still being delivered',
  }),
});

const NotifyFile = z.strictObject({
  apiVersion: z.literal('squall/v1', { error: "expected 'squall/v1'" }),
  kind: z.literal('Notify', { error: "expected 'Notify'" }),
  receivers: z.record(Name, z.looseObject({ kind: z.string() })),
  routes: z.array(NotifyRoute).default([]),
  delivery: NotifyDelivery.prefault({}),
});

export interface NotifyConfig {
  file: string;
  receivers: Map<string, Receiver>;
  routes: Route[];
  delivery: DeliveryPolicy & { flushTimeoutMs: number };
}

export interface LoadNotifyOptions {
  /** What `${env:NAME}` reads. */
  env: Readonly<Record<string, string | undefined>>;
  /** How issues name the file; default the path. */
  label?: string;
}

const invalid = (issues: SpecIssue[]) => new SpecError(sortIssues(issues), 'SQUALL_NOTIFY_CONFIG_INVALID');

/** Reads, validates and resolves a notification config. SpecError SQUALL_NOTIFY_CONFIG_INVALID. */
export async function loadNotifyConfig(path: string, options: LoadNotifyOptions): Promise<NotifyConfig> {
  const label = options.label ?? path;
  const text = await readSpecFile(path, label, 'notification config').catch((err) => {
    throw err instanceof SpecError ? invalid(err.issues) : err;
  });
  if (text.trim() === '')
    throw invalid([
      {
        file: label,
        line: 1,
        col: 1,
        path: '',
        message: 'the file is empty; expected apiVersion: squall/v1 and kind: Notify',
      },
    ]);
  let yaml: ReturnType<typeof readYamlSource>;
  try {
    yaml = readYamlSource(text, label);
  } catch (err) {
    throw err instanceof SpecError ? invalid(err.issues) : err;
  }
  const { value, source } = yaml;
  const issues: SpecIssue[] = [...yaml.issues, ...secretRefIssues(value, source)];
  const parsed = NotifyFile.safeParse(value, { error: friendlyZodError });
  if (!parsed.success) {
    issues.push(...specIssuesFromZod(parsed.error.issues, { schema: NotifyFile, input: value, source }));
    throw invalid(issues);
  }
  const file = parsed.data;
  const receiverOptions = checkReceivers(file.receivers, source, issues);
  checkRoutes(file.routes, Object.keys(file.receivers), source, issues);
  if (issues.length > 0) throw invalid(issues);

  // Resolved only once the file is known good: a secret is read for a config that will be used.
  const resolved = resolveSecretRefs(
    { receivers: Object.fromEntries(receiverOptions) },
    { env: options.env, baseDir: dirname(path), source },
  ).value.receivers as Record<string, unknown>;
  const d = file.delivery;
  const transport = { timeoutMs: d.timeout, concurrency: d.concurrency };
  const receivers = new Map<string, Receiver>();
  for (const [name, raw] of Object.entries(resolved)) {
    const kind = receiverKinds.get(file.receivers[name]!.kind)!;
    const again = kind.options.safeParse(raw, { error: friendlyZodError });
    if (!again.success) {
      // A secret reference resolved to something the field does not take (a URL that is not one).
      for (const iss of again.error.issues) {
        const at = ['receivers', name, ...(iss.path as (string | number)[])];
        issues.push(source.issue(at, `${iss.message} (once its secret reference is resolved)`));
      }
      continue;
    }
    receivers.set(name, kind.create(name, again.data, transport));
  }
  if (issues.length > 0) {
    for (const r of receivers.values()) r.close();
    throw invalid(issues);
  }
  return {
    file: path,
    receivers,
    routes: file.routes.map((r) => ({
      severities: Array.isArray(r.severity) ? r.severity : [r.severity],
      experiments: r.experiments,
      receivers: r.receivers,
    })),
    delivery: {
      attempts: d.attempts,
      backoffMs: d.backoff,
      maxBackoffMs: d.maxBackoff,
      maxPending: d.maxPending,
      concurrency: d.concurrency,
      flushTimeoutMs: d.flushTimeout,
    },
  };
}

/** Each receiver's fields against its kind's schema; the raw fields (kind removed) of those that pass. */
function checkReceivers(
  receivers: Record<string, { kind: string }>,
  source: RecordedSourceMap,
  issues: SpecIssue[],
): Map<string, Record<string, unknown>> {
  const ok = new Map<string, Record<string, unknown>>();
  for (const [name, entry] of Object.entries(receivers)) {
    const kind = receiverKinds.get(entry.kind);
    if (!kind) {
      issues.push(
        source.issue(['receivers', name, 'kind'], receiverKinds.unknownMessage(excerpt(entry.kind))),
      );
      continue;
    }
    const { kind: _kind, ...fields } = entry as Record<string, unknown>;
    const parsed = kind.options.safeParse(fields, { error: friendlyZodError });
    if (parsed.success) ok.set(name, fields);
    else
      issues.push(
        ...specIssuesFromZod(parsed.error.issues, {
          schema: kind.options,
          input: fields,
          source,
          base: ['receivers', name],
        }),
      );
  }
  return ok;
}

function checkRoutes(
  routes: z.output<typeof NotifyRoute>[],
  names: string[],
  source: RecordedSourceMap,
  issues: SpecIssue[],
): void {
  for (const [i, route] of routes.entries()) {
    for (const [j, receiver] of route.receivers.entries()) {
      if (names.includes(receiver)) continue;
      const near = closest(receiver, names);
      issues.push(
        source.issue(
          ['routes', i, 'receivers', j],
          `no receiver named '${excerpt(receiver)}'${near ? ` (did you mean '${near}'?)` : ''}; receivers: ${names.join(', ') || 'none'}`,
        ),
      );
    }
  }
}
