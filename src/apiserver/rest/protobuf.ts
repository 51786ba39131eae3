// Request bodies in Kubernetes' protobuf encoding (`application/vnd.kubernetes.protobuf`), for the kinds kubectl
// 1.33+ sends that way from its typed `create` commands: Namespace, ConfigMap, Secret, Service, Deployment, Job,
// CronJob, ResourceQuota, PriorityClass, and the HorizontalPodAutoscaler of `kubectl autoscale` (v2, then v1).
//
// Wire shape: the 4-byte magic "k8s\0", then runtime.Unknown {1: TypeMeta {1: apiVersion, 2: kind}, 2: raw,
// 3: contentEncoding, 4: contentType}; `raw` is the object's own message. Field numbers are those of
// k8s.io/api/core/v1 and apimachinery's meta/v1 (checked against bodies captured from kubectl 1.33). Decoding
// follows Go's JSON encoding of the same structs: zero values are left out (omitempty), bytes become base64,
// meta/v1.Time becomes RFC 3339. Unknown fields are skipped. Replies stay JSON, which every client also accepts.
import { unsupportedMediaType, badRequest } from './status.ts';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type FieldType = 'string' | 'int' | 'bool' | 'bytes' | 'time' | 'intOrString' | 'quantity' | 'stringMap' | 'bytesMap' | 'quantityMap' | Schema;
interface FieldSpec {
  name: string;
  type: FieldType;
  repeated?: boolean;
  /** A pointer field in Go (`*int32`): sent only when set, so a zero is kept (replicas: 0). */
  pointer?: boolean;
}
type Schema = { [fieldNumber: number]: FieldSpec };

const OWNER_REFERENCE: Schema = {
  1: { name: 'kind', type: 'string' },
  3: { name: 'name', type: 'string' },
  4: { name: 'uid', type: 'string' },
  5: { name: 'apiVersion', type: 'string' },
  6: { name: 'controller', type: 'bool' },
  7: { name: 'blockOwnerDeletion', type: 'bool' },
};

const OBJECT_META: Schema = {
  1: { name: 'name', type: 'string' },
  2: { name: 'generateName', type: 'string' },
  3: { name: 'namespace', type: 'string' },
  5: { name: 'uid', type: 'string' },
  6: { name: 'resourceVersion', type: 'string' },
  7: { name: 'generation', type: 'int' },
  8: { name: 'creationTimestamp', type: 'time' },
  11: { name: 'labels', type: 'stringMap' },
  12: { name: 'annotations', type: 'stringMap' },
  13: { name: 'ownerReferences', type: OWNER_REFERENCE, repeated: true },
  14: { name: 'finalizers', type: 'string', repeated: true },
};

const SERVICE_PORT: Schema = {
  1: { name: 'name', type: 'string' },
  2: { name: 'protocol', type: 'string' },
  3: { name: 'port', type: 'int' },
  4: { name: 'targetPort', type: 'intOrString' },
  5: { name: 'nodePort', type: 'int' },
  6: { name: 'appProtocol', type: 'string' },
};

const SERVICE_SPEC: Schema = {
  1: { name: 'ports', type: SERVICE_PORT, repeated: true },
  2: { name: 'selector', type: 'stringMap' },
  3: { name: 'clusterIP', type: 'string' },
  4: { name: 'type', type: 'string' },
  5: { name: 'externalIPs', type: 'string', repeated: true },
  7: { name: 'sessionAffinity', type: 'string' },
  8: { name: 'loadBalancerIP', type: 'string' },
  10: { name: 'externalName', type: 'string' },
  11: { name: 'externalTrafficPolicy', type: 'string' },
  13: { name: 'publishNotReadyAddresses', type: 'bool' },
  18: { name: 'clusterIPs', type: 'string', repeated: true },
  19: { name: 'ipFamilies', type: 'string', repeated: true },
  17: { name: 'ipFamilyPolicy', type: 'string' },
  22: { name: 'internalTrafficPolicy', type: 'string' },
};

// Workloads (kubectl 1.33's typed `create deployment|job|cronjob`): the pod template and the specs around it,
// field numbers from k8s.io/api apps/v1, batch/v1 and core/v1 (checked against kubectl 1.33's own bodies).
const LABEL_SELECTOR: Schema = {
  1: { name: 'matchLabels', type: 'stringMap' },
  2: { name: 'matchExpressions', type: { 1: { name: 'key', type: 'string' }, 2: { name: 'operator', type: 'string' }, 3: { name: 'values', type: 'string', repeated: true } }, repeated: true },
};

const CONTAINER: Schema = {
  1: { name: 'name', type: 'string' },
  2: { name: 'image', type: 'string' },
  3: { name: 'command', type: 'string', repeated: true },
  4: { name: 'args', type: 'string', repeated: true },
  5: { name: 'workingDir', type: 'string' },
  6: {
    name: 'ports',
    type: { 1: { name: 'name', type: 'string' }, 2: { name: 'hostPort', type: 'int' }, 3: { name: 'containerPort', type: 'int' }, 4: { name: 'protocol', type: 'string' }, 5: { name: 'hostIP', type: 'string' } },
    repeated: true,
  },
  7: { name: 'env', type: { 1: { name: 'name', type: 'string' }, 2: { name: 'value', type: 'string' } }, repeated: true },
  8: { name: 'resources', type: {} },
  13: { name: 'terminationMessagePath', type: 'string' },
  14: { name: 'imagePullPolicy', type: 'string' },
  16: { name: 'stdin', type: 'bool' },
  18: { name: 'tty', type: 'bool' },
  20: { name: 'terminationMessagePolicy', type: 'string' },
};

const POD_SPEC: Schema = {
  2: { name: 'containers', type: CONTAINER, repeated: true },
  3: { name: 'restartPolicy', type: 'string' },
  4: { name: 'terminationGracePeriodSeconds', type: 'int', pointer: true },
  5: { name: 'activeDeadlineSeconds', type: 'int', pointer: true },
  6: { name: 'dnsPolicy', type: 'string' },
  7: { name: 'nodeSelector', type: 'stringMap' },
  8: { name: 'serviceAccountName', type: 'string' },
  10: { name: 'nodeName', type: 'string' },
  11: { name: 'hostNetwork', type: 'bool' },
  19: { name: 'schedulerName', type: 'string' },
  20: { name: 'initContainers', type: CONTAINER, repeated: true },
};

const POD_TEMPLATE_SPEC: Schema = { 1: { name: 'metadata', type: OBJECT_META }, 2: { name: 'spec', type: POD_SPEC } };

const INT_OR_STRING_POINTER = { type: 'intOrString', pointer: true } as const;

const DEPLOYMENT_SPEC: Schema = {
  1: { name: 'replicas', type: 'int', pointer: true },
  2: { name: 'selector', type: LABEL_SELECTOR },
  3: { name: 'template', type: POD_TEMPLATE_SPEC },
  4: {
    name: 'strategy',
    type: { 1: { name: 'type', type: 'string' }, 2: { name: 'rollingUpdate', type: { 1: { name: 'maxUnavailable', ...INT_OR_STRING_POINTER }, 2: { name: 'maxSurge', ...INT_OR_STRING_POINTER } } } },
  },
  5: { name: 'minReadySeconds', type: 'int' },
  6: { name: 'revisionHistoryLimit', type: 'int', pointer: true },
  7: { name: 'paused', type: 'bool' },
  9: { name: 'progressDeadlineSeconds', type: 'int', pointer: true },
};

const JOB_SPEC: Schema = {
  1: { name: 'parallelism', type: 'int', pointer: true },
  2: { name: 'completions', type: 'int', pointer: true },
  3: { name: 'activeDeadlineSeconds', type: 'int', pointer: true },
  4: { name: 'selector', type: LABEL_SELECTOR },
  5: { name: 'manualSelector', type: 'bool', pointer: true },
  6: { name: 'template', type: POD_TEMPLATE_SPEC },
  7: { name: 'backoffLimit', type: 'int', pointer: true },
  8: { name: 'ttlSecondsAfterFinished', type: 'int', pointer: true },
  9: { name: 'completionMode', type: 'string', pointer: true },
  10: { name: 'suspend', type: 'bool', pointer: true },
};

const CRON_JOB_SPEC: Schema = {
  1: { name: 'schedule', type: 'string' },
  2: { name: 'startingDeadlineSeconds', type: 'int', pointer: true },
  3: { name: 'concurrencyPolicy', type: 'string' },
  4: { name: 'suspend', type: 'bool', pointer: true },
  5: { name: 'jobTemplate', type: { 1: { name: 'metadata', type: OBJECT_META }, 2: { name: 'spec', type: JOB_SPEC } } },
  6: { name: 'successfulJobsHistoryLimit', type: 'int', pointer: true },
  7: { name: 'failedJobsHistoryLimit', type: 'int', pointer: true },
  8: { name: 'timeZone', type: 'string', pointer: true },
};

// core/v1 ResourceQuota and scheduling/v1 PriorityClass (`kubectl create quota|priorityclass`); a quantity is
// resource.Quantity {1: string}.
const RESOURCE_QUOTA_SPEC: Schema = {
  1: { name: 'hard', type: 'quantityMap' },
  2: { name: 'scopes', type: 'string', repeated: true },
  3: {
    name: 'scopeSelector',
    type: { 1: { name: 'matchExpressions', type: { 1: { name: 'scopeName', type: 'string' }, 2: { name: 'operator', type: 'string' }, 3: { name: 'values', type: 'string', repeated: true } }, repeated: true } },
  },
};

// autoscaling/v2 and v1 HorizontalPodAutoscaler (`kubectl autoscale`), field numbers from k8s.io/api autoscaling
// (checked against kubectl 1.33's bodies); a quantity is resource.Quantity {1: string}.
const CROSS_VERSION_OBJECT_REFERENCE: Schema = { 1: { name: 'kind', type: 'string' }, 2: { name: 'name', type: 'string' }, 3: { name: 'apiVersion', type: 'string' } };
const METRIC_TARGET: Schema = {
  1: { name: 'type', type: 'string' },
  2: { name: 'value', type: 'quantity' },
  3: { name: 'averageValue', type: 'quantity' },
  4: { name: 'averageUtilization', type: 'int', pointer: true },
};
const METRIC_IDENTIFIER: Schema = { 1: { name: 'name', type: 'string' }, 2: { name: 'selector', type: LABEL_SELECTOR } };
const METRIC_SPEC: Schema = {
  1: { name: 'type', type: 'string' },
  2: { name: 'object', type: { 1: { name: 'describedObject', type: CROSS_VERSION_OBJECT_REFERENCE }, 2: { name: 'target', type: METRIC_TARGET }, 3: { name: 'metric', type: METRIC_IDENTIFIER } } },
  3: { name: 'pods', type: { 1: { name: 'metric', type: METRIC_IDENTIFIER }, 2: { name: 'target', type: METRIC_TARGET } } },
  4: { name: 'resource', type: { 1: { name: 'name', type: 'string' }, 2: { name: 'target', type: METRIC_TARGET } } },
  5: { name: 'external', type: { 1: { name: 'metric', type: METRIC_IDENTIFIER }, 2: { name: 'target', type: METRIC_TARGET } } },
  7: { name: 'containerResource', type: { 1: { name: 'name', type: 'string' }, 2: { name: 'target', type: METRIC_TARGET }, 3: { name: 'container', type: 'string' } } },
};
const SCALING_RULES: Schema = {
  1: { name: 'selectPolicy', type: 'string', pointer: true },
  2: { name: 'policies', type: { 1: { name: 'type', type: 'string' }, 2: { name: 'value', type: 'int' }, 3: { name: 'periodSeconds', type: 'int' } }, repeated: true },
  3: { name: 'stabilizationWindowSeconds', type: 'int', pointer: true },
};
const HPA_V2_SPEC: Schema = {
  1: { name: 'scaleTargetRef', type: CROSS_VERSION_OBJECT_REFERENCE },
  2: { name: 'minReplicas', type: 'int', pointer: true },
  3: { name: 'maxReplicas', type: 'int' },
  4: { name: 'metrics', type: METRIC_SPEC, repeated: true },
  5: { name: 'behavior', type: { 1: { name: 'scaleUp', type: SCALING_RULES }, 2: { name: 'scaleDown', type: SCALING_RULES } } },
};
const HPA_V1_SPEC: Schema = {
  1: { name: 'scaleTargetRef', type: CROSS_VERSION_OBJECT_REFERENCE },
  2: { name: 'minReplicas', type: 'int', pointer: true },
  3: { name: 'maxReplicas', type: 'int' },
  4: { name: 'targetCPUUtilizationPercentage', type: 'int', pointer: true },
};

const KINDS: Record<string, Schema> = {
  'autoscaling/v2/HorizontalPodAutoscaler': { 1: { name: 'metadata', type: OBJECT_META }, 2: { name: 'spec', type: HPA_V2_SPEC } },
  'autoscaling/v1/HorizontalPodAutoscaler': { 1: { name: 'metadata', type: OBJECT_META }, 2: { name: 'spec', type: HPA_V1_SPEC } },
  'v1/ResourceQuota': { 1: { name: 'metadata', type: OBJECT_META }, 2: { name: 'spec', type: RESOURCE_QUOTA_SPEC } },
  'scheduling.k8s.io/v1/PriorityClass': {
    1: { name: 'metadata', type: OBJECT_META },
    2: { name: 'value', type: 'int' },
    3: { name: 'globalDefault', type: 'bool' },
    4: { name: 'description', type: 'string' },
    5: { name: 'preemptionPolicy', type: 'string', pointer: true },
  },
  'apps/v1/Deployment': { 1: { name: 'metadata', type: OBJECT_META }, 2: { name: 'spec', type: DEPLOYMENT_SPEC } },
  'batch/v1/Job': { 1: { name: 'metadata', type: OBJECT_META }, 2: { name: 'spec', type: JOB_SPEC } },
  'batch/v1/CronJob': { 1: { name: 'metadata', type: OBJECT_META }, 2: { name: 'spec', type: CRON_JOB_SPEC } },
  'v1/ConfigMap': {
    1: { name: 'metadata', type: OBJECT_META },
    2: { name: 'data', type: 'stringMap' },
    3: { name: 'binaryData', type: 'bytesMap' },
    4: { name: 'immutable', type: 'bool' },
  },
  'v1/Secret': {
    1: { name: 'metadata', type: OBJECT_META },
    2: { name: 'data', type: 'bytesMap' },
    3: { name: 'type', type: 'string' },
    4: { name: 'stringData', type: 'stringMap' },
    5: { name: 'immutable', type: 'bool' },
  },
  'v1/Namespace': {
    1: { name: 'metadata', type: OBJECT_META },
    2: { name: 'spec', type: { 1: { name: 'finalizers', type: 'string', repeated: true } } },
    3: { name: 'status', type: { 1: { name: 'phase', type: 'string' } } },
  },
  'v1/Service': {
    1: { name: 'metadata', type: OBJECT_META },
    2: { name: 'spec', type: SERVICE_SPEC },
  },
};

const UNKNOWN: Schema = {
  1: { name: 'typeMeta', type: { 1: { name: 'apiVersion', type: 'string' }, 2: { name: 'kind', type: 'string' } } },
  2: { name: 'raw', type: 'bytes' },
  3: { name: 'contentEncoding', type: 'string' },
};

/** The JSON form of a protobuf-encoded object; 415 for kinds this decoder does not know. */
export function decodeKubernetesProtobuf(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw badRequest('provided protobuf body is missing the "k8s\\0" prefix');
  const envelope = decodeMessage(body.subarray(4), UNKNOWN);
  const typeMeta = (envelope.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  const schema = KINDS[`${typeMeta.apiVersion ?? ''}/${typeMeta.kind ?? ''}`];
  if (schema === undefined || (envelope.contentEncoding ?? '') !== '') throw unsupportedMediaType(['application/json']);
  const raw = Buffer.from(String(envelope.raw ?? ''), 'base64');
  return { apiVersion: typeMeta.apiVersion, kind: typeMeta.kind, ...decodeMessage(raw, schema) };
}

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): bigint {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (this.pos >= this.buf.length) throw badRequest('truncated protobuf body');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return result;
    }
    throw badRequest('malformed varint in protobuf body');
  }
  bytes(): Buffer {
    const len = Number(this.varint());
    if (this.pos + len > this.buf.length) throw badRequest('truncated protobuf body');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this.pos += 4;
    else throw badRequest(`unsupported protobuf wire type ${wireType}`);
  }
}

function decodeMessage(buf: Buffer, schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const r = new Reader(buf);
  while (!r.done) {
    const tag = Number(r.varint());
    const spec = schema[tag >>> 3];
    const wireType = tag & 7;
    if (spec === undefined) {
      r.skip(wireType);
      continue;
    }
    const value = decodeValue(r, wireType, spec.type);
    if (spec.type === 'stringMap' || spec.type === 'bytesMap' || spec.type === 'quantityMap') {
      const [k, v] = value as [string, string];
      out[spec.name] = { ...((out[spec.name] as Record<string, string> | undefined) ?? {}), [k]: v };
    } else if (spec.repeated === true) {
      out[spec.name] = [...((out[spec.name] as unknown[] | undefined) ?? []), value];
    } else if (spec.pointer === true || !isZero(value)) {
      out[spec.name] = value;
    }
  }
  return out;
}

function decodeValue(r: Reader, wireType: number, type: FieldType): unknown {
  if (typeof type === 'object') return decodeMessage(r.bytes(), type);
  switch (type) {
    case 'string':
      return r.bytes().toString('utf8');
    case 'bytes':
      return r.bytes().toString('base64');
    case 'int':
      return Number(BigInt.asIntN(64, r.varint()));
    case 'bool':
      return r.varint() !== 0n;
    case 'time': {
      const t = decodeMessage(r.bytes(), { 1: { name: 'seconds', type: 'int' } });
      return typeof t.seconds === 'number' && t.seconds !== 0 ? new Date(t.seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') : '';
    }
    case 'intOrString': {
      const v = decodeMessage(r.bytes(), { 1: { name: 'type', type: 'int' }, 2: { name: 'intVal', type: 'int' }, 3: { name: 'strVal', type: 'string' } });
      return v.type === 1 ? (v.strVal ?? '') : (v.intVal ?? 0);
    }
    case 'quantity':
      return (decodeMessage(r.bytes(), { 1: { name: 'string', type: 'string' } }).string as string | undefined) ?? '0';
    case 'quantityMap': {
      const entry = decodeMessage(r.bytes(), { 1: { name: 'key', type: 'string' }, 2: { name: 'value', type: { 1: { name: 'string', type: 'string' } } } });
      return [entry.key ?? '', (entry.value as { string?: string } | undefined)?.string ?? '0'];
    }
    case 'stringMap':
    case 'bytesMap': {
      const entry = decodeMessage(r.bytes(), { 1: { name: 'key', type: 'string' }, 2: { name: 'value', type: type === 'bytesMap' ? 'bytes' : 'string' } });
      return [entry.key ?? '', entry.value ?? ''];
    }
  }
  void wireType;
  return undefined;
}

function isZero(value: unknown): boolean {
  if (value === '' || value === 0 || value === false) return true;
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;
}
