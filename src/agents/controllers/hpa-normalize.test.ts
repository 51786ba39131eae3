import { describe, expect, it } from 'vitest';
import { fillScalingRules } from '../../apiserver/resources/autoscaling/hpa-defaults.ts';
import { ReplicaNormalizer, type NormalizeInput } from './hpa-normalize.ts';

const defaultBehavior = (scaleDown: Record<string, unknown> = {}, scaleUp: Record<string, unknown> = {}) => ({
  scaleUp: fillScalingRules(scaleUp, 'scaleUp'),
  scaleDown: fillScalingRules(scaleDown, 'scaleDown'),
});

function setup(downscaleStabilizationMs = 300_000) {
  let nowMs = 1_000_000;
  const normalizer = new ReplicaNormalizer(downscaleStabilizationMs, () => nowMs);
  const base: NormalizeInput = { key: 'ns/hpa', behavior: undefined, minReplicas: 1, maxReplicas: 10, currentReplicas: 3, desiredReplicas: 3 };
  return {
    normalizer,
    advance: (ms: number) => (nowMs += ms),
    normalize: (input: Partial<NormalizeInput>) => normalizer.normalize({ ...base, ...input }),
  };
}

describe('without spec.behavior', () => {
  it('holds a scale down for the downscale stabilization window, then follows', () => {
    const { normalizer, advance, normalize } = setup(300_000);
    normalizer.recordInitial('ns/hpa', 3);
    const held = normalize({ desiredReplicas: 1 });
    expect(held.replicas).toBe(3);
    expect(held.ableToScale.reason).toBe('ScaleDownStabilized');
    advance(150_000);
    expect(normalize({ desiredReplicas: 1 }).replicas).toBe(3);
    advance(151_000);
    const followed = normalize({ desiredReplicas: 1 });
    expect(followed.replicas).toBe(1);
    expect(followed.ableToScale).toEqual({ reason: 'ReadyForNewScale', message: 'recommended size matches current size' });
    expect(followed.limited).toEqual({ status: 'False', reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' });
  });

  it('scales up at most to max(2 × current, 4), within maxReplicas, and never below minReplicas', () => {
    const { normalize } = setup();
    expect(normalize({ currentReplicas: 1, desiredReplicas: 9 })).toMatchObject({ replicas: 4, limited: { status: 'True', reason: 'ScaleUpLimit' } });
    expect(normalize({ currentReplicas: 4, desiredReplicas: 9 })).toMatchObject({ replicas: 8, limited: { status: 'True', reason: 'ScaleUpLimit' } });
    expect(normalize({ currentReplicas: 3, desiredReplicas: 9, maxReplicas: 5 })).toMatchObject({ replicas: 5, limited: { status: 'True', reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' } });
    const { normalize: fresh } = setup(0);
    expect(fresh({ currentReplicas: 3, desiredReplicas: 0, minReplicas: 2 })).toMatchObject({ replicas: 2, limited: { status: 'True', reason: 'TooFewReplicas' } });
  });
});

describe('with spec.behavior', () => {
  it('limits a scale up by the default policies (4 pods or 100 % per 15 s, the larger) and counts what was added', () => {
    const { normalizer, advance, normalize } = setup();
    const behavior = defaultBehavior();
    const first = normalize({ behavior, currentReplicas: 2, desiredReplicas: 20, maxReplicas: 20 });
    expect(first).toMatchObject({ replicas: 6, limited: { status: 'True', reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' } });
    normalizer.recordScale(behavior, 'ns/hpa', 2, 6);
    advance(5_000);
    expect(normalize({ behavior, currentReplicas: 6, desiredReplicas: 20, maxReplicas: 20 }).replicas).toBe(6);
    advance(11_000);
    expect(normalize({ behavior, currentReplicas: 6, desiredReplicas: 20, maxReplicas: 20 }).replicas).toBe(12);
  });

  it("applies the scale-down window from behavior, the flag's when unset", () => {
    const { normalizer, advance, normalize } = setup(60_000);
    normalizer.recordInitial('ns/hpa', 5);
    const windowed = defaultBehavior({ stabilizationWindowSeconds: 10 });
    expect(normalize({ behavior: windowed, currentReplicas: 5, desiredReplicas: 2 })).toMatchObject({ replicas: 5, ableToScale: { reason: 'ScaleDownStabilized' } });
    advance(11_000);
    expect(normalize({ behavior: windowed, currentReplicas: 5, desiredReplicas: 2 }).replicas).toBe(2);
    const flagged = defaultBehavior();
    expect(normalize({ behavior: flagged, currentReplicas: 5, desiredReplicas: 1 }).replicas).toBe(2);
  });

  it('holds a scale up for a scale-up window (the lowest recent recommendation)', () => {
    const { advance, normalize } = setup();
    const behavior = defaultBehavior({ stabilizationWindowSeconds: 0 }, { stabilizationWindowSeconds: 30 });
    expect(normalize({ behavior, currentReplicas: 3, desiredReplicas: 3 }).replicas).toBe(3);
    advance(1_000);
    expect(normalize({ behavior, currentReplicas: 3, desiredReplicas: 6 })).toMatchObject({ replicas: 3, ableToScale: { reason: 'ScaleUpStabilized' } });
    advance(31_000);
    expect(normalize({ behavior, currentReplicas: 3, desiredReplicas: 6 }).replicas).toBe(6);
  });

  it('limits a scale down by its policies, and Disabled stops it', () => {
    const { normalize } = setup();
    const onePodPerMinute = defaultBehavior({ stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] });
    expect(normalize({ behavior: onePodPerMinute, currentReplicas: 5, desiredReplicas: 1 })).toMatchObject({ replicas: 4, limited: { status: 'True', reason: 'ScaleDownLimit' } });
    const disabled = defaultBehavior({ stabilizationWindowSeconds: 0, selectPolicy: 'Disabled' });
    expect(normalize({ behavior: disabled, currentReplicas: 5, desiredReplicas: 1 }).replicas).toBe(5);
  });
});
