// The Pod as the kubelet reads it from the API: the runtime's PodSpec plus the fields only the kubelet acts on.
import type { ContainerSpec, PodSpec } from './runtime/index.ts';

export interface ApiContainer extends Omit<ContainerSpec, 'env'> {
  env?: unknown[];
  envFrom?: unknown[];
}

export interface ApiPod {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
    deletionGracePeriodSeconds?: number;
  };
  spec: Omit<PodSpec, 'containers'> & {
    containers: ApiContainer[];
    nodeName?: string;
    serviceAccountName?: string;
    enableServiceLinks?: boolean;
  };
  status?: Record<string, unknown> & { phase?: string; startTime?: string; conditions?: { type: string; status: string; lastTransitionTime?: string }[] };
}
