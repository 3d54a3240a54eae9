/**
 * Incident severity, P1 (worst) to P4, as docs/incidents.md defines it for an IoT platform. It is
 * vocabulary shared by the experiment format (an SLO's `severity:`), the reports (a run's
 * severity and the escalation it calls for) and the notifications (routes by severity), so the
 * words and the order live here once.
 */

export const SEVERITY_LEVELS = ['P1', 'P2', 'P3', 'P4'] as const;
export type Severity = (typeof SEVERITY_LEVELS)[number];

/** What a breached SLO without `severity:` counts as: chat, no page (docs/incidents.md). */
export const DEFAULT_SLO_SEVERITY: Severity = 'P3';

export interface SeverityInfo {
  /** One word for the level. */
  name: string;
  /** What it means for the fleet, in a clause. */
  meaning: string;
  /** Who hears of it and how fast (the escalation path of docs/incidents.md). */
  escalation: string;
}

export const SEVERITY_INFO: Readonly<Record<Severity, SeverityInfo>> = {
  P1: {
    name: 'critical',
    meaning: 'devices offline at scale, acknowledged data lost, or a fault possibly still active',
    escalation: 'page the on-call now and post in the team channel; the on-call opens an incident',
  },
  P2: {
    name: 'major',
    meaning:
      'a promise broken for part of the fleet: a site offline with data at risk, data late and growing',
    escalation: 'post in the team channel and open a ticket; the on-call acknowledges within business hours',
  },
  P3: {
    name: 'minor',
    meaning: 'data late but complete, or no trustworthy verdict (preflight refused, infrastructure error)',
    escalation: 'post in the team channel; looked at on the next working day',
  },
  P4: {
    name: 'informational',
    meaning: 'every promise held, a negative control breached as expected, or the operator stopped the run',
    escalation: 'none: the run is kept in the reports and the run history',
  },
};

export function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && (SEVERITY_LEVELS as readonly string[]).includes(value);
}

/** The more severe of the two (P1 beats P2). */
function moreSevere(a: Severity, b: Severity): Severity {
  return SEVERITY_LEVELS.indexOf(a) <= SEVERITY_LEVELS.indexOf(b) ? a : b;
}

/** The most severe of `levels`; P4 when there are none (nothing happened worth a level). */
export function mostSevere(levels: Iterable<Severity>): Severity {
  let worst: Severity = 'P4';
  for (const level of levels) worst = moreSevere(worst, level);
  return worst;
}
