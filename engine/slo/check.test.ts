import { describe, expect, it } from 'vitest';
import type { GuardSpec } from '../spec/schema.js';
import { guardMathProblems, sloMathProblems } from './check.js';
import { sloSpec } from './test-support/slices.js';

const paths = (problems: { path: string }[]) => problems.map((p) => p.path);

describe('sloMathProblems', () => {
  it('accepts SLOs the math can score', () => {
    for (const slo of [
      sloSpec({ sli: 'delivery_ratio', objective: '>= 99.9%' }),
      sloSpec({ sli: 'time_to_recover', objective: '<= 60s', params: { stable: '10s' } }),
      sloSpec({ sli: 'time_to_recover', source: 'api', objective: '<= 60s' }),
      sloSpec({ sli: 'no_such_sli', objective: '>= 1%' }), // validate.ts reports unknown names
    ]) {
      expect(sloMathProblems(slo)).toEqual([]);
    }
  });

  it('checks time_to_recover params and rejects params elsewhere', () => {
    expect(
      paths(
        sloMathProblems(sloSpec({ sli: 'time_to_recover', objective: '<= 60s', params: { of: 'nope' } })),
      ),
    ).toEqual(['params']);
    expect(
      sloMathProblems(
        sloSpec({ sli: 'time_to_recover', objective: '<= 60s', params: { stable: 'soon' } }),
      )[0]!.message,
    ).toMatch(/duration/);
    expect(
      paths(
        sloMathProblems(sloSpec({ sli: 'time_to_recover', objective: '<= 60s', budgeting: 'timeslices' })),
      ),
    ).toEqual(['budgeting']);
    expect(
      paths(sloMathProblems(sloSpec({ sli: 'delivery_ratio', objective: '>= 99%', params: { x: 1 } }))),
    ).toEqual(['params.x']);
  });
});

describe('guardMathProblems', () => {
  const slos = [
    sloSpec({ name: 'delivery', sli: 'delivery_ratio', objective: '>= 99.9%' }),
    sloSpec({ name: 'lost', sli: 'messages_lost', objective: '== 0' }),
    sloSpec({ name: 'tput', sli: 'throughput', objective: '>= 5000' }),
    sloSpec({ name: 'ttr', sli: 'time_to_recover', objective: '<= 60s' }),
  ];
  const guard = (g: Partial<GuardSpec>): GuardSpec => ({ for: 0, ...g });

  it('accepts guards the math can evaluate', () => {
    expect(guardMathProblems(guard({ when: 'connected_ratio < 50%' }), slos)).toEqual([]);
    expect(guardMathProblems(guard({ burnRate: { slo: 'delivery' } }), slos)).toEqual([]);
    expect(guardMathProblems(guard({ burnRate: { slo: 'lost' } }), slos)).toEqual([]);
  });

  it('rejects guards on what has no live value or no budget', () => {
    expect(paths(guardMathProblems(guard({ when: 'time_to_recover > 60s' }), slos))).toEqual(['when']);
    expect(paths(guardMathProblems(guard({ burnRate: { slo: 'tput' } }), slos))).toEqual(['burnRate.slo']);
    expect(paths(guardMathProblems(guard({ burnRate: { slo: 'ttr' } }), slos))).toEqual(['burnRate.slo']);
  });
});
