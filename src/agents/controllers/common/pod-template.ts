// A pod from a controller's pod template: the template's labels, annotations and spec, a generated name under the
// owner (or a fixed one, for StatefulSets) and the owner's controllerRef.
import type { KubeObject } from '../../../apiserver/index.ts';
import type { OwnerReference } from './controller-ref.ts';

export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown };
  spec?: Record<string, unknown>;
}

export function podFromTemplate(template: PodTemplate, namespace: string, ownerRef: OwnerReference, naming: { generateName: string } | { name: string }): KubeObject {
  const meta = structuredClone(template.metadata ?? {});
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...naming,
      namespace,
      labels: meta.labels ?? {},
      ...(meta.annotations !== undefined ? { annotations: meta.annotations } : {}),
      ownerReferences: [ownerRef],
    },
    spec: structuredClone(template.spec ?? {}),
  };
}

/** Kubernetes' prefix for generated pod names: "<owner>-", shortened so the 5 random characters still fit. */
export function podNamePrefix(ownerName: string): string {
  const prefix = `${ownerName}-`;
  return prefix.length > 58 ? prefix.slice(0, 58) : prefix;
}
