// PodSpec defaults and validation, shared by pods and every pod template (workloads, jobs, cronjobs). Only what
// SetDefaults_PodSpec does belongs here; what admission adds to pods alone (tolerations, service account, priority)
// stays in core/pods.ts, because templates do not get it.
import { cause, type StatusCause } from '../rest/status.ts';
import { validateName } from './names.ts';
import { arr, child, o, str, type Obj } from './values.ts';

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

/** Always for `:latest` or no tag, IfNotPresent for any other tag or a digest. */
export function imagePullPolicyFor(image: string): string {
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

export function defaultPodSpec(spec: Obj): void {
  defaultContainers(arr(spec.containers));
  defaultContainers(arr(spec.initContainers));
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
}

/** Defaults of a PodTemplateSpec at `parent.template`. */
export function defaultPodTemplate(parent: Obj): void {
  const template = child(parent, 'template');
  defaultPodSpec(child(template, 'spec'));
}

function validateContainers(list: unknown, field: string, required: boolean): StatusCause[] {
  const containers = arr(list);
  if (containers.length === 0) return required ? [cause.required(field)] : [];
  const causes: StatusCause[] = [];
  const seen = new Set<string>();
  containers.forEach((c, i) => {
    const at = `${field}[${i}]`;
    const name = str(c.name);
    if (name === '') causes.push(cause.required(`${at}.name`));
    else {
      causes.push(...validateName(name, 'label', `${at}.name`));
      if (seen.has(name)) causes.push({ reason: 'FieldValueDuplicate', message: `Duplicate value: ${JSON.stringify(name)}`, field: `${at}.name` });
      seen.add(name);
    }
    if (str(c.image).trim() === '') causes.push(cause.required(`${at}.image`));
    const pull = str(c.imagePullPolicy);
    if (pull !== '' && !PULL_POLICIES.includes(pull)) causes.push(cause.notSupported(`${at}.imagePullPolicy`, pull, PULL_POLICIES));
    arr(c.ports).forEach((p, j) => {
      const port = p.containerPort;
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
        causes.push(cause.invalid(`${at}.ports[${j}].containerPort`, port ?? 0, 'must be between 1 and 65535, inclusive'));
      }
      const protocol = str(p.protocol);
      if (protocol !== '' && !PROTOCOLS.includes(protocol)) causes.push(cause.notSupported(`${at}.ports[${j}].protocol`, protocol, PROTOCOLS));
    });
  });
  return causes;
}

/** ValidatePodSpec's common checks, with fields under `path` ("spec" or "spec.template.spec"). */
export function validatePodSpec(spec: Obj, path: string, restartPolicies: readonly string[] = RESTART_POLICIES): StatusCause[] {
  const causes = [...validateContainers(spec.containers, `${path}.containers`, true), ...validateContainers(spec.initContainers, `${path}.initContainers`, false)];
  const policy = str(spec.restartPolicy);
  if (!restartPolicies.includes(policy)) causes.push(cause.notSupported(`${path}.restartPolicy`, policy, restartPolicies));
  const dns = str(spec.dnsPolicy);
  if (!DNS_POLICIES.includes(dns)) causes.push(cause.notSupported(`${path}.dnsPolicy`, dns, DNS_POLICIES));
  const grace = spec.terminationGracePeriodSeconds;
  if (typeof grace === 'number' && grace < 0) causes.push(cause.invalid(`${path}.terminationGracePeriodSeconds`, grace, 'must be greater than or equal to 0'));
  return causes;
}

/** Validation of the PodTemplateSpec at `parent.template`, reported under `path` ("spec.template"). */
export function validatePodTemplate(parent: Obj, path: string, restartPolicies?: readonly string[]): StatusCause[] {
  const template = o(parent.template);
  if (parent.template === undefined) return [cause.required(path)];
  return validatePodSpec(o(template.spec), `${path}.spec`, restartPolicies);
}
