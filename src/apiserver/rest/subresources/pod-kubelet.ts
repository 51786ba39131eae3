// What the pod subresources served by a node's kubelet (log, exec, attach, port-forward) resolve first: the
// container (the pod's only one when none is named) and the kubelet of the pod's node, with kube-apiserver's texts.
import { kubeletEndpoint, type KubeletEndpoint } from '../../metrics-api/kubelet-endpoint.ts';
import type { ResourceRegistry } from '../registry.ts';
import { badRequest } from '../status.ts';

export interface PodForKubelet {
  spec?: { nodeName?: string; containers?: { name: string }[] };
  status?: { phase?: string };
}

export function containerOf(pod: PodForKubelet, podName: string, requested: string): string {
  const containers = (pod.spec?.containers ?? []).map((c) => c.name);
  if (requested === '') {
    if (containers.length !== 1) throw badRequest(`a container name must be specified for pod ${podName}, choose one of: [${containers.join(' ')}]`);
    return containers[0];
  }
  if (!containers.includes(requested)) throw badRequest(`container ${requested} is not valid for pod ${podName}`);
  return requested;
}

export async function kubeletOf(nodes: ResourceRegistry, pod: PodForKubelet, podName: string): Promise<KubeletEndpoint> {
  const nodeName = pod.spec?.nodeName ?? '';
  if (nodeName === '') throw badRequest(`pod ${podName} does not have a host assigned`);
  const endpoint = kubeletEndpoint(await nodes.get('', nodeName));
  if (endpoint === undefined) throw badRequest(`node ${nodeName} has no kubelet endpoint`);
  return endpoint;
}
