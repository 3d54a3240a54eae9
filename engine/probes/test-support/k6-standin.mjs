/**
 * A stand-in for `k6 run`, for Squall's tests only: the k6 binary cannot be installed where
 * they run. It does not run the script (it only checks that it exists, as k6 would); it writes
 * what k6 writes with `--out json=FILE`, in k6's documented format
 * (https://grafana.com/docs/k6/latest/results-output/real-time/json/, and k6's encoder,
 * internal/output/json/wrapper.go): one JSON object a line, a `Metric` line before a metric's
 * first `Point`, times as RFC 3339 with nanoseconds and the local offset, k6's built-in tags.
 * Like k6 it writes late: samples are flushed every 200 ms through a 4 KB buffer (so the file
 * often ends mid-line), here also held back STANDIN_LAG_MS, and the rest is written on SIGINT.
 *
 * What it writes is known, so tests have an oracle:
 * - one HTTP request every 1000 / STANDIN_RATE ms from its start (request i at start + i·interval),
 *   each one iteration with one check (`status is 200`);
 * - latency of request i: 10 + (i mod 21) ms (10..30 ms, uniform); inside the fault span
 *   100 + 10·(i mod 21) ms (100..300 ms);
 * - inside the fault span requests with i mod 10 < 3 answer 503 (30 % fail), else all 200;
 * - the fault span is read from STANDIN_CONTROL (a JSON file `{ "faultFromMs", "faultUntilMs" }`,
 *   epoch ms, polled every 20 ms), which a test writes when the run enters its fault phase;
 * - a `vus` point (STANDIN_VUS) every second.
 *
 * Other knobs: STANDIN_EXIT_AT_START=<code> prints a script error and exits; STANDIN_SILENT=1
 * writes nothing; STANDIN_IGNORE_SIGINT=1 does not stop on SIGINT; STANDIN_ARGV_FILE=<path>
 * records its argv, cwd and STANDIN_* environment there.
 */
import { existsSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';

const env = process.env;
const argv = process.argv.slice(2);

if (env.STANDIN_ARGV_FILE) {
  const standin = Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('STANDIN_')));
  writeFileSync(env.STANDIN_ARGV_FILE, JSON.stringify({ argv, cwd: process.cwd(), env: standin }));
}

function die(code, message) {
  process.stderr.write(`time="${new Date().toISOString()}" level=error msg="${message}"\n`);
  process.exit(code);
}

if (argv[0] !== 'run') die(255, `unknown command "${argv[0]}" for "k6" (the stand-in knows only run)`);
let out;
const rest = [];
for (let i = 1; i < argv.length; i++) {
  if (argv[i] === '--out' || argv[i] === '-o') out = argv[++i];
  else rest.push(argv[i]);
}
const script = rest.at(-1);
if (!script || !existsSync(script))
  die(107, `The moduleSpecifier "${script}" couldn't be found on local disk`);
if (!out?.startsWith('json=')) die(255, 'the stand-in writes only --out json=FILE');
if (env.STANDIN_EXIT_AT_START)
  die(Number(env.STANDIN_EXIT_AT_START), 'SyntaxError: file://load.js: Unexpected token (3:14)');

const RATE = Number(env.STANDIN_RATE ?? 50);
const INTERVAL_MS = 1000 / RATE;
const LAG_MS = Number(env.STANDIN_LAG_MS ?? 500);
const VUS = Number(env.STANDIN_VUS ?? 5);
const URL = 'http://127.0.0.1:8080/api';
const startMs = Date.now();
const fd = openSync(out.slice('json='.length), 'w');

let fault = { faultFromMs: Number.POSITIVE_INFINITY, faultUntilMs: Number.POSITIVE_INFINITY };
const readControl = () => {
  if (!env.STANDIN_CONTROL) return;
  try {
    fault = { ...fault, ...JSON.parse(readFileSync(env.STANDIN_CONTROL, 'utf8')) };
  } catch {
    // Not written yet, or being written: read again at the next poll.
  }
};
const inFault = (t) => t >= fault.faultFromMs && t < fault.faultUntilMs;

/** Go's time.Time JSON: RFC 3339, nanoseconds, the local offset ("Z" in UTC). */
function rfc3339(ms, nanos) {
  const d = new Date(ms);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  const offsetMin = -d.getTimezoneOffset();
  const sign = offsetMin < 0 ? '-' : '+';
  const zone =
    offsetMin === 0
      ? 'Z'
      : `${sign}${pad(Math.floor(Math.abs(offsetMin) / 60))}:${pad(Math.abs(offsetMin) % 60)}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}${pad(nanos, 6)}${zone}`;
}

const METRICS = {
  http_reqs: ['counter', 'default'],
  http_req_duration: ['trend', 'time'],
  http_req_waiting: ['trend', 'time'],
  http_req_failed: ['rate', 'default'],
  checks: ['rate', 'default'],
  data_received: ['counter', 'data'],
  iteration_duration: ['trend', 'time'],
  iterations: ['counter', 'default'],
  vus: ['gauge', 'default'],
};
const seen = new Set();
let buffered = [];
let bufferedBytes = 0;

function emit(metric, ms, value, tags) {
  if (!seen.has(metric)) {
    seen.add(metric);
    const [type, contains] = METRICS[metric];
    push({
      type: 'Metric',
      data: { name: metric, type, contains, thresholds: [], submetrics: null },
      metric,
    });
  }
  // Nanoseconds, as k6 writes them: the fraction of the scheduled millisecond.
  const whole = Math.floor(ms);
  const nanos = Math.min(999_999, Math.round((ms - whole) * 1e6));
  push({ type: 'Point', data: { time: rfc3339(whole, nanos), value, tags }, metric });
}

function push(obj) {
  const line = Buffer.from(`${JSON.stringify(obj)}\n`);
  buffered.push(line);
  bufferedBytes += line.length;
}

/** What bufio.Writer does: the file gets whole 4 KB blocks; the rest waits (all of it at the end). */
function write(all) {
  if (bufferedBytes < 4096 && !all) return;
  const bytes = Buffer.concat(buffered);
  const upTo = all ? bytes.length : bytes.length - (bytes.length % 4096);
  writeSync(fd, bytes, 0, upTo);
  buffered = upTo < bytes.length ? [bytes.subarray(upTo)] : [];
  bufferedBytes = bytes.length - upTo;
}

let next = 0;
let nextVusMs = startMs;
function generateUntil(untilMs) {
  for (;;) {
    const t = startMs + next * INTERVAL_MS;
    if (t > untilMs) break;
    while (nextVusMs <= t) {
      emit('vus', nextVusMs, VUS, null);
      nextVusMs += 1000;
    }
    const i = next++;
    const faulty = inFault(t);
    const latency = faulty ? 100 + 10 * (i % 21) : 10 + (i % 21);
    const failed = faulty && i % 10 < 3;
    const status = failed ? '503' : '200';
    const tags = {
      expected_response: String(!failed),
      group: '',
      method: 'GET',
      name: URL,
      proto: 'HTTP/1.1',
      scenario: 'default',
      status,
      tls_version: '',
      url: URL,
    };
    emit('http_reqs', t, 1, tags);
    emit('http_req_duration', t, latency, tags);
    emit('http_req_waiting', t, latency - 0.25, tags);
    emit('http_req_failed', t, failed ? 1 : 0, tags);
    emit('checks', t, failed ? 0 : 1, { check: 'status is 200', group: '', scenario: 'default' });
    emit('data_received', t, 231, { group: '', scenario: 'default' });
    emit('iteration_duration', t, latency + 0.5, { group: '', scenario: 'default' });
    emit('iterations', t, 1, { group: '', scenario: 'default' });
  }
}

if (!env.STANDIN_SILENT) {
  setInterval(readControl, 20);
  setInterval(() => {
    generateUntil(Date.now() - LAG_MS);
    write(false);
  }, 200);
}

process.on('SIGINT', () => {
  if (env.STANDIN_IGNORE_SIGINT) return;
  if (!env.STANDIN_SILENT) {
    readControl();
    generateUntil(Date.now());
    write(true);
  }
  process.stdout.write(`\n  stand-in k6: ${next} requests in ${Date.now() - startMs} ms\n`);
  process.exit(0);
});
setInterval(() => {}, 1 << 30);
