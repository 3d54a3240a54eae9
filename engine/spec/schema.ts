/**
 * Experiment format v1 as a zod 4 schema. Human units (`30s`, `5000/s`, `99.9%`, `>= 99.9%`)
 * are validated and converted here, so the rest of Squall sees numbers with units in their
 * names. Registry lookups (fault kinds, SLIs, probe kinds) and cross-field checks live in
 * `validate.ts`; JSON Schema for editors is generated from this file (`npm run schema`).
 */
import { z } from 'zod';
import { SEVERITY_LEVELS } from '../core/severity.js';
import {
  Duration,
  DurationAtLeast,
  ObjectiveText,
  Offset,
  Percent,
  Rate,
  secretText,
} from '../core/unit-schemas.js';
import { describeInput } from '../core/units.js';
import { DISCOVER_KEY, DISCOVERED_AGENT_NAME } from './discovered-agents.js';
import { FleetSpec } from './fleet-spec.js';
import { CLOUD_BROKER_KINDS } from './testbed-names.js';

export { Duration, ObjectiveText, Offset, Percent, Rate };

// Letter case spelled out rather than an `i` flag: JSON Schema patterns carry no flags, and
// editors check names with the pattern alone.
const Name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/, {
    error: (iss) => `expected a name of letters, digits, - and _, got ${describeInput(iss.input)}`,
  })
  .max(64);
/** Where an SLI is read: `fleet`, a tenant of the fleet (`fleet.acme`), a probe's or a source's name. */
const SourceName = z
  .string()
  .regex(/^(fleet\.)?[A-Za-z0-9][A-Za-z0-9_-]*$/, {
    error: "expected 'fleet', 'fleet.<tenant>' or a probe's name",
  })
  .max(71);
/** `host:port`, the port within 1–65535 (0 too where `minPort` is 0: a listener's "any free port"). */
const hostPort = (minPort: 0 | 1) =>
  z
    .string()
    .regex(/^[^\s:]+:\d{1,5}$/, { error: "expected 'host:port', e.g. '127.0.0.1:8080'" })
    .refine(
      (text) => {
        const port = Number(text.slice(text.lastIndexOf(':') + 1));
        return port >= minPort && port <= 65_535;
      },
      { error: (iss) => `port must be ${minPort}–65535, got ${describeInput(iss.input)}` },
    );
const HostPort = hostPort(1);

export const Metadata = z.strictObject({
  name: Name,
  description: z.string().optional(),
  runbook: z
    .string()
    .optional()
    .meta({ description: 'Path or URL of the runbook to follow when this fails.' }),
  tags: z.array(z.string()).optional(),
  owner: z.string().optional(),
});

const ReadyCheck = z.union([
  z.strictObject({ tcp: HostPort, timeout: Duration.optional() }),
  z.strictObject({ http: z.url(), timeout: Duration.optional() }),
  z.strictObject({ delay: Duration }),
]);

/** A process the runner starts and stops, and that `process.*` faults can target by name. */
export const ManagedProcessSpec = z.strictObject({
  command: z.array(z.string()).min(1, { error: 'expected the argv to run, e.g. [node, server.js]' }),
  cwd: z.string().optional(),
  env: z.record(z.string(), secretText('the variable’s value')).optional(),
  ready: ReadyCheck.optional(),
});

/** A TCP fault proxy the runner starts in front of an upstream; `proxy.*` faults target it by name. */
export const ProxySpec = z.strictObject({ listen: hostPort(0), upstream: HostPort });

/** The testbed's cloud ingest service and its circuit breaker (testbed/services/). */
const IngestServiceSpec = z.strictObject({
  port: z
    .number()
    .int()
    .min(0)
    .max(65_535)
    .default(0)
    .meta({ description: "the ingest's HTTP API on 127.0.0.1 (probes need a fixed port)" }),
  topic: z.string().optional().meta({ description: 'telemetry topic filter (default t/#)' }),
  timeout: DurationAtLeast(1)
    .prefault('250ms')
    .meta({ description: 'a downstream call slower than this fails' }),
  errorThreshold: Percent.prefault('50%').meta({
    description: 'failed calls in the rolling window above which the breaker opens',
  }),
  window: DurationAtLeast(1).prefault('1s').meta({ description: 'rolling window of the error rate' }),
  volumeThreshold: z.number().int().min(1).max(1_000_000).default(10).meta({
    description: 'calls in the window before the breaker may open',
  }),
  resetTimeout: DurationAtLeast(1).prefault('1s').meta({ description: 'time open before a trial call' }),
});

/** A noisy tenant flooding the testbed's cloud broker (testbed/services/flood-main.ts). */
const FloodSpec = z.strictObject({
  tenant: Name.default('noisy').meta({ description: 'publishes go to t/<tenant>/f/<i>' }),
  connections: z.number().int().min(1).max(1000).default(50),
  every: DurationAtLeast(1).prefault('10ms').meta({ description: 'per connection' }),
  port: z.number().int().min(0).max(65_535).default(0).meta({
    description: 'its HTTP API on 127.0.0.1: /stats, /acked?max=<n> (probes need a fixed port)',
  }),
});

/** The embedded testbed's shape (testbed/testbed.ts TestbedOptions). */
export const TestbedSpec = z.strictObject({
  broker: z.enum(CLOUD_BROKER_KINDS).default('aedes'),
  workers: z.number().int().min(1).max(16).default(2).meta({ description: 'aedes worker processes' }),
  standby: z.boolean().default(false).meta({
    description:
      "a second, independent cloud broker: broker and process 'cloud-standby' (lab: host cloud-2), for DR failover",
  }),
  gateways: z.number().int().min(0).max(16).default(1).meta({ description: 'edge gateways edge-1..edge-N' }),
  lab: z.boolean().default(false).meta({ description: 'hosts in network namespaces (needs root)' }),
  forward: z.array(z.string()).optional().meta({ description: 'topics the gateways forward to the cloud' }),
  queueMax: z
    .number()
    .int()
    .positive()
    .max(100_000_000)
    .optional()
    .meta({ description: 'gateway disk queue bound (messages)' }),
  overflow: z.enum(['drop-oldest', 'drop-newest', 'back-pressure']).optional(),
  uplinkProxy: z.boolean().default(false).meta({
    description:
      "loopback only: a fault proxy 'edge-<i>-uplink' between each gateway and the cloud, for proxy.* faults on that path",
  }),
  metricsPort: z.number().int().min(0).max(65_535).default(0).meta({
    description:
      "aedes only: the cloud broker's Prometheus endpoint (/metrics, /metrics/worker/<i>) on 127.0.0.1; a fixed port for a Prometheus to scrape",
  }),
  tenantLimit: Rate.optional().meta({
    description:
      "aedes only: each tenant's publish rate (t/<tenant>/...), paced by back-pressure; each worker enforces rate / workers, so a tenant with fewer connections than workers gets less",
  }),
  sinkProxy: z.boolean().default(false).meta({
    description:
      "loopback only: a fault proxy and broker 'cloud-sink' in front of the cloud broker, for a consumer",
  }),
  ingest: IngestServiceSpec.optional().meta({
    description:
      "loopback only: processes 'ingest' (HTTP API, circuit breaker) and 'downstream', proxy 'ingest-downstream'",
  }),
  flood: FloodSpec.optional().meta({
    description: "loopback only: a noisy tenant flooding the cloud broker, as process 'flood'",
  }),
});

const System = z.strictObject({
  /** `embedded` starts the reference platform; its roles (`cloud-broker`, `edge-1`) are fault targets. */
  testbed: z
    .union([z.enum(['embedded', 'none']), TestbedSpec])
    .optional()
    // An object is already parsed by the union (units converted): parsing it again would not do.
    .transform((t) =>
      t === undefined || t === 'none' ? undefined : t === 'embedded' ? TestbedSpec.parse({}) : t,
    )
    .meta({ description: "'embedded', or the testbed's options: { broker, workers, gateways, lab }" }),
  brokers: z.record(Name, secretText('a broker URL, e.g. mqtt://user:password@host:1883')).optional(),
  processes: z.record(Name, ManagedProcessSpec).optional(),
  proxies: z.record(Name, ProxySpec).optional(),
});

/** An agent's gRPC address: `host:port`, or `unix:/path` (a local socket, e.g. for plain text as root). */
const AgentAddress = z.union([z.string().regex(/^unix:\/\S+$/), HostPort], {
  error: (iss) =>
    typeof iss.input === 'string' && /^[^\s:]+:\d{1,5}$/.test(iss.input)
      ? `port must be 1–65535, got ${describeInput(iss.input)}`
      : "expected 'host:port' (e.g. '10.0.0.5:7070') or 'unix:/path'",
});

const AgentSpec = z.strictObject({
  address: AgentAddress,
  tls: z.strictObject({ ca: z.string(), cert: z.string(), key: z.string() }).optional(),
  insecure: z
    .boolean()
    .optional()
    .meta({ description: 'Plain text; only allowed on loopback or a unix: socket.' }),
});

/**
 * `agents.discover`: every agent behind a DNS name (a headless Service's A records), all on
 * `port`. Each must present a certificate carrying `dns` (docs/security.md); so TLS is required.
 */
const AgentDiscovery = z.strictObject({
  dns: z
    .string()
    .max(253)
    .regex(/^(?=.*[a-z])[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.?$/i, {
      error: (iss) =>
        `expected a DNS name such as squall-agents.chaos.svc.cluster.local, got ${describeInput(iss.input)}`,
    }),
  port: z.number().int().min(1).max(65_535),
  server: HostPort.optional().meta({
    description: "DNS server to ask, 'host:port' (default: the system's resolvers)",
  }),
  timeout: DurationAtLeast(1).prefault('5s').meta({ description: 'How long the DNS answer may take.' }),
  tls: z.strictObject({ ca: z.string(), cert: z.string(), key: z.string() }),
});

/**
 * The agents the controller connects to, by name; `local` is the built-in one and `discover`
 * (discovered-agents.ts) finds agents by DNS instead of naming them.
 */
export const Agents = z
  .object({ [DISCOVER_KEY]: AgentDiscovery.optional() })
  .catchall(AgentSpec)
  .superRefine((agents, ctx) => {
    for (const key of Object.keys(agents)) {
      if (key !== DISCOVER_KEY && !Name.safeParse(key).success)
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `expected a name of letters, digits, - and _, got ${describeInput(key)}`,
        });
    }
  });

/** A fault's agent: a name under `agents:`, `local`, or a discovered agent (`squall-agents/10.0.0.5`). */
const TargetAgent = z.union([Name, z.string().regex(DISCOVERED_AGENT_NAME)], {
  error: (iss) =>
    `expected an agent name (letters, digits, - and _) or a discovered agent such as squall-agents/10.0.0.5, got ${describeInput(iss.input)}`,
});

export const Target = z.strictObject({
  agent: TargetAgent.optional(),
  process: Name.optional(),
  pidFile: z.string().optional(),
  pid: z.number().int().positive().optional(),
  proxy: Name.optional(),
  host: Name.optional(),
});

export const Fault = z.strictObject({
  name: Name,
  kind: z
    .string()
    .regex(/^[a-z0-9_-]+\.[a-z0-9_.-]+$/, { error: "expected 'driver.action', e.g. 'process.kill'" }),
  at: Offset.prefault('+0s').meta({ description: 'Start, relative to the end of the baseline phase.' }),
  duration: Duration.optional(),
  target: Target,
  params: z.record(z.string(), z.unknown()).default({}),
});

export const Probe = z.strictObject({
  name: Name,
  kind: z.string(),
  every: DurationAtLeast(10).prefault('1s'),
  timeout: DurationAtLeast(1).prefault('1s'),
  params: z.record(z.string(), z.unknown()).default({}),
});

/**
 * A metrics source the SLOs read by name (`source: <name>`): a Prometheus server whose PromQL
 * queries (`sli: promql`, `sli: promql_ratio`) are asked once per slice (engine/probes/promql-source.ts).
 */
export const MetricsSourceSpec = z.strictObject({
  prometheus: z.strictObject({
    url: z.url({
      protocol: /^https?$/,
      error: "expected Prometheus' http(s) URL, e.g. 'http://127.0.0.1:9090'",
    }),
    timeout: DurationAtLeast(1)
      .prefault('2s')
      .meta({ description: 'one query slower than this counts as no data for its slice' }),
    delay: Duration.prefault('2s').meta({
      description:
        "how long after a slice's end to ask for its value (at that end time), so the scrape covering it has landed; at least the scrape interval",
    }),
  }),
});

export const WindowName = z.enum(['run', 'baseline', 'fault', 'recovery']);

/** What the run should find: `breached` makes an SLO (or a whole experiment) a negative control. */
export const Expectation = z.enum(['met', 'breached']);

export const Slo = z.strictObject({
  name: Name,
  sli: z.string(),
  /** Which source's metrics the SLI reads: `fleet` (default), `fleet.<tenant>` or a probe name. */
  source: SourceName.optional(),
  objective: ObjectiveText,
  window: WindowName.default('run'),
  budgeting: z.enum(['occurrences', 'timeslices']).default('occurrences'),
  /** For timeslices: the objective a single slice must meet to count as good. */
  sliceObjective: ObjectiveText.optional(),
  weight: z.number().positive().max(1000).default(1),
  params: z.record(z.string(), z.unknown()).default({}),
  /**
   * Checked by the preflight gate (steady state must hold before any fault). Default: true for
   * window baseline or run and an SLI measurable at rest (engine/slo/preflight.ts).
   */
  preflight: z.boolean().optional().meta({
    description:
      'Checked by the preflight gate before any fault. Default: true for window baseline or run, except SLIs with no value at rest (reconnect_time_pNN: opt in; time_to_recover, rto, rpo: never). true on a fault or recovery SLO is an error.',
  }),
  expect: Expectation.optional().meta({
    description:
      "'breached': a negative control; the run passes (exit 0, 'breached as expected') only if this SLO breaches. Default: the experiment's expect, else 'met'.",
  }),
  severity: z.enum(SEVERITY_LEVELS).optional().meta({
    description:
      'How bad a breach of this SLO is (docs/incidents.md): P1 pages the on-call, P2 goes to chat and a ticket, P3 to chat, P4 nowhere. Default: P3.',
  }),
});

export const Guard = z.strictObject({
  name: Name.optional(),
  /** `<sli> <comparator> <value>`, e.g. `success_ratio < 50%`. */
  when: z.string().optional(),
  source: SourceName.optional(),
  for: Duration.prefault('0s'),
  /** Multiwindow burn-rate guard on an SLO (SRE Workbook ch. 5), scaled to the run's length. */
  burnRate: z
    .strictObject({
      slo: Name,
      factor: z.number().positive().max(1_000_000).optional(),
      longWindow: DurationAtLeast(1).optional(),
    })
    .optional(),
});

const Phases = z.strictObject({
  preflight: Duration.prefault('3s'),
  baseline: Duration,
  fault: Duration.optional().meta({
    description: 'Length of the fault window; default: until the last fault ends.',
  }),
  recovery: Duration,
});

export const Experiment = z.strictObject({
  apiVersion: z.literal('squall/v1', {
    error: (iss) => `expected 'squall/v1', got ${describeInput(iss.input)}`,
  }),
  kind: z.literal('Experiment', { error: (iss) => `expected 'Experiment', got ${describeInput(iss.input)}` }),
  metadata: Metadata,
  vars: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  system: System.prefault({}),
  agents: Agents.optional(),
  /** The simulated device fleet (fleet-spec.ts). */
  fleet: FleetSpec.optional(),
  probes: z.array(Probe).default([]),
  /** Metrics sources by name, read by SLOs with `source: <name>` (Prometheus and PromQL). */
  sources: z.record(Name, MetricsSourceSpec).optional().meta({
    description:
      "Metrics sources by name, e.g. prom: { prometheus: { url: 'http://127.0.0.1:9090' } }; an SLO reads one with source: <name> and sli: promql or promql_ratio",
  }),
  phases: Phases,
  faults: z.array(Fault).default([]),
  slos: z.array(Slo).default([]),
  guards: z.array(Guard).default([]),
  rollback: z.enum(['always']).default('always'),
  expect: Expectation.optional().meta({
    description:
      "'breached': the whole experiment is a negative control; every SLO without an expect of its own must breach. Default: 'met'.",
  }),
});

export type Experiment = z.output<typeof Experiment>;
export type ExperimentInput = z.input<typeof Experiment>;
export type FaultSpec = z.output<typeof Fault>;
export type SloSpec = z.output<typeof Slo>;
export type GuardSpec = z.output<typeof Guard>;
export type ProbeSpec = z.output<typeof Probe>;
export type MetricsSourceSpec = z.output<typeof MetricsSourceSpec>;
export type TargetSpec = z.output<typeof Target>;
export type WindowName = z.output<typeof WindowName>;
export type Expectation = z.output<typeof Expectation>;
export type TestbedSpec = z.output<typeof TestbedSpec>;
export type AgentDiscoverySpec = z.output<typeof AgentDiscovery>;
