// The Node object a kubelet registers and keeps current: capacity and allocatable, the well-known labels, addresses,
// the four conditions and nodeInfo. Built from plain inputs so registration and every heartbeat share one shape.
import os from 'node:os';

export const KUBELET_VERSION = 'v1.20.0-barque';

export interface NodeResources {
  cpu: string;
  memory: string;
  pods: string;
}

export interface NodeIdentity {
  name: string;
  /** The node's own address (pod-network's .1): InternalIP, where its kubelet server listens. */
  address: string;
  kubeletPort: number;
  podCidr: string;
  resources: NodeResources;
  labels?: Record<string, string>;
}

export type Condition = { type: string; status: 'True' | 'False' | 'Unknown'; reason: string; message: string; lastHeartbeatTime: string; lastTransitionTime: string };

/** Node labels' arch naming (Go's GOARCH), not Node's. */
export function goArch(arch = process.arch): string {
  return arch === 'x64' ? 'amd64' : arch === 'ia32' ? '386' : arch;
}

/** The machine's own figures, used when the flags do not set them. */
export function machineResources(): NodeResources {
  return { cpu: String(os.cpus().length), memory: `${Math.floor(os.totalmem() / 1024)}Ki`, pods: '110' };
}

export function nodeObject(id: NodeIdentity): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: id.name,
      labels: { 'kubernetes.io/hostname': id.name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': goArch(), ...id.labels },
    },
    spec: { podCIDR: id.podCidr, podCIDRs: [id.podCidr] },
  };
}

const CONDITION_TEXT: Record<string, [string, string, string]> = {
  MemoryPressure: ['False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
  DiskPressure: ['False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
  PIDPressure: ['False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
  Ready: ['True', 'KubeletReady', 'kubelet is posting ready status'],
};

/** status, keeping each condition's lastTransitionTime when its status did not change. */
export function nodeStatus(id: NodeIdentity, nowIso: string, previous: readonly Condition[] = []): Record<string, unknown> {
  const conditions = Object.entries(CONDITION_TEXT).map(([type, [status, reason, message]]) => {
    const old = previous.find((c) => c.type === type);
    const lastTransitionTime = old !== undefined && old.status === status ? old.lastTransitionTime : nowIso;
    return { type, status, reason, message, lastHeartbeatTime: nowIso, lastTransitionTime };
  });
  const resources = { cpu: id.resources.cpu, memory: id.resources.memory, pods: id.resources.pods, 'ephemeral-storage': '10Gi' };
  return {
    capacity: resources,
    allocatable: resources,
    conditions,
    addresses: [
      { type: 'InternalIP', address: id.address },
      { type: 'Hostname', address: id.name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: id.kubeletPort } },
    nodeInfo: {
      machineID: '',
      systemUUID: '',
      bootID: '',
      kernelVersion: os.release(),
      osImage: `${os.type()} ${os.release()}`,
      containerRuntimeVersion: 'barque://0.1.0',
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      operatingSystem: 'linux',
      architecture: goArch(),
    },
  };
}
