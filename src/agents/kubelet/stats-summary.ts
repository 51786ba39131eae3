// The kubelet's /stats/summary document (the fields `kubectl top` needs): the node's CPU rate and working set
// from /proc, and each pod's containers from the runtime. The apiserver turns it into metrics.k8s.io objects.
import type { Clock } from '../client/index.ts';
import { sampleMachine, UsageMeter } from './stats/index.ts';
import type { Runtime } from './runtime/index.ts';

export interface Usage {
  time: string;
  usageNanoCores: number;
  workingSetBytes: number;
}

export interface Summary {
  node: { nodeName: string; cpu: { time: string; usageNanoCores: number }; memory: { time: string; workingSetBytes: number } };
  pods: { podRef: { name: string; namespace: string; uid: string }; containers: { name: string; cpu: { time: string; usageNanoCores: number }; memory: { time: string; workingSetBytes: number } }[] }[];
}

export interface PodNames {
  /** namespace and name of a pod the runtime runs, by uid. */
  nameOf(uid: string): { namespace: string; name: string } | undefined;
}

export class SummaryProvider {
  private readonly machine: UsageMeter;

  constructor(
    private readonly nodeName: string,
    private readonly runtime: Runtime,
    private readonly names: PodNames,
    private readonly clock: Clock,
  ) {
    this.machine = new UsageMeter(() => clock.now());
  }

  async summary(): Promise<Summary> {
    const time = new Date(this.clock.now()).toISOString().replace(/\.\d+Z$/, 'Z');
    const m = sampleMachine();
    const cpu = this.machine.record(m.busyCpuNs);
    const pods: Summary['pods'] = [];
    for (const p of this.runtime.listPods()) {
      const ref = this.names.nameOf(p.uid);
      if (ref === undefined) continue;
      const stats = await this.runtime.stats(p.uid).catch(() => undefined);
      if (stats === undefined) continue;
      pods.push({
        podRef: { ...ref, uid: p.uid },
        containers: stats.containers.map((c) => ({ name: c.name, cpu: { time, usageNanoCores: c.usageNanoCores }, memory: { time, workingSetBytes: c.workingSetBytes } })),
      });
    }
    return {
      node: { nodeName: this.nodeName, cpu: { time, usageNanoCores: cpu.usageNanoCores }, memory: { time, workingSetBytes: m.memoryWorkingSetBytes } },
      pods,
    };
  }
}
