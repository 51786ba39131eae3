import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../types.ts';
import { buildTable } from '../rest/table.ts';
import { BUILTIN_RESOURCES } from './index.ts';
import { goLabelSelector, selectorMatches, selectorText } from './label-selector.ts';
import { scheduleProblem } from './batch/cronjobs.ts';

const def = (resource: string) => BUILTIN_RESOURCES.find((r) => r.resource === resource)!;
const now = new Date('2026-01-01T12:00:00Z');
const rows = (resource: string, obj: KubeObject) => {
  const t = buildTable(def(resource).printer, [obj], { includeObject: 'None', now }) as { columnDefinitions: { name: string; priority: number }[]; rows: { cells: unknown[] }[] };
  return { names: t.columnDefinitions.map((c) => (c.priority === 0 ? c.name : `(${c.name})`)), cells: t.rows[0].cells };
};
const created = { creationTimestamp: '2026-01-01T11:00:00Z' };

describe('label selectors', () => {
  const selector = { matchLabels: { b: '2', a: '1' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'api'] }, { key: 'old', operator: 'DoesNotExist' }] };
  it('print as labels.Selector.String() does, sorted by key', () => {
    expect(selectorText(selector)).toBe('a=1,b=2,!old,tier in (api,web)');
  });
  it('match label sets', () => {
    expect(selectorMatches(selector, { a: '1', b: '2', tier: 'api' })).toBe(true);
    expect(selectorMatches(selector, { a: '1', b: '2', tier: 'db' })).toBe(false);
    expect(selectorMatches(selector, { a: '1', b: '2', tier: 'web', old: 'x' })).toBe(false);
  });
  it('render as Go does in validation messages', () => {
    expect(goLabelSelector({ matchLabels: { app: 'x' } })).toBe('v1.LabelSelector{MatchLabels:map[string]string{"app":"x"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}');
  });
});

describe('workload validation', () => {
  const template = (labels: Record<string, string>) => ({ metadata: { labels }, spec: { containers: [{ name: 'c', image: 'i' }], restartPolicy: 'Always', dnsPolicy: 'ClusterFirst' } });
  it('finds an empty apps/v1 selector and a mismatched template', () => {
    expect(def('replicasets').validate({ metadata: { name: 'r' }, spec: { selector: {}, template: template({ a: 'b' }) } })).toEqual([
      { reason: 'FieldValueInvalid', message: 'Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for replicaset', field: 'spec.selector' },
      { reason: 'FieldValueInvalid', message: 'Invalid value: map[string]string{"a":"b"}: `selector` does not match template `labels`', field: 'spec.template.metadata.labels' },
    ]);
  });
  it('wants Always in workload templates and a valid strategy', () => {
    const d: KubeObject = { metadata: { name: 'd' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { ...template({ a: 'b' }), spec: { ...template({}).spec, restartPolicy: 'Never' } } } };
    def('deployments').defaults(d);
    (d.spec as { strategy: unknown }).strategy = { type: 'Blue' };
    expect(def('deployments').validate(d).map((c) => `${c.field}: ${c.message}`)).toEqual([
      'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
      'spec.strategy.type: Unsupported value: "Blue": supported values: "Recreate", "RollingUpdate"',
    ]);
  });
  it('checks cron schedules', () => {
    expect(scheduleProblem('*/5 * * * *')).toBeNull();
    expect(scheduleProblem('@daily')).toBeNull();
    expect(scheduleProblem('0 3 * *')).toBe('expected exactly 5 fields, found 4: [0 3 * *]');
  });
});

describe('printers of the new kinds', () => {
  it('deployments: READY UP-TO-DATE AVAILABLE, wide CONTAINERS IMAGES SELECTOR', () => {
    const d = { metadata: { name: 'web', ...created }, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { spec: { containers: [{ name: 'a', image: 'x:1' }, { name: 'b', image: 'y' }] } } }, status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 } };
    expect(rows('deployments', d)).toEqual({ names: ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', '(Containers)', '(Images)', '(Selector)'], cells: ['web', '2/3', 3, 2, '60m', 'a,b', 'x:1,y', 'app=web'] });
  });
  it('jobs: STATUS from conditions, COMPLETIONS and DURATION', () => {
    const job = { metadata: { name: 'j', ...created }, spec: { completions: 3, parallelism: 1 }, status: { succeeded: 3, startTime: '2026-01-01T11:00:00Z', completionTime: '2026-01-01T11:00:42Z', conditions: [{ type: 'Complete', status: 'True' }] } };
    expect(rows('jobs', job).cells.slice(0, 5)).toEqual(['j', 'Complete', '3/3', '42s', '60m']);
    expect(rows('jobs', { metadata: { name: 'p', ...created }, spec: { parallelism: 4 } }).cells.slice(0, 4)).toEqual(['p', 'Running', '0/1 of 4', '']);
  });
  it('nodes: STATUS from Ready and unschedulable, ROLES from labels', () => {
    const node = { metadata: { name: 'n1', labels: { 'node-role.kubernetes.io/control-plane': '' }, ...created }, spec: { unschedulable: true }, status: { conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { kubeletVersion: 'v1.31.0' }, addresses: [{ type: 'InternalIP', address: '127.0.0.2' }] } };
    expect(rows('nodes', node).cells.slice(0, 6)).toEqual(['n1', 'Ready,SchedulingDisabled', 'control-plane', '60m', 'v1.31.0', '127.0.0.2']);
  });
  it('endpoints: the first three ip:port, then how many more', () => {
    const ep = { metadata: { name: 'e', ...created }, subsets: [{ addresses: ['1', '2', '3', '4'].map((i) => ({ ip: `10.0.0.${i}` })), ports: [{ port: 80 }] }] };
    expect(rows('endpoints', ep).cells[1]).toBe('10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more...');
    expect(rows('endpoints', { metadata: { name: 'e', ...created } }).cells[1]).toBe('<none>');
  });
  it('daemonsets, statefulsets, cronjobs, leases, ingresses', () => {
    expect(rows('daemonsets', { metadata: { name: 'd', ...created }, spec: { template: { spec: { nodeSelector: { b: '2', a: '1' } } } }, status: { desiredNumberScheduled: 3, numberReady: 2 } }).cells.slice(0, 7)).toEqual(['d', 3, 0, 2, 0, 0, 'a=1,b=2']);
    expect(rows('statefulsets', { metadata: { name: 's', ...created }, spec: { replicas: 2 }, status: { readyReplicas: 1 } }).cells.slice(0, 2)).toEqual(['s', '1/2']);
    expect(rows('cronjobs', { metadata: { name: 'c', ...created }, spec: { schedule: '@hourly', suspend: true }, status: { active: [{}], lastScheduleTime: '2026-01-01T11:59:00Z' } }).cells.slice(0, 6)).toEqual(['c', '@hourly', '<none>', 'True', 1, '60s']);
    expect(rows('leases', { metadata: { name: 'l', ...created }, spec: {} }).cells.slice(0, 2)).toEqual(['l', '<none>']);
    expect(rows('ingresses', { metadata: { name: 'i', ...created }, spec: { rules: [{ host: 'a.test' }, {}], tls: [{}] }, status: { loadBalancer: { ingress: [{ ip: '127.0.0.5' }] } } }).cells.slice(0, 5)).toEqual(['i', '<none>', 'a.test,*', '127.0.0.5', '80, 443']);
  });
});

describe('storageclasses', () => {
  const sc = (extra: Record<string, unknown> = {}): KubeObject => {
    const obj: KubeObject = { metadata: { name: 'fast', ...created }, provisioner: 'example.com/fast-ssd', ...extra };
    def('storageclasses').defaults(obj);
    return obj;
  };

  it('defaults the reclaim policy and binding mode, and prints the default class as kubectl shows it', () => {
    const obj = sc({ allowVolumeExpansion: true });
    expect([obj.reclaimPolicy, obj.volumeBindingMode]).toEqual(['Delete', 'Immediate']);
    expect(def('storageclasses').validate(obj)).toEqual([]);
    obj.metadata = { ...obj.metadata, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } };
    expect(rows('storageclasses', obj)).toEqual({
      names: ['Name', 'Provisioner', 'ReclaimPolicy', 'VolumeBindingMode', 'AllowVolumeExpansion', 'Age'],
      cells: ['fast (default)', 'example.com/fast-ssd', 'Delete', 'Immediate', true, '60m'],
    });
  });

  it('refuses a missing or unqualified provisioner and unsupported policies', () => {
    const causes = (obj: KubeObject) => def('storageclasses').validate(obj).map((c) => `${c.field}: ${c.reason}`);
    expect(causes(sc({ provisioner: undefined }))).toEqual(['provisioner: FieldValueRequired']);
    expect(causes(sc({ provisioner: 'not a name!' }))).toEqual(['provisioner: FieldValueInvalid']);
    expect(causes(sc({ reclaimPolicy: 'Recycle', volumeBindingMode: 'Later' }))).toEqual(['reclaimPolicy: FieldValueNotSupported', 'volumeBindingMode: FieldValueNotSupported']);
  });

  it('forbids changing what provisioners rely on, as kube-apiserver does', () => {
    const old = sc({ parameters: { type: 'ssd' } });
    const next = sc({ parameters: { type: 'hdd' }, provisioner: 'example.com/other', reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer', allowVolumeExpansion: true });
    expect(def('storageclasses').validateUpdate(next, old).map((c) => c.message)).toEqual([
      'Forbidden: updates to parameters are forbidden.',
      'Forbidden: updates to provisioner are forbidden.',
      'Forbidden: updates to reclaimPolicy are forbidden.',
      'Invalid value: "WaitForFirstConsumer": field is immutable',
    ]);
    expect(def('storageclasses').validateUpdate(sc({ parameters: { type: 'ssd' }, allowVolumeExpansion: true }), old)).toEqual([]);
  });
});

describe('networkpolicies', () => {
  const np = (spec: Record<string, unknown>): KubeObject => {
    const obj: KubeObject = { metadata: { name: 'db', namespace: 'default', ...created }, spec };
    def('networkpolicies').defaults(obj);
    return obj;
  };

  it('defaults TCP and the policy types from the rules, and prints the pod selector', () => {
    const obj = np({ podSelector: { matchLabels: { app: 'db' } }, egress: [{ ports: [{ port: 5432 }] }] });
    expect(obj.spec).toMatchObject({ policyTypes: ['Ingress', 'Egress'], egress: [{ ports: [{ port: 5432, protocol: 'TCP' }] }] });
    expect(np({}).spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
    expect(def('networkpolicies').validate(obj)).toEqual([]);
    expect(rows('networkpolicies', obj)).toEqual({ names: ['Name', 'Pod-Selector', 'Age'], cells: ['db', 'app=db', '60m'] });
    expect(rows('networkpolicies', np({})).cells[1]).toBe('<none>');
  });

  it('checks ports, peers and policy types', () => {
    const causes = (spec: Record<string, unknown>) => def('networkpolicies').validate(np(spec)).map((c) => `${c.field}: ${c.reason}`);
    expect(causes({ ingress: [{ ports: [{ port: 0, protocol: 'ICMP' }, { port: 80, endPort: 79 }] }] })).toEqual([
      'spec.ingress[0].ports[0].protocol: FieldValueNotSupported',
      'spec.ingress[0].ports[0].port: FieldValueInvalid',
      'spec.ingress[0].ports[1].endPort: FieldValueInvalid',
    ]);
    expect(causes({ ingress: [{ from: [{}, { ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }, { ipBlock: { cidr: '10.0.0.0/33' } }] }] })).toEqual([
      'spec.ingress[0].from[0]: FieldValueRequired',
      'spec.ingress[0].from[1]: FieldValueForbidden',
      'spec.ingress[0].from[2].ipBlock.cidr: FieldValueInvalid',
    ]);
    expect(causes({ policyTypes: ['Ingress', 'Sideways'] })).toEqual(['spec.policyTypes[1]: FieldValueNotSupported']);
  });
});

describe('priorityclasses', () => {
  const pc = (name: string, fields: Record<string, unknown>): KubeObject => {
    const obj: KubeObject = { metadata: { name, ...created }, ...fields };
    def('priorityclasses').defaults(obj);
    return obj;
  };
  const messages = (obj: KubeObject) => def('priorityclasses').validate(obj).map((c) => `${c.field}: ${c.message}`);

  it('defaults the preemption policy and prints value and global default', () => {
    const obj = pc('high', { value: 1000, globalDefault: true });
    expect(obj.preemptionPolicy).toBe('PreemptLowerPriority');
    expect(rows('priorityclasses', obj)).toEqual({ names: ['Name', 'Value', 'Global-Default', 'Age'], cells: ['high', 1000, true, '60m'] });
    expect(pc('zero', {}).value).toBe(0);
  });

  it('reserves high values and system- names, with kube-apiserver\'s texts', () => {
    expect(messages(pc('huge', { value: 1000000001 }))).toEqual(['value: Forbidden: maximum allowed value of a user defined priority is 1000000000']);
    expect(messages(pc('system-mine', { value: 5 }))).toEqual([
      "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class",
    ]);
    expect(messages(pc('system-node-critical', { value: 2000001000 }))).toEqual([]);
    expect(messages(pc('system-node-critical', { value: 2000000000 }))).toEqual([
      "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: value of system-node-critical PriorityClass must be 2000001000",
    ]);
    expect(messages(pc('p', { value: 1, preemptionPolicy: 'Sometimes' }))).toEqual(['preemptionPolicy: Unsupported value: "Sometimes": supported values: "PreemptLowerPriority", "Never"']);
    expect(() => pc('bad', { value: 'high' })).toThrow('PriorityClass in version "v1" cannot be handled as a PriorityClass: json: cannot unmarshal string into Go struct field PriorityClass.value of type int32');
  });

  it('keeps value and preemption policy as they were, and the built-ins from deletion', () => {
    const old = pc('p', { value: 1 });
    expect(def('priorityclasses').validateUpdate(pc('p', { value: 2, preemptionPolicy: 'Never' }), old).map((c) => `${c.field}: ${c.message}`)).toEqual([
      'value: Forbidden: may not be changed in an update.',
      'preemptionPolicy: Invalid value: "Never": field is immutable',
    ]);
    expect(def('priorityclasses').validateUpdate(pc('p', { value: 1, description: 'now described' }), old)).toEqual([]);
    expect(def('priorityclasses').deleteForbidden?.('system-cluster-critical')).toBe('this is a system priority class and cannot be deleted');
    expect(def('priorityclasses').deleteForbidden?.('p')).toBeUndefined();
    expect(def('priorityclasses').builtinObjects?.().map((o) => [o.metadata?.name, o.value])).toEqual([
      ['system-node-critical', 2000001000],
      ['system-cluster-critical', 2000000000],
    ]);
  });
});

describe('resourcequotas', () => {
  const rq = (spec: Record<string, unknown>, status?: Record<string, unknown>): KubeObject => {
    const obj: KubeObject = { metadata: { name: 'q', namespace: 'default', ...created }, spec, ...(status === undefined ? {} : { status }) };
    def('resourcequotas').defaults(obj);
    return obj;
  };
  const messages = (obj: KubeObject) => def('resourcequotas').validate(obj).map((c) => `${c.field}: ${c.message}`);

  it('stores quantities canonically and prints used/hard, limits apart', () => {
    const obj = rq({ hard: { cpu: '1000m', pods: 4 } }, { hard: { 'limits.memory': '2Gi', pods: '4', 'requests.cpu': '1' }, used: { 'limits.memory': '512Mi', pods: '1', 'requests.cpu': '250m' } });
    expect(obj.spec).toEqual({ hard: { cpu: '1', pods: '4' } });
    expect(rows('resourcequotas', obj)).toEqual({ names: ['Name', 'Age', 'Request', 'Limit'], cells: ['q', '60m', 'pods: 1/4, requests.cpu: 250m/1', 'limits.memory: 512Mi/2Gi'] });
    expect(() => rq({ hard: { cpu: 'lots' } })).toThrow(`ResourceQuota in version "v1" cannot be handled as a ResourceQuota: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
  });

  it('checks resource names, values, scopes and scope selectors', () => {
    expect(messages(rq({ hard: { pods: '1.5', cpu: '-1', widgets: '1', 'count/deployments.apps': '2' } }))).toEqual([
      'spec.hard[pods]: Invalid value: "1500m": must be an integer',
      'spec.hard[cpu]: Invalid value: "-1": must be greater than or equal to 0',
      'spec.hard[widgets]: Invalid value: "widgets": must be a standard resource type or fully qualified',
      'spec.hard[widgets]: Invalid value: "widgets": must be a standard resource for quota',
    ]);
    expect(messages(rq({ hard: { pods: '1', configmaps: '1' }, scopes: ['BestEffort', 'NotBestEffort'] }))).toEqual([
      'spec.scopes: Invalid value: ["BestEffort","NotBestEffort"]: unsupported scope applied to resource',
      'spec.scopes: Invalid value: ["BestEffort","NotBestEffort"]: unsupported scope applied to resource',
      'spec.scopes: Invalid value: ["BestEffort","NotBestEffort"]: conflicting scopes',
    ]);
    expect(messages(rq({ hard: { pods: '1' }, scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In' }, { scopeName: 'BestEffort', operator: 'In', values: ['x'] }] } }))).toEqual([
      "spec.scopeSelector.matchExpressions.values: Required value: must be at least one value when `operator` is 'In' or 'NotIn' for scope selector",
      "spec.scopeSelector.matchExpressions.operator: Invalid value: \"In\": must be 'Exist' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
    ]);
    expect(messages(rq({ hard: { pods: '10', 'requests.cpu': '2' }, scopes: ['NotTerminating'] }))).toEqual([]);
  });
});
