import { describe, expect, it } from 'vitest';
import { decodeKubernetesProtobuf } from './protobuf.ts';
import { ApiError } from './status.ts';

// Bodies captured from kubectl 1.33 (`create secret generic s33 --from-literal=sk=sv`, `create namespace p33`).
const SECRET = '6b3873000a0c0a0276311206536563726574122b0a170a0373333312001a0464656d6f22002a0032003800420012080a02736b120273761a064f70617175651a002200';
const NAMESPACE = '6b3873000a0f0a02763112094e616d657370616365121b0a130a0370333312001a0022002a0032003800420012001a020a001a002200';

describe('Kubernetes protobuf request bodies', () => {
  it('decodes a Secret as Go would encode it to JSON (omitempty, bytes as base64)', () => {
    expect(decodeKubernetesProtobuf(Buffer.from(SECRET, 'hex'))).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's33', namespace: 'demo' },
      data: { sk: Buffer.from('sv').toString('base64') },
      type: 'Opaque',
    });
  });

  it('decodes a Namespace', () => {
    expect(decodeKubernetesProtobuf(Buffer.from(NAMESPACE, 'hex'))).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'p33' } });
  });

  // Captured from kubectl 1.33: `create deployment d33 --image=nginx:1.25 --replicas=0 --port=8080`,
  // `create job j33 --image=busybox:1.36 -- echo hi`, `create cronjob c33 --image=busybox:1.36 --schedule='*/5 * * * *'`.
  it('decodes workloads, keeping a zero in a pointer field (replicas: 0)', () => {
    const [deployment, job, cronjob] = [
      '6b3873000a150a07617070732f7631120a4465706c6f796d656e7412be010a1f0a0364333312001a0022002a003200380042005a0a0a036170701203643333128c010800120c0a0a0a0361707012036433331a720a1c0a0012001a0022002a003200380042005a0a0a036170701203643333125212340a056e67696e78120a6e67696e783a312e32352a00320b0a00100018903f22002a0042006a007200800100880100900100a201001a00320042004a0052005800600068008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200',
      '6b3873000a0f0a0862617463682f763112034a6f62128b010a130a036a333312001a0022002a00320038004200126a32680a100a0012001a0022002a00320038004200125412310a036a3333120c62757379626f783a312e33361a046563686f1a0268692a0042006a007200800100880100900100a201001a054e65766572320042004a0052005800600068008201008a01009a0100c201001a082000280030003a001a002200',
      '6b3873000a130a0862617463682f7631120743726f6e4a6f6212a6010a130a0363333312001a0022002a00320038004200128c010a0b2a2f35202a202a202a202a1a002a7b0a130a0363333312001a0022002a00320038004200126432620a100a0012001a0022002a00320038004200124e12270a03633333120c62757379626f783a312e33362a0042006a007200800100880100900100a201001a094f6e4661696c757265320042004a0052005800600068008201008a01009a0100c201001a001a002200',
    ].map((hex) => decodeKubernetesProtobuf(Buffer.from(hex, 'hex')));
    const template = (name: string, image: string, extra: Record<string, unknown>) => ({ spec: { containers: [{ name, image, ...extra }] } });
    expect(deployment).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd33', labels: { app: 'd33' } },
      spec: { replicas: 0, selector: { matchLabels: { app: 'd33' } }, template: { metadata: { labels: { app: 'd33' } }, ...template('nginx', 'nginx:1.25', { ports: [{ containerPort: 8080 }] }) } },
    });
    expect(job).toEqual({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j33' }, spec: { template: { spec: { ...template('j33', 'busybox:1.36', { command: ['echo', 'hi'] }).spec, restartPolicy: 'Never' } } } });
    expect(cronjob).toEqual({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'c33' },
      spec: { schedule: '*/5 * * * *', jobTemplate: { metadata: { name: 'c33' }, spec: { template: { spec: { ...template('c33', 'busybox:1.36', {}).spec, restartPolicy: 'OnFailure' } } } } },
    });
  });

  // Captured from kubectl 1.33: `create quota q1 --hard=pods=2,requests.cpu=1,limits.memory=1Gi
  // --scopes=NotBestEffort,NotTerminating -n default`, `create priorityclass p33 --value=77 --description=hello
  // --preemption-policy=Never --global-default`.
  it('decodes a ResourceQuota (quantities as text) and a PriorityClass', () => {
    const quota = '6b3873000a130a027631120d5265736f7572636551756f746112780a190a02713112001a0764656661756c7422002a0032003800420012590a160a0d6c696d6974732e6d656d6f727912050a033147690a0b0a04706f647312030a01320a130a0c72657175657374732e63707512030a0131120d4e6f74426573744566666f7274120e4e6f745465726d696e6174696e671a001a002200';
    const priorityClass = '6b3873000a250a147363686564756c696e672e6b38732e696f2f7631120d5072696f72697479436c61737312270a130a0370333312001a0022002a00320038004200104d1801220568656c6c6f2a054e657665721a002200';
    expect(decodeKubernetesProtobuf(Buffer.from(quota, 'hex'))).toEqual({
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'q1', namespace: 'default' },
      spec: { hard: { 'limits.memory': '1Gi', pods: '2', 'requests.cpu': '1' }, scopes: ['NotBestEffort', 'NotTerminating'] },
    });
    expect(decodeKubernetesProtobuf(Buffer.from(priorityClass, 'hex'))).toEqual({
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name: 'p33' },
      value: 77,
      globalDefault: true,
      description: 'hello',
      preemptionPolicy: 'Never',
    });
  });

  // Captured from kubectl 1.33: `autoscale deployment web3 --cpu-percent=70 --min=2 --max=4`, which posts an
  // autoscaling/v2 HPA and, refused, the same as autoscaling/v1.
  it('decodes the HorizontalPodAutoscalers of kubectl autoscale', () => {
    const v2 = '6b3873000a290a0e6175746f7363616c696e672f76321217486f72697a6f6e74616c506f644175746f7363616c657212630a140a047765623312001a0022002a0032003800420012450a1b0a0a4465706c6f796d656e741204776562331a07617070732f76311002180422220a085265736f7572636522160a03637075120f0a0b5574696c697a6174696f6e20461a04180020001a002200';
    const v1 = '6b3873000a290a0e6175746f7363616c696e672f76311217486f72697a6f6e74616c506f644175746f7363616c657212410a140a047765623312001a0022002a0032003800420012230a1b0a0a4465706c6f796d656e741204776562331a07617070732f76311002180420461a04180020001a002200';
    const scaleTargetRef = { kind: 'Deployment', name: 'web3', apiVersion: 'apps/v1' };
    expect(decodeKubernetesProtobuf(Buffer.from(v2, 'hex'))).toEqual({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web3' },
      spec: { scaleTargetRef, minReplicas: 2, maxReplicas: 4, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }] },
    });
    expect(decodeKubernetesProtobuf(Buffer.from(v1, 'hex'))).toEqual({
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web3' },
      spec: { scaleTargetRef, minReplicas: 2, maxReplicas: 4, targetCPUUtilizationPercentage: 70 },
    });
  });

  it('refuses kinds it has no schema for with 415, and bodies without the magic with 400', () => {
    const pod = Buffer.from(NAMESPACE.replace('0a0f0a02763112094e616d657370616365', '0a090a0276311203506f64'), 'hex');
    expect(() => decodeKubernetesProtobuf(pod)).toThrow(expect.objectContaining({ code: 415 }) as ApiError);
    expect(() => decodeKubernetesProtobuf(Buffer.from('{}'))).toThrow(expect.objectContaining({ code: 400 }) as ApiError);
  });
});
