/**
 * Routes by severity (docs/incidents.md, "Escalation"): a notification goes to every receiver of
 * every route whose severities include its level (and whose `experiments`, if given, include
 * its experiment). P4 has no route in the usual config, so a run with nothing wrong reaches no
 * one: it stays in the history.
 *
 * Resolutions follow the alert, not the run: a resolved alert also goes where it went when it
 * fired (the routes of its own severity), to receivers that take resolved alerts, so a P1 SLO
 * met again in a run whose level is P3 still ends the page in Alertmanager. Receivers that do
 * not take resolved alerts never see them, and never see a run that only resolved things.
 */
import type { Severity } from '../core/severity.js';
import type { Alert, Notification } from './alerts.js';

export interface Route {
  severities: readonly Severity[];
  /** Only these experiments; undefined for every experiment. */
  experiments?: readonly string[];
  receivers: readonly string[];
}

export interface Routed {
  receiver: string;
  notification: Notification;
}

interface ReceiverInfo {
  sendResolved: boolean;
}

export function routeNotification(
  n: Notification,
  routes: readonly Route[],
  receivers: ReadonlyMap<string, ReceiverInfo>,
): Routed[] {
  const receiversFor = (level: Severity) => {
    const names = new Set<string>();
    for (const route of routes) {
      if (!route.severities.includes(level)) continue;
      if (route.experiments && !route.experiments.includes(n.experiment)) continue;
      for (const name of route.receivers) if (receivers.has(name)) names.add(name);
    }
    return names;
  };
  const takesResolved = (name: string) => receivers.get(name)?.sendResolved === true;
  const out = new Map<string, Alert[]>();

  for (const name of receiversFor(n.severity)) {
    if (n.status === 'resolved' && !takesResolved(name)) continue;
    out.set(
      name,
      n.alerts.filter((a) => a.status === 'firing' || takesResolved(name)),
    );
  }
  // Resolved alerts where they fired, for receivers that did not get the whole notification.
  const whole = new Set(out.keys());
  for (const alert of n.alerts) {
    if (alert.status !== 'resolved') continue;
    for (const name of receiversFor(alert.severity)) {
      if (whole.has(name) || !takesResolved(name)) continue;
      const list = out.get(name) ?? [];
      list.push(alert);
      out.set(name, list);
    }
  }
  return [...out].flatMap(([receiver, alerts]) => {
    if (whole.has(receiver)) return [{ receiver, notification: { ...n, alerts } }];
    // Only resolutions for this receiver: it hears that things ended, not the run's news.
    return alerts.length > 0
      ? [{ receiver, notification: { ...n, status: 'resolved' as const, alerts } }]
      : [];
  });
}
