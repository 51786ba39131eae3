// The resources this apiserver serves, each described once: names for discovery, table columns for kubectl, field
// selectors, defaults and validation. Adding a resource is adding an entry here (plus its own rules, if any).
import type { KubeObject } from '../types.ts';
import { cause, type StatusCause } from './status.ts';
import { age, AGE_COLUMN, column, NAME_COLUMN, type TablePrinter } from './table.ts';

export interface ResourceDef {
  group: string;
  version: string;
  /** Plural, as in URLs: "pods". */
  resource: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: readonly string[];
  categories: readonly string[];
  /** Has a `/status` subresource: the main resource ignores status changes, `/status` changes only status. */
  hasStatus: boolean;
  /** metadata.generation starts at 1 and is bumped whenever spec changes. */
  tracksGeneration: boolean;
  /** DELETE answers with the deleted object (true) or with a Success Status (false), as Kubernetes does per type. */
  deleteReturnsObject: boolean;
  printer: TablePrinter;
  /** Field selector keys beyond metadata.name / metadata.namespace. */
  selectableFields: Readonly<Record<string, (obj: KubeObject) => string>>;
  defaults(obj: KubeObject): void;
  validate(obj: KubeObject): StatusCause[];
  /** Extra checks on update (immutable fields); the new object has been defaulted. */
  validateUpdate(next: KubeObject, old: KubeObject): StatusCause[];
}

export const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;
export const STATUS_VERBS = ['get', 'patch', 'update'] as const;

type Obj = Record<string, unknown>;
const o = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const orNone = (v: string): string => (v === '' ? '<none>' : v);

export function apiVersionOf(def: ResourceDef): string {
  return def.group === '' ? def.version : `${def.group}/${def.version}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Names

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

type NameRule = 'subdomain' | 'label' | 'dns1035';

export function validateName(name: string, rule: NameRule, field = 'metadata.name'): StatusCause[] {
  switch (rule) {
    case 'subdomain':
      if (name.length > 253) return [cause.invalid(field, name, 'must be no more than 253 characters')];
      if (!DNS1123_SUBDOMAIN.test(name)) {
        return [
          cause.invalid(
            field,
            name,
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
          ),
        ];
      }
      return [];
    case 'label':
      if (name.length > 63) return [cause.invalid(field, name, 'must be no more than 63 characters')];
      if (!DNS1123_LABEL.test(name)) {
        return [
          cause.invalid(
            field,
            name,
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
          ),
        ];
      }
      return [];
    case 'dns1035':
      if (name.length > 63) return [cause.invalid(field, name, 'must be no more than 63 characters')];
      if (!DNS1035_LABEL.test(name)) {
        return [
          cause.invalid(
            field,
            name,
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
          ),
        ];
      }
      return [];
  }
}

const NAME_RULES = new Map<string, NameRule>();
export function nameRuleOf(def: ResourceDef): NameRule {
  return NAME_RULES.get(def.resource) ?? 'subdomain';
}

const noCauses = (): StatusCause[] => [];
const noDefaults = (): void => {};

// ---------------------------------------------------------------------------------------------------------------
// namespaces

const namespaces: ResourceDef = {
  group: '',
  version: 'v1',
  resource: 'namespaces',
  singular: 'namespace',
  kind: 'Namespace',
  namespaced: false,
  shortNames: ['ns'],
  categories: [],
  hasStatus: true,
  tracksGeneration: false,
  deleteReturnsObject: true,
  printer: {
    columns: [NAME_COLUMN, column('Status', 'The status of the namespace'), AGE_COLUMN],
    cells: (obj, now) => [obj.metadata?.name, str(o(obj.status).phase), age(obj.metadata?.creationTimestamp, now)],
  },
  selectableFields: { 'status.phase': (obj) => str(o(obj.status).phase) },
  defaults(obj) {
    const spec = o(obj.spec);
    if (!Array.isArray(spec.finalizers)) spec.finalizers = ['kubernetes'];
    obj.spec = spec;
    const status = o(obj.status);
    if (str(status.phase) === '') status.phase = 'Active';
    obj.status = status;
    const name = obj.metadata?.name;
    if (obj.metadata !== undefined && name !== undefined) {
      obj.metadata.labels = { ...(obj.metadata.labels ?? {}), 'kubernetes.io/metadata.name': name };
    }
  },
  validate: noCauses,
  validateUpdate: noCauses,
};
NAME_RULES.set('namespaces', 'label');

// ---------------------------------------------------------------------------------------------------------------
// pods

function podStatusText(pod: KubeObject): string {
  const status = o(pod.status);
  let reason = str(status.reason) || str(status.phase) || 'Pending';
  for (const cs of arr(status.initContainerStatuses)) {
    const state = o(cs.state);
    const terminated = o(state.terminated);
    if (str(terminated.reason) !== '' && terminated.exitCode !== 0) {
      reason = `Init:${str(terminated.reason)}`;
      break;
    }
    const waiting = str(o(state.waiting).reason);
    if (waiting !== '' && waiting !== 'PodInitializing') {
      reason = `Init:${waiting}`;
      break;
    }
  }
  for (const cs of arr(status.containerStatuses).slice().reverse()) {
    const state = o(cs.state);
    const waiting = str(o(state.waiting).reason);
    const terminated = o(state.terminated);
    if (waiting !== '') reason = waiting;
    else if (str(terminated.reason) !== '') reason = str(terminated.reason);
  }
  if (pod.metadata?.deletionTimestamp !== undefined) reason = 'Terminating';
  return reason;
}

const podCells = (pod: KubeObject, now: Date): unknown[] => {
  const spec = o(pod.spec);
  const status = o(pod.status);
  const statuses = arr(status.containerStatuses);
  const ready = statuses.filter((s) => s.ready === true).length;
  const restarts = statuses.reduce((sum, s) => sum + (typeof s.restartCount === 'number' ? s.restartCount : 0), 0);
  const gates = arr(spec.readinessGates);
  return [
    pod.metadata?.name,
    `${ready}/${arr(spec.containers).length}`,
    podStatusText(pod),
    restarts,
    age(pod.metadata?.creationTimestamp, now),
    orNone(str(status.podIP)),
    orNone(str(spec.nodeName)),
    orNone(str(status.nominatedNodeName)),
    gates.length === 0 ? '<none>' : `0/${gates.length}`,
  ];
};

function imagePullPolicyFor(image: string): string {
  const lastPart = image.split('/').pop() ?? image;
  if (lastPart.includes('@')) return 'IfNotPresent';
  const tag = lastPart.includes(':') ? lastPart.split(':').pop() : '';
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultContainers(list: Obj[]): void {
  for (const c of list) {
    if (str(c.imagePullPolicy) === '') c.imagePullPolicy = imagePullPolicyFor(str(c.image));
    if (str(c.terminationMessagePath) === '') c.terminationMessagePath = '/dev/termination-log';
    if (str(c.terminationMessagePolicy) === '') c.terminationMessagePolicy = 'File';
    c.resources ??= {};
    for (const p of arr(c.ports)) if (str(p.protocol) === '') p.protocol = 'TCP';
  }
}

function validateContainers(list: unknown, field: string, required: boolean): StatusCause[] {
  const containers = arr(list);
  if (containers.length === 0) return required ? [cause.required(field)] : [];
  const causes: StatusCause[] = [];
  const seen = new Set<string>();
  containers.forEach((c, i) => {
    const name = str(c.name);
    if (name === '') causes.push(cause.required(`${field}[${i}].name`));
    else {
      causes.push(...validateName(name, 'label', `${field}[${i}].name`));
      if (seen.has(name)) causes.push({ reason: 'FieldValueDuplicate', message: `Duplicate value: ${JSON.stringify(name)}`, field: `${field}[${i}].name` });
      seen.add(name);
    }
    if (str(c.image).trim() === '') causes.push(cause.required(`${field}[${i}].image`));
  });
  return causes;
}

/** The pod spec with the fields an update may change blanked out, for the immutability check. */
function podSpecMutableMasked(spec: Obj): string {
  const copy = structuredClone(spec);
  for (const c of [...arr(copy.containers), ...arr(copy.initContainers)]) delete c.image;
  delete copy.activeDeadlineSeconds;
  delete copy.tolerations;
  delete copy.terminationGracePeriodSeconds;
  return JSON.stringify(copy);
}

const pods: ResourceDef = {
  group: '',
  version: 'v1',
  resource: 'pods',
  singular: 'pod',
  kind: 'Pod',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  hasStatus: true,
  tracksGeneration: true,
  deleteReturnsObject: true,
  printer: {
    columns: [
      NAME_COLUMN,
      column('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
      column('Status', 'The aggregate status of the containers in this pod.'),
      column('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.', { type: 'string' }),
      AGE_COLUMN,
      column('IP', 'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', { priority: 1 }),
      column('Node', 'NodeName is a request to schedule this pod onto a specific node.', { priority: 1 }),
      column('Nominated Node', 'nominatedNodeName is set only when this pod preempts other pods on the node.', { priority: 1 }),
      column('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.', { priority: 1 }),
    ],
    cells: podCells,
  },
  selectableFields: {
    'spec.nodeName': (p) => str(o(p.spec).nodeName),
    'spec.restartPolicy': (p) => str(o(p.spec).restartPolicy),
    'spec.schedulerName': (p) => str(o(p.spec).schedulerName),
    'spec.serviceAccountName': (p) => str(o(p.spec).serviceAccountName),
    'status.phase': (p) => str(o(p.status).phase),
    'status.podIP': (p) => str(o(p.status).podIP),
    'status.nominatedNodeName': (p) => str(o(p.status).nominatedNodeName),
  },
  defaults(pod) {
    const spec = o(pod.spec);
    pod.spec = spec;
    defaultContainers(arr(spec.containers));
    defaultContainers(arr(spec.initContainers));
    spec.restartPolicy ??= 'Always';
    spec.terminationGracePeriodSeconds ??= 30;
    spec.dnsPolicy ??= 'ClusterFirst';
    spec.securityContext ??= {};
    spec.schedulerName ??= 'default-scheduler';
    spec.enableServiceLinks ??= true;
    spec.priority ??= 0;
    spec.preemptionPolicy ??= 'PreemptLowerPriority';
    const status = o(pod.status);
    if (str(status.phase) === '') status.phase = 'Pending';
    if (str(status.qosClass) === '') status.qosClass = 'BestEffort';
    pod.status = status;
  },
  validate(pod) {
    const spec = o(pod.spec);
    const causes = [...validateContainers(spec.containers, 'spec.containers', true), ...validateContainers(spec.initContainers, 'spec.initContainers', false)];
    const policy = str(spec.restartPolicy);
    if (!['Always', 'OnFailure', 'Never'].includes(policy)) causes.push(cause.notSupported('spec.restartPolicy', policy, ['Always', 'OnFailure', 'Never']));
    return causes;
  },
  validateUpdate(next, old) {
    if (podSpecMutableMasked(o(next.spec)) === podSpecMutableMasked(o(old.spec))) return [];
    return [
      cause.forbidden(
        'spec',
        'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
      ),
    ];
  },
};

// ---------------------------------------------------------------------------------------------------------------
// configmaps, secrets

const dataCount = (obj: KubeObject, ...fields: string[]): number => fields.reduce((n, f) => n + Object.keys(o(obj[f])).length, 0);

const DATA_KEY = /^[-._a-zA-Z0-9]+$/;
function validateDataKeys(obj: KubeObject, fields: string[]): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const f of fields) {
    for (const key of Object.keys(o(obj[f]))) {
      if (!DATA_KEY.test(key) || key.length > 253) {
        causes.push(cause.invalid(`${f}[${key}]`, key, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
      }
    }
  }
  return causes;
}

const configmaps: ResourceDef = {
  group: '',
  version: 'v1',
  resource: 'configmaps',
  singular: 'configmap',
  kind: 'ConfigMap',
  namespaced: true,
  shortNames: ['cm'],
  categories: [],
  hasStatus: false,
  tracksGeneration: false,
  deleteReturnsObject: false,
  printer: {
    columns: [NAME_COLUMN, column('Data', 'Data contains the configuration data.', { type: 'integer' }), AGE_COLUMN],
    cells: (cm, now) => [cm.metadata?.name, dataCount(cm, 'data', 'binaryData'), age(cm.metadata?.creationTimestamp, now)],
  },
  selectableFields: {},
  defaults: noDefaults,
  validate: (cm) => validateDataKeys(cm, ['data', 'binaryData']),
  validateUpdate: (next, old) => (old.immutable === true && JSON.stringify([next.data, next.binaryData]) !== JSON.stringify([old.data, old.binaryData]) ? [cause.forbidden('data', 'field is immutable when `immutable` is set')] : []),
};

const secrets: ResourceDef = {
  group: '',
  version: 'v1',
  resource: 'secrets',
  singular: 'secret',
  kind: 'Secret',
  namespaced: true,
  shortNames: [],
  categories: [],
  hasStatus: false,
  tracksGeneration: false,
  deleteReturnsObject: false,
  printer: {
    columns: [NAME_COLUMN, column('Type', 'The type of the secret'), column('Data', 'The number of entries in Data', { type: 'integer' }), AGE_COLUMN],
    cells: (s, now) => [s.metadata?.name, str(s.type), dataCount(s, 'data'), age(s.metadata?.creationTimestamp, now)],
  },
  selectableFields: { type: (s) => str(s.type) },
  defaults(secret) {
    if (str(secret.type) === '') secret.type = 'Opaque';
    // stringData is write-only: folded into data (base64) and dropped.
    const stringData = o(secret.stringData);
    if (Object.keys(stringData).length > 0) {
      const data = o(secret.data);
      for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
      secret.data = data;
    }
    delete secret.stringData;
  },
  validate: (s) => validateDataKeys(s, ['data']),
  validateUpdate: (next, old) => (next.type !== old.type ? [cause.invalid('type', next.type, 'field is immutable')] : []),
};

// ---------------------------------------------------------------------------------------------------------------
// services (no cluster IP allocation yet)

function servicePorts(svc: KubeObject): string {
  const spec = o(svc.spec);
  const ports = arr(spec.ports);
  if (ports.length === 0) return '<none>';
  return ports
    .map((p) => {
      const proto = str(p.protocol) || 'TCP';
      return typeof p.nodePort === 'number' && p.nodePort > 0 ? `${String(p.port)}:${p.nodePort}/${proto}` : `${String(p.port)}/${proto}`;
    })
    .join(',');
}

function externalIp(svc: KubeObject): string {
  const spec = o(svc.spec);
  const type = str(spec.type);
  const external = Array.isArray(spec.externalIPs) ? (spec.externalIPs as string[]) : [];
  if (type === 'ExternalName') return str(spec.externalName);
  if (type === 'LoadBalancer') {
    const ingress = arr(o(o(svc.status).loadBalancer).ingress).map((i) => str(i.ip) || str(i.hostname));
    const all = [...ingress, ...external];
    return all.length === 0 ? '<pending>' : all.join(',');
  }
  return external.length === 0 ? '<none>' : external.join(',');
}

const services: ResourceDef = {
  group: '',
  version: 'v1',
  resource: 'services',
  singular: 'service',
  kind: 'Service',
  namespaced: true,
  shortNames: ['svc'],
  categories: ['all'],
  hasStatus: true,
  tracksGeneration: false,
  deleteReturnsObject: false,
  printer: {
    columns: [
      NAME_COLUMN,
      column('Type', 'The type of the service'),
      column('Cluster-IP', 'The cluster ip of the service'),
      column('External-IP', 'The external ip of the service'),
      column('Port(s)', 'The ports of the service'),
      AGE_COLUMN,
      column('Selector', 'Route service traffic to pods with label keys and values matching this selector.', { priority: 1 }),
    ],
    cells: (svc, now) => {
      const spec = o(svc.spec);
      const selector = Object.entries(o(spec.selector)).map(([k, v]) => `${k}=${String(v)}`);
      return [
        svc.metadata?.name,
        str(spec.type) || 'ClusterIP',
        orNone(str(spec.clusterIP)),
        externalIp(svc),
        servicePorts(svc),
        age(svc.metadata?.creationTimestamp, now),
        selector.length === 0 ? '<none>' : selector.join(','),
      ];
    },
  },
  selectableFields: { 'spec.clusterIP': (s) => str(o(s.spec).clusterIP), 'spec.type': (s) => str(o(s.spec).type) },
  defaults(svc) {
    const spec = o(svc.spec);
    svc.spec = spec;
    spec.type ??= 'ClusterIP';
    spec.sessionAffinity ??= 'None';
    if (spec.type !== 'ExternalName') {
      spec.internalTrafficPolicy ??= 'Cluster';
      spec.ipFamilyPolicy ??= 'SingleStack';
    }
    for (const p of arr(spec.ports)) {
      if (str(p.protocol) === '') p.protocol = 'TCP';
      p.targetPort ??= p.port;
    }
    svc.status ??= { loadBalancer: {} };
  },
  validate(svc) {
    const spec = o(svc.spec);
    const type = str(spec.type);
    const causes: StatusCause[] = [];
    if (!['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'].includes(type)) {
      causes.push(cause.notSupported('spec.type', type, ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort']));
    }
    const ports = arr(spec.ports);
    if (type !== 'ExternalName' && ports.length === 0 && spec.clusterIP !== 'None') causes.push(cause.required('spec.ports'));
    ports.forEach((p, i) => {
      if (typeof p.port !== 'number' || p.port < 1 || p.port > 65535) causes.push(cause.invalid(`spec.ports[${i}].port`, p.port, 'must be between 1 and 65535, inclusive'));
      if (ports.length > 1 && str(p.name) === '') causes.push(cause.required(`spec.ports[${i}].name`));
    });
    return causes;
  },
  validateUpdate: noCauses,
};
NAME_RULES.set('services', 'dns1035');

// ---------------------------------------------------------------------------------------------------------------
// events (core/v1)

const events: ResourceDef = {
  group: '',
  version: 'v1',
  resource: 'events',
  singular: 'event',
  kind: 'Event',
  namespaced: true,
  shortNames: ['ev'],
  categories: [],
  hasStatus: false,
  tracksGeneration: false,
  deleteReturnsObject: false,
  printer: {
    columns: [
      column('Last Seen', 'Time when this Event was last seen'),
      column('Type', 'Type of this event (Normal, Warning), new types could be added in the future.'),
      column('Reason', 'Reason is why the action was taken. It is human-readable.'),
      column('Object', 'The object this Event is about.'),
      column('Message', 'A human-readable description of the status of this operation.'),
      column('Subobject', 'The subobject this Event is about.', { priority: 1 }),
      column('Source', 'The component reporting this event.', { priority: 1 }),
      column('First Seen', 'The first time this Event was seen.', { priority: 1 }),
      column('Count', 'The number of times this event has occurred.', { type: 'integer', priority: 1 }),
      { ...NAME_COLUMN, priority: 1 },
    ],
    cells: (ev, now) => {
      const involved = o(ev.involvedObject);
      const source = o(ev.source);
      const last = str(ev.lastTimestamp) || str(ev.eventTime) || str(ev.firstTimestamp) || ev.metadata?.creationTimestamp;
      const first = str(ev.firstTimestamp) || str(ev.eventTime) || ev.metadata?.creationTimestamp;
      return [
        age(last, now),
        str(ev.type),
        str(ev.reason),
        `${str(involved.kind).toLowerCase()}/${str(involved.name)}`,
        str(ev.message).trim(),
        str(involved.fieldPath),
        [str(source.component) || str(ev.reportingComponent), str(source.host)].filter((s) => s !== '').join(', '),
        age(first, now),
        typeof ev.count === 'number' ? ev.count : 1,
        ev.metadata?.name,
      ];
    },
  },
  selectableFields: {
    'involvedObject.kind': (e) => str(o(e.involvedObject).kind),
    'involvedObject.namespace': (e) => str(o(e.involvedObject).namespace),
    'involvedObject.name': (e) => str(o(e.involvedObject).name),
    'involvedObject.uid': (e) => str(o(e.involvedObject).uid),
    'involvedObject.apiVersion': (e) => str(o(e.involvedObject).apiVersion),
    'involvedObject.resourceVersion': (e) => str(o(e.involvedObject).resourceVersion),
    'involvedObject.fieldPath': (e) => str(o(e.involvedObject).fieldPath),
    reason: (e) => str(e.reason),
    reportingComponent: (e) => str(e.reportingComponent),
    source: (e) => str(o(e.source).component),
    type: (e) => str(e.type),
  },
  defaults: noDefaults,
  validate(ev) {
    const ns = ev.metadata?.namespace ?? '';
    const involvedNs = str(o(ev.involvedObject).namespace);
    if (involvedNs !== '' && involvedNs !== ns) return [cause.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace')];
    return [];
  },
  validateUpdate: noCauses,
};

export const CORE_RESOURCES: readonly ResourceDef[] = [configmaps, events, namespaces, pods, secrets, services];

/** The field selectors a resource accepts and the values an object has for them. */
export function fieldSet(def: ResourceDef, obj: KubeObject): Record<string, string> {
  const fields: Record<string, string> = { 'metadata.name': obj.metadata?.name ?? '' };
  if (def.namespaced) fields['metadata.namespace'] = obj.metadata?.namespace ?? '';
  for (const [f, get] of Object.entries(def.selectableFields)) fields[f] = get(obj);
  return fields;
}

export function selectableFieldNames(def: ResourceDef): string[] {
  return ['metadata.name', ...(def.namespaced ? ['metadata.namespace'] : []), ...Object.keys(def.selectableFields)];
}
