import { describe, expect, it } from 'vitest';
import type { ControllerDescriptor } from '../controllers/common/controller-context.ts';
import { isControllerEnabled, parseControllerManagerFlags, parseDuration } from './flags.ts';

const descriptors: ControllerDescriptor[] = [
  { name: 'replicaset', create: () => ({ name: 'replicaset', run: () => {}, stop: async () => {} }) },
  { name: 'job', flags: { 'job-pod-failure-backoff': '10s' }, create: () => ({ name: 'job', run: () => {}, stop: async () => {} }) },
];

describe('controller-manager flags', () => {
  it("Kubernetes' leader election defaults", () => {
    const f = parseControllerManagerFlags(['--apiserver=127.0.0.1:8081,127.0.0.2:8081'], descriptors);
    expect(f).toMatchObject({ apiservers: ['127.0.0.1:8081', '127.0.0.2:8081'], leaderElect: true, leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, leaseNamespace: 'kube-system', leaseName: 'kube-controller-manager' });
    expect(f.extra).toEqual({ 'job-pod-failure-backoff': '10s' });
  });

  it('durations, booleans and controller flags', () => {
    const f = parseControllerManagerFlags(['--apiserver', 'a:1', '--leader-elect=false', '--leader-elect-lease-duration=3s', '--leader-elect-retry-period=400ms', '--job-pod-failure-backoff=1m30s'], descriptors);
    expect([f.leaderElect, f.leaseDurationMs, f.retryPeriodMs, f.extra['job-pod-failure-backoff']]).toEqual([false, 3_000, 400, '1m30s']);
    expect(parseDuration('1m30s')).toBe(90_000);
  });

  it('rejects what kube-controller-manager rejects', () => {
    expect(() => parseControllerManagerFlags([], descriptors)).toThrow('--apiserver is required');
    expect(() => parseControllerManagerFlags(['--apiserver=a:1', '--bogus=1'], descriptors)).toThrow('unknown flag: --bogus');
    expect(() => parseControllerManagerFlags(['--apiserver=a:1', '--leader-elect-renew-deadline=20s'], descriptors)).toThrow('must be greater than --leader-elect-renew-deadline');
    expect(() => parseControllerManagerFlags(['--apiserver=a:1', '--controllers=nope'], descriptors)).toThrow('unknown controller "nope"');
    expect(() => parseControllerManagerFlags(['--apiserver=a:1', '--leader-elect-lease-duration=abc'], descriptors)).toThrow('invalid duration "abc"');
  });

  it('--controllers: * with exclusions, or a list', () => {
    expect(isControllerEnabled('job', ['*', '-job'])).toBe(false);
    expect(isControllerEnabled('replicaset', ['*', '-job'])).toBe(true);
    expect(isControllerEnabled('replicaset', ['job'])).toBe(false);
  });
});
