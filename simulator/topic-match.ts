/**
 * MQTT topic filter matching (MQTT 3.1.1 §4.7, MQTT 5.0 §4.7): `+` matches one level, a
 * trailing `#` the rest (including the parent level itself), and a filter starting with a
 * wildcard does not match topics starting with `$`. A shared subscription's
 * `$share/<group>/` prefix (MQTT 5.0 §4.8.2) is not part of the filter. Twenty lines are less
 * than a dependency: aedes' qlobber is built for many filters, this asks about one.
 */
import type { DeviceGroupConfig } from './engine-config.js';
import { type CompiledTemplate, compileTemplate } from './template.js';

function topicMatches(filter: string, topic: string): boolean {
  const f = (filter.startsWith('$share/') ? filter.split('/').slice(2).join('/') : filter).split('/');
  const t = topic.split('/');
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    const level = f[i]!;
    if (level === '#') return i === f.length - 1;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * Whether a device's telemetry topic (its group's template rendered for the device) matches
 * the sink's filter: only that telemetry is expected at the sink. Templates compile once.
 */
export function sinkReach(
  groups: readonly DeviceGroupConfig[],
  baseIndex: number,
  filter: string | undefined,
  tenantName: (index: number) => string,
): (index: number) => boolean {
  if (filter === undefined) return () => true;
  const ranges: { first: number; end: number; topic?: CompiledTemplate; group: string }[] = [];
  let first = baseIndex;
  for (const g of groups) {
    const topic = g.telemetry
      ? compileTemplate(g.telemetry.topic, TEMPLATE_VARS, 'telemetry.topic')
      : undefined;
    ranges.push({ first, end: first + g.count, topic, group: g.name });
    first += g.count;
  }
  return (index) => {
    const r = ranges.find((x) => index >= x.first && index < x.end);
    return Boolean(
      r?.topic && topicMatches(filter, r.topic.render({ index, tenant: tenantName(index), group: r.group })),
    );
  };
}

const TEMPLATE_VARS = ['index', 'tenant', 'group'] as const;
