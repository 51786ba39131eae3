import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../types.ts';
import { ApiError } from '../status.ts';
import { spendDisruption, unhealthyPodMayGo, VIOLATES_BUDGET } from './eviction-budget.ts';

const NOW = '2024-05-01T12:00:00Z';
const pdb = (status: Record<string, unknown>, generation = 1, spec: Record<string, unknown> = {}): KubeObject => ({
  metadata: { name: 'web', namespace: 'ns', generation, resourceVersion: '7' },
  spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } }, ...spec },
  status: { observedGeneration: 1, ...status },
});

function refusal(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('spendDisruption', () => {
  it('spends one disruption and records the pod; at zero the condition turns False', () => {
    const next = spendDisruption(pdb({ disruptionsAllowed: 2, currentHealthy: 4, desiredHealthy: 2 }), 'p1', NOW);
    expect(next).toMatchObject({ disruptionsAllowed: 1, disruptedPods: { p1: NOW } });
    expect(next.conditions).toBeUndefined();
    const last = spendDisruption(pdb({ disruptionsAllowed: 1, disruptedPods: { p0: NOW } }), 'p1', NOW);
    expect(last).toMatchObject({ disruptionsAllowed: 0, disruptedPods: { p0: NOW, p1: NOW } });
    expect(last.conditions).toEqual([{ type: 'DisruptionAllowed', status: 'False', observedGeneration: 1, lastTransitionTime: NOW, reason: 'InsufficientPods', message: '' }]);
  });
  it('429 with a DisruptionBudget cause when nothing may be disrupted', () => {
    const err = refusal(() => spendDisruption(pdb({ disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2 }), 'p1', NOW));
    expect(err.toStatus()).toMatchObject({
      code: 429,
      reason: 'TooManyRequests',
      message: VIOLATES_BUDGET,
      details: { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 2 healthy pods and has 2 currently' }] },
    });
  });
  it('429 while the controller has not seen the budget’s latest generation', () => {
    const err = refusal(() => spendDisruption(pdb({ disruptionsAllowed: 3 }, 2), 'p1', NOW));
    expect(err.code).toBe(429);
    expect(err.details?.causes?.[0].message).toBe('The disruption budget web is still being processed by the server.');
  });
  it('403 for a negative budget or too many unconfirmed evictions', () => {
    expect(refusal(() => spendDisruption(pdb({ disruptionsAllowed: -1 }), 'p1', NOW)).message).toBe('poddisruptionbudget.policy "web" is forbidden: pdb disruptions allowed is negative');
    const many = Object.fromEntries(Array.from({ length: 2001 }, (_, i) => [`p${i}`, NOW]));
    expect(refusal(() => spendDisruption(pdb({ disruptionsAllowed: 1, disruptedPods: many }), 'x', NOW)).code).toBe(403);
  });
});

describe('unhealthyPodMayGo', () => {
  it('IfHealthyBudget (default): only while the budget is met and requires something', () => {
    expect(unhealthyPodMayGo(pdb({ currentHealthy: 2, desiredHealthy: 2 }))).toBe(true);
    expect(unhealthyPodMayGo(pdb({ currentHealthy: 1, desiredHealthy: 2 }))).toBe(false);
    expect(unhealthyPodMayGo(pdb({ currentHealthy: 0, desiredHealthy: 0 }))).toBe(false);
  });
  it('AlwaysAllow: whatever the budget says', () => {
    expect(unhealthyPodMayGo(pdb({ currentHealthy: 0, desiredHealthy: 2 }, 1, { unhealthyPodEvictionPolicy: 'AlwaysAllow' }))).toBe(true);
  });
});
