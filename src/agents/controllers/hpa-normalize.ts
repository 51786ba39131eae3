// From a proposed replica count to the one the horizontal pod autoscaler applies, as kube-controller-manager 1.31
// normalizes it. Without spec.behavior: the highest recommendation of the downscale stabilization window
// (--horizontal-pod-autoscaler-downscale-stabilization) and a scale up to at most max(2 × current, 4), within
// [min, max]. With spec.behavior: the stabilization window of the direction (the lowest recent recommendation for a
// scale up, the highest for a scale down), then the policies' rate limits over the replicas changed in their periods
// (Max/Min/Disabled), within [min, max]. Each step says why, for the AbleToScale and ScalingLimited conditions.
// State (recommendations, scale events) is per HPA key and lives in this process, as upstream's does.
import { arr, num, o, str, type Obj } from '../../apiserver/resources/values.ts';

const SCALE_UP_LIMIT_FACTOR = 2;
const SCALE_UP_LIMIT_MINIMUM = 4;

export interface ConditionText {
  reason: string;
  message: string;
}

export interface Normalized {
  replicas: number;
  /** AbleToScale (True): ReadyForNewScale, or ScaleUpStabilized / ScaleDownStabilized. */
  ableToScale: ConditionText;
  /** ScalingLimited: True when the limit changed the stabilized recommendation. */
  limited: ConditionText & { status: 'True' | 'False' };
}

interface Timestamped {
  value: number;
  atMs: number;
}

const READY: ConditionText = { reason: 'ReadyForNewScale', message: 'recommended size matches current size' };
const WITHIN_RANGE: ConditionText = { reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
const TOO_MANY: ConditionText = { reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' };
const TOO_FEW: ConditionText = { reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' };
const UP_LIMIT: ConditionText = { reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' };
const DOWN_LIMIT: ConditionText = { reason: 'ScaleDownLimit', message: 'the desired replica count is decreasing faster than the maximum scale rate' };
const UP_STABILIZED: ConditionText = { reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation' };
const DOWN_STABILIZED: ConditionText = { reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' };

export interface NormalizeInput {
  key: string;
  /** spec.behavior as stored (the apiserver has filled in every rule), or undefined. */
  behavior: Obj | undefined;
  minReplicas: number;
  maxReplicas: number;
  currentReplicas: number;
  desiredReplicas: number;
}

export class ReplicaNormalizer {
  private readonly recommendations = new Map<string, Timestamped[]>();
  private readonly scaleUpEvents = new Map<string, Timestamped[]>();
  private readonly scaleDownEvents = new Map<string, Timestamped[]>();

  constructor(
    private readonly downscaleStabilizationMs: number,
    private readonly now: () => number,
  ) {}

  /** The first sync of an HPA remembers the current count as a recommendation (recordInitialRecommendation). */
  recordInitial(key: string, currentReplicas: number): void {
    if (!this.recommendations.has(key)) this.recommendations.set(key, [{ value: currentReplicas, atMs: this.now() }]);
  }

  forget(key: string): void {
    this.recommendations.delete(key);
    this.scaleUpEvents.delete(key);
    this.scaleDownEvents.delete(key);
  }

  normalize(input: NormalizeInput): Normalized {
    return input.behavior === undefined ? this.withoutBehavior(input) : this.withBehavior(input, input.behavior);
  }

  /** storeScaleEvent: only kept with a behavior, whose policies read them. */
  recordScale(behavior: Obj | undefined, key: string, previous: number, next: number): void {
    if (behavior === undefined) return;
    const up = next > previous;
    const events = up ? this.scaleUpEvents : this.scaleDownEvents;
    const period = longestPolicyPeriodSeconds(o(behavior[up ? 'scaleUp' : 'scaleDown']));
    const cutoff = this.now() - period * 1000;
    const kept = (events.get(key) ?? []).filter((e) => e.atMs >= cutoff);
    kept.push({ value: Math.abs(next - previous), atMs: this.now() });
    events.set(key, kept);
  }

  private withoutBehavior(input: NormalizeInput): Normalized {
    const stabilized = this.stabilize(input.key, input.desiredReplicas, this.downscaleStabilizationMs, 0, 'down-only');
    const ableToScale = stabilized !== input.desiredReplicas ? DOWN_STABILIZED : READY;
    const scaleUpLimit = Math.max(SCALE_UP_LIMIT_FACTOR * input.currentReplicas, SCALE_UP_LIMIT_MINIMUM);
    const maximum = Math.min(input.maxReplicas, scaleUpLimit);
    let replicas = stabilized;
    let reason = WITHIN_RANGE;
    if (stabilized < input.minReplicas) [replicas, reason] = [input.minReplicas, TOO_FEW];
    else if (stabilized > maximum) [replicas, reason] = [maximum, input.maxReplicas > scaleUpLimit ? UP_LIMIT : TOO_MANY];
    return { replicas, ableToScale, limited: { ...reason, status: replicas === stabilized ? 'False' : 'True' } };
  }

  private withBehavior(input: NormalizeInput, behavior: Obj): Normalized {
    const up = o(behavior.scaleUp);
    const down = o(behavior.scaleDown);
    const upWindowMs = num(up.stabilizationWindowSeconds) * 1000;
    const downWindowMs = typeof down.stabilizationWindowSeconds === 'number' ? down.stabilizationWindowSeconds * 1000 : this.downscaleStabilizationMs;
    const scalingUp = input.desiredReplicas >= input.currentReplicas;
    const stabilized = this.stabilize(input.key, input.desiredReplicas, downWindowMs, upWindowMs, scalingUp ? 'up' : 'down');
    const ableToScale = stabilized !== input.desiredReplicas ? (scalingUp ? UP_STABILIZED : DOWN_STABILIZED) : READY;
    const { replicas, reason } = this.limitRate(input, stabilized, up, down);
    return { replicas, ableToScale, limited: { ...reason, status: replicas === stabilized ? 'False' : 'True' } };
  }

  /**
   * Records `desired` and returns the recommendation the window allows: for 'down-only' (no behavior) and 'down',
   * the highest of the scale-down window; for 'up', the lowest of the scale-up window. Samples older than the longest
   * window are replaced rather than kept.
   */
  private stabilize(key: string, desired: number, downWindowMs: number, upWindowMs: number, mode: 'down-only' | 'up' | 'down'): number {
    const now = this.now();
    const windowMs = mode === 'up' ? upWindowMs : downWindowMs;
    const better = mode === 'up' ? Math.min : Math.max;
    const obsoleteBefore = now - Math.max(downWindowMs, upWindowMs);
    let recommendation = desired;
    const samples = this.recommendations.get(key) ?? [];
    let replaced = false;
    for (let i = 0; i < samples.length; i++) {
      if (samples[i].atMs > now - windowMs) recommendation = better(samples[i].value, recommendation);
      if (!replaced && samples[i].atMs < obsoleteBefore) {
        samples[i] = { value: desired, atMs: now };
        replaced = true;
      }
    }
    if (!replaced) samples.push({ value: desired, atMs: now });
    this.recommendations.set(key, samples);
    return recommendation;
  }

  /** convertDesiredReplicasWithBehaviorRate: the policies' limit in the direction of the change, then [min, max]. */
  private limitRate(input: NormalizeInput, desired: number, up: Obj, down: Obj): { replicas: number; reason: ConditionText } {
    const current = input.currentReplicas;
    if (desired > current) {
      const limit = Math.max(current, scaleUpLimit(current, this.periodStart(input.key, current), up));
      const maximum = Math.min(input.maxReplicas, limit);
      const reason = input.maxReplicas > limit ? UP_LIMIT : TOO_MANY;
      return desired > maximum ? { replicas: maximum, reason } : { replicas: desired, reason: WITHIN_RANGE };
    }
    if (desired < current) {
      const limit = Math.min(current, scaleDownLimit(current, this.periodStart(input.key, current), down));
      const minimum = Math.max(input.minReplicas, limit);
      const reason = input.minReplicas < limit ? DOWN_LIMIT : TOO_FEW;
      return desired < minimum ? { replicas: minimum, reason } : { replicas: desired, reason: WITHIN_RANGE };
    }
    return { replicas: desired, reason: WITHIN_RANGE };
  }

  /** The replica count a period of the given length began with: current, less what was added, plus what was removed. */
  private periodStart(key: string, current: number): (periodSeconds: number) => number {
    const now = this.now();
    const within = (events: Timestamped[] | undefined, periodSeconds: number): number =>
      (events ?? []).filter((e) => e.atMs > now - periodSeconds * 1000).reduce((sum, e) => sum + e.value, 0);
    return (periodSeconds) => current - within(this.scaleUpEvents.get(key), periodSeconds) + within(this.scaleDownEvents.get(key), periodSeconds);
  }
}

function longestPolicyPeriodSeconds(rules: Obj): number {
  return arr(rules.policies).reduce((longest, p) => Math.max(longest, num(p.periodSeconds)), 0);
}

/** calculateScaleUpLimitWithScalingRules: the most replicas the policies allow now. */
function scaleUpLimit(current: number, periodStart: (periodSeconds: number) => number, rules: Obj): number {
  const select = str(rules.selectPolicy) || 'Max';
  if (select === 'Disabled') return current;
  let result = select === 'Min' ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  for (const policy of arr(rules.policies)) {
    const start = periodStart(num(policy.periodSeconds));
    const proposed = str(policy.type) === 'Pods' ? start + num(policy.value) : Math.ceil(start * (1 + num(policy.value) / 100));
    result = select === 'Min' ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return result;
}

/** calculateScaleDownLimitWithBehaviors: the fewest replicas the policies allow now. */
function scaleDownLimit(current: number, periodStart: (periodSeconds: number) => number, rules: Obj): number {
  const select = str(rules.selectPolicy) || 'Max';
  if (select === 'Disabled') return current;
  let result = select === 'Min' ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
  for (const policy of arr(rules.policies)) {
    const start = periodStart(num(policy.periodSeconds));
    const proposed = str(policy.type) === 'Pods' ? start - num(policy.value) : Math.trunc(start * (1 - num(policy.value) / 100));
    result = select === 'Min' ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}
