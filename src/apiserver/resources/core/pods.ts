// core/v1 pods: the printer kubectl shows, SetDefaults_Pod, what admission adds to new pods (the two 300 s NoExecute
// tolerations of DefaultTolerationSeconds, the `default` service account), and spec immutability. Priority and
// ResourceQuota admission, which read other objects, are in admission/.
import type { KubeObject } from '../../types.ts';
import { cause } from '../../rest/status.ts';
import { AGE_COLUMN, age, column, NAME_COLUMN } from '../../rest/table.ts';
import { defaultPodSpec, validatePodSpec } from '../pod-spec.ts';
import { defaultRequestsFromLimits } from './pod-resources.ts';
import type { ResourceDef } from '../resource-def.ts';
import { arr, child, o, orNone, str, type Obj } from '../values.ts';

/** DefaultTolerationSeconds admission: pods ride out a not-ready or unreachable node for 5 minutes. */
const DEFAULT_TOLERATION_SECONDS = 300;
const DEFAULT_TOLERATION_KEYS = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'];

export function podStatusText(pod: KubeObject): string {
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

function addDefaultTolerations(spec: Obj): void {
  const tolerations = arr(spec.tolerations);
  for (const key of DEFAULT_TOLERATION_KEYS) {
    const tolerated = tolerations.some((t) => (str(t.key) === key || (str(t.key) === '' && str(t.operator) === 'Exists')) && (str(t.effect) === '' || str(t.effect) === 'NoExecute'));
    if (!tolerated) tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: DEFAULT_TOLERATION_SECONDS });
  }
  spec.tolerations = tolerations;
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

export const pods: ResourceDef = {
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
  subresources: [
    { name: 'binding', kind: 'Binding', verbs: ['create'] },
    { name: 'eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] },
    // Streamed from the kubelet by rest/subresources/log.ts; listed as kube-apiserver lists it.
    { name: 'log', kind: 'Pod', verbs: ['get'] },
  ],
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
    'spec.hostNetwork': (p) => String(o(p.spec).hostNetwork === true),
    'status.phase': (p) => str(o(p.status).phase),
    'status.podIP': (p) => str(o(p.status).podIP),
    'status.nominatedNodeName': (p) => str(o(p.status).nominatedNodeName),
  },
  defaults(pod) {
    const spec = child(pod, 'spec');
    defaultPodSpec(spec);
    spec.enableServiceLinks ??= true;
    const status = child(pod, 'status');
    if (str(status.phase) === '') status.phase = 'Pending';
    if (str(status.qosClass) === '') status.qosClass = 'BestEffort';
  },
  // ServiceAccount and DefaultTolerationSeconds admission, and SetDefaults_Pod's requests from limits: on create only,
  // so updates of pods stored before never trip the immutability check. (Priority admission needs the PriorityClasses:
  // admission/priority.ts.)
  admit(pod) {
    const spec = child(pod, 'spec');
    if (str(spec.serviceAccountName) === '') spec.serviceAccountName = str(spec.serviceAccount) || 'default';
    spec.serviceAccount = spec.serviceAccountName;
    addDefaultTolerations(spec);
    defaultRequestsFromLimits(spec);
  },
  // The Priority plug-in set these on create; an update that leaves them out keeps them.
  keepOnUpdate(next, old) {
    const spec = child(next, 'spec');
    const oldSpec = o(old.spec);
    if (spec.priority === undefined && oldSpec.priority !== undefined) spec.priority = oldSpec.priority;
    if (spec.preemptionPolicy === undefined && oldSpec.preemptionPolicy !== undefined) spec.preemptionPolicy = oldSpec.preemptionPolicy;
  },
  validate: (pod) => validatePodSpec(o(pod.spec), 'spec'),
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
