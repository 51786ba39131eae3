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

  it('refuses kinds it has no schema for with 415, and bodies without the magic with 400', () => {
    const pod = Buffer.from(NAMESPACE.replace('0a0f0a02763112094e616d657370616365', '0a090a0276311203506f64'), 'hex');
    expect(() => decodeKubernetesProtobuf(pod)).toThrow(expect.objectContaining({ code: 415 }) as ApiError);
    expect(() => decodeKubernetesProtobuf(Buffer.from('{}'))).toThrow(expect.objectContaining({ code: 400 }) as ApiError);
  });
});
