// The Priority admission rule, as kube-apiserver's plug-in: a new pod's priority comes from its PriorityClass (or the
// global default class, else 0), never from the pod itself; and at most one PriorityClass may be the global default.
import { forbidden } from '../rest/status.ts';
import type { KubeObject } from '../types.ts';
import { child, str } from '../resources/values.ts';
import type { AdmissionObjects, AdmissionTarget } from './objects.ts';

const SCHEDULING = 'scheduling.k8s.io';
const PRIORITY_CLASSES = 'priorityclasses';
interface ResolvedClass {
  name: string;
  value: number;
  preemptionPolicy: string | undefined;
}

/** scheduling.DefaultPriorityWhenNoDefaultClassExists, with the preemption policy pods then get. */
const NO_CLASS: ResolvedClass = { name: '', value: 0, preemptionPolicy: 'PreemptLowerPriority' };

function resolved(pc: KubeObject): ResolvedClass {
  return { name: pc.metadata?.name ?? '', value: typeof pc.value === 'number' ? pc.value : 0, preemptionPolicy: str(pc.preemptionPolicy) || undefined };
}

/** The global default class; if a race left several, the one with the lowest value (as upstream picks). */
function globalDefault(classes: readonly KubeObject[]): KubeObject | undefined {
  let found: KubeObject | undefined;
  for (const pc of classes) {
    if (pc.globalDefault !== true) continue;
    if (found === undefined || (found.value as number) > (pc.value as number)) found = pc;
  }
  return found;
}

/** The global default class, null when there is none, undefined when PriorityClasses are not served. */
async function defaultClass(objects: AdmissionObjects): Promise<KubeObject | null | undefined> {
  const classes = await objects.list(SCHEDULING, PRIORITY_CLASSES, '');
  return classes === undefined ? undefined : (globalDefault(classes) ?? null);
}

/** On pod create: spec.priority (and preemptionPolicy) from the class named, refusing what the pod set itself. */
export async function admitPodPriority(target: AdmissionTarget, pod: KubeObject, objects: AdmissionObjects): Promise<void> {
  const spec = child(pod, 'spec');
  const podName = pod.metadata?.name ?? '';
  const className = str(spec.priorityClassName);
  const found = className === '' ? await defaultClass(objects) : await objects.get(SCHEDULING, PRIORITY_CLASSES, '', className);
  if (found === undefined) {
    // PriorityClasses are not served here: the defaults the pod would get without a class.
    spec.priority ??= NO_CLASS.value;
    spec.preemptionPolicy ??= NO_CLASS.preemptionPolicy;
    return;
  }
  if (found === null && className !== '') throw forbidden(target, podName, `no PriorityClass with name ${className} was found`);
  const pc = found === null ? NO_CLASS : resolved(found);
  if (pc.name !== '') spec.priorityClassName = pc.name;
  if (spec.priority !== undefined && spec.priority !== null && spec.priority !== pc.value) {
    throw forbidden(target, podName, `the integer value of priority (${String(spec.priority)}) must not be provided in pod spec; priority admission controller computed ${pc.value} from the given PriorityClass name`);
  }
  spec.priority = pc.value;
  if (pc.preemptionPolicy === undefined) return;
  const own = spec.preemptionPolicy;
  if (own !== undefined && own !== null && own !== pc.preemptionPolicy) {
    throw forbidden(target, podName, `the string value of PreemptionPolicy (${String(own)}) must not be provided in pod spec; priority admission controller computed ${pc.preemptionPolicy} from the given PriorityClass name`);
  }
  spec.preemptionPolicy = pc.preemptionPolicy;
}

/** On PriorityClass create and update: a second global default is refused. */
export async function validateGlobalDefault(target: AdmissionTarget, pc: KubeObject, objects: AdmissionObjects, operation: 'create' | 'update'): Promise<void> {
  if (pc.globalDefault !== true) return;
  const current = globalDefault((await objects.list(SCHEDULING, PRIORITY_CLASSES, '')) ?? []);
  if (current === undefined) return;
  const name = pc.metadata?.name ?? '';
  if (operation === 'create' || current.metadata?.name !== name) {
    throw forbidden(target, name, `PriorityClass ${current.metadata?.name ?? ''} is already marked as default. Only one default can exist`);
  }
}
