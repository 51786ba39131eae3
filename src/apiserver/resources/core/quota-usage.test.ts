import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../types.ts';
import { resourceListJson } from '../quantity.ts';
import { defaultRequestsFromLimits, podLimits, podRequests } from './pod-resources.ts';
import { calculateQuotaUsage, kindsCountedFor, podQosClass, quotaEvaluatorFor, quotaMatches } from './quota-usage.ts';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const container = (name: string, requests?: Record<string, string>, limits?: Record<string, string>, extra: Record<string, unknown> = {}) => ({
  name,
  image: 'busybox',
  resources: { ...(requests === undefined ? {} : { requests }), ...(limits === undefined ? {} : { limits }) },
  ...extra,
});
const pod = (spec: Record<string, unknown>, status: Record<string, unknown> = { phase: 'Running' }, meta: Record<string, unknown> = {}): KubeObject => ({
  metadata: { name: 'p', namespace: 'ns', ...meta },
  spec,
  status,
});
const pods = quotaEvaluatorFor('', 'pods');

describe('pod resources', () => {
  it('sum containers, take the larger init container, add sidecars and overhead', () => {
    const p = pod({
      containers: [container('a', { cpu: '250m', memory: '64Mi' }, { cpu: '500m' }), container('b', { cpu: '250m', memory: '64Mi' })],
      initContainers: [container('init', { cpu: '2' }), container('side', { memory: '32Mi' }, undefined, { restartPolicy: 'Always' })],
      overhead: { cpu: '100m' },
    });
    expect(resourceListJson(podRequests(p))).toEqual({ cpu: '2100m', memory: '160Mi' });
    expect(resourceListJson(podLimits(p))).toEqual({ cpu: '600m' });
  });

  it('default requests from limits (SetDefaults_Pod), keeping requests given', () => {
    const spec = { containers: [container('a', { cpu: '100m' }, { cpu: '1', memory: '1Gi' }), container('b')] };
    defaultRequestsFromLimits(spec);
    expect(spec.containers.map((c) => c.resources)).toEqual([{ requests: { cpu: '100m', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } }, {}]);
  });

  it('tell QoS classes apart', () => {
    expect(podQosClass(pod({ containers: [container('a')] }))).toBe('BestEffort');
    expect(podQosClass(pod({ containers: [container('a', { cpu: '1', memory: '1Gi' }, { cpu: '1', memory: '1Gi' })] }))).toBe('Guaranteed');
    expect(podQosClass(pod({ containers: [container('a', { cpu: '1' })] }))).toBe('Burstable');
  });
});

describe('quota usage of a pod', () => {
  it('counts pods and compute resources while running, only count/pods once finished', () => {
    const spec = { containers: [container('a', { cpu: '500m', memory: '128Mi' }, { cpu: '1', memory: '256Mi' })] };
    expect(resourceListJson(pods.usage(pod(spec), NOW))).toEqual({
      'count/pods': '1',
      cpu: '500m',
      'limits.cpu': '1',
      'limits.memory': '256Mi',
      memory: '128Mi',
      pods: '1',
      'requests.cpu': '500m',
      'requests.memory': '128Mi',
    });
    expect(resourceListJson(pods.usage(pod(spec, { phase: 'Succeeded' }), NOW))).toEqual({ 'count/pods': '1' });
    // Stuck terminating past its grace period: no longer charged.
    const stuck = pod(spec, { phase: 'Running' }, { deletionTimestamp: '2026-01-01T11:00:00Z', deletionGracePeriodSeconds: 30 });
    expect(resourceListJson(pods.usage(stuck, NOW))).toEqual({ 'count/pods': '1' });
  });

  it('names the containers that lack what a quota constrains', () => {
    const p = pod({ containers: [container('web', { cpu: '1' }), container('log')], initContainers: [container('setup', { cpu: '1', memory: '1Mi' }, { cpu: '1', memory: '1Mi' })] });
    expect(pods.constraints!(['pods', 'limits.cpu', 'requests.memory', 'requests.cpu'], p)).toBe('must specify limits.cpu for: log,web; requests.cpu for: log; requests.memory for: log,web');
    expect(pods.constraints!(['pods', 'count/pods'], p)).toBeUndefined();
  });

  it('matches quotas by enforced resource and by scope', () => {
    const quota = (hard: Record<string, string>, spec: Record<string, unknown> = {}): KubeObject => ({ metadata: { name: 'q' }, spec: { hard, ...spec }, status: { hard, used: {} } });
    const best = pod({ containers: [container('a')] });
    const burst = pod({ containers: [container('a', { cpu: '1' })], priorityClassName: 'high' });
    expect(quotaMatches(quota({ pods: '1' }), pods, best)).toBe(true);
    expect(quotaMatches(quota({ configmaps: '1' }), pods, best)).toBe(false);
    expect(quotaMatches(quota({ pods: '1' }, { scopes: ['NotBestEffort'] }), pods, best)).toBe(false);
    expect(quotaMatches(quota({ pods: '1' }, { scopes: ['NotBestEffort'] }), pods, burst)).toBe(true);
    const byClass = { scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] } };
    expect(quotaMatches(quota({ pods: '1' }, byClass), pods, burst)).toBe(true);
    expect(quotaMatches(quota({ pods: '1' }, byClass), pods, best)).toBe(false);
    // Other kinds have no scopes: a scoped quota never counts them.
    expect(quotaMatches(quota({ services: '1' }, { scopes: ['BestEffort'] }), quotaEvaluatorFor('', 'services'), { metadata: { name: 's' } })).toBe(false);
  });
});

describe('quota usage of other kinds', () => {
  it('counts services with their node ports and load balancers, and everything else by count/', () => {
    const svc = { metadata: { name: 's' }, spec: { type: 'NodePort', ports: [{ port: 80 }, { port: 443 }] } };
    expect(resourceListJson(quotaEvaluatorFor('', 'services').usage(svc, NOW))).toEqual({ 'count/services': '1', services: '1', 'services.loadbalancers': '0', 'services.nodeports': '2' });
    expect(resourceListJson(quotaEvaluatorFor('', 'configmaps').usage({}, NOW))).toEqual({ 'count/configmaps': '1', configmaps: '1' });
    expect(resourceListJson(quotaEvaluatorFor('apps', 'deployments').usage({}, NOW))).toEqual({ 'count/deployments.apps': '1' });
    expect(kindsCountedFor(['count/deployments.apps', 'secrets', 'requests.cpu', 'services.nodeports'])).toEqual([
      { group: 'apps', resource: 'deployments' },
      { group: '', resource: 'secrets' },
      { group: '', resource: 'pods' },
      { group: '', resource: 'services' },
    ]);
  });

  it('counts claims and their storage requests, also per storage class', () => {
    const claim = (name: string, size: string, storageClassName?: string): KubeObject => ({ metadata: { name, namespace: 'ns' }, spec: { resources: { requests: { storage: size } }, storageClassName } });
    expect(resourceListJson(quotaEvaluatorFor('', 'persistentvolumeclaims').usage(claim('a', '1Gi', 'fast'), NOW))).toEqual({
      'count/persistentvolumeclaims': '1',
      persistentvolumeclaims: '1',
      'requests.storage': '1Gi',
      'fast.storageclass.storage.k8s.io/persistentvolumeclaims': '1',
      'fast.storageclass.storage.k8s.io/requests.storage': '1Gi',
    });
    const quota: KubeObject = { metadata: { name: 'q', namespace: 'ns' }, spec: { hard: { 'requests.storage': '10Gi', 'fast.storageclass.storage.k8s.io/requests.storage': '5Gi', persistentvolumeclaims: '4' } } };
    const used = calculateQuotaUsage(quota, () => [claim('a', '1Gi', 'fast'), claim('b', '512Mi'), claim('c', '2Gi', 'fast')], NOW);
    expect(resourceListJson(used)).toEqual({ 'requests.storage': '3584Mi', 'fast.storageclass.storage.k8s.io/requests.storage': '3Gi', persistentvolumeclaims: '3' });
  });

  it('sums a namespace for the controller, zero for what nothing uses, leaving out what it cannot list', () => {
    const quota: KubeObject = { metadata: { name: 'q', namespace: 'ns' }, spec: { hard: { pods: '5', 'requests.cpu': '4', configmaps: '3', 'count/jobs.batch': '2' } } };
    const objects: Record<string, KubeObject[]> = {
      '/pods': [pod({ containers: [container('a', { cpu: '250m' })] }), pod({ containers: [container('a', { cpu: '750m' })] }), pod({ containers: [container('a', { cpu: '1' })] }, { phase: 'Failed' })],
      '/configmaps': [],
    };
    const used = calculateQuotaUsage(quota, (g, r) => objects[`${g}/${r}`], NOW);
    expect(resourceListJson(used)).toEqual({ configmaps: '0', pods: '2', 'requests.cpu': '1' });
  });
});
