import { describe, expect, it } from 'vitest';
import { ManualClock, realClock } from '../../../client/clock.ts';
import { PodAddressAllocator, nodeAddressRange } from '../../pod-network/index.ts';
import { kubeletBackOff } from '../back-off.ts';
import { complianceBackOff, describeRuntimeCompliance, simPod } from '../compliance.ts';
import { createHollowRuntime } from './index.ts';

describeRuntimeCompliance('hollow', async () => {
  const addresses = new PodAddressAllocator(nodeAddressRange(1));
  const runtime = createHollowRuntime({ clock: realClock, addresses, backOff: complianceBackOff });
  return { runtime, addresses, cleanup: () => runtime.close() };
});

/** Lets the promise chains a timer started run to the end (the hollow runtime never waits on real I/O). */
async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

describe('hollow runtime on a manual clock', () => {
  it('backs off crash loops exactly as the kubelet: at once, then 10 s, 20 s, 40 s', async () => {
    const clock = new ManualClock();
    const runtime = createHollowRuntime({ clock, addresses: new PodAddressAllocator(nodeAddressRange(2)), backOff: kubeletBackOff });
    const req = simPod(['exit 1'], { restartPolicy: 'Always' });
    const starts: number[] = [];
    runtime.onPodChange(() => {
      const c = runtime.podStatus(req.pod.uid)?.containers[0];
      if (c !== undefined && 'running' in c.state) starts.push(clock.now());
    });
    await runtime.runPod(req);
    for (let t = 0; t < 80_000; t += 500) {
      await flush();
      clock.advance(500);
    }
    await flush();
    expect(starts).toEqual([0, 0, 10_000, 30_000, 70_000]);
    expect(runtime.podStatus(req.pod.uid)?.containers[0]).toMatchObject({
      restartCount: 4,
      state: { waiting: { reason: 'CrashLoopBackOff', message: expect.stringMatching(/^back-off 1m20s restarting failed container=main/) } },
    });
    await runtime.close();
  });

  it('refuses logs of a container still waiting to start, as the kubelet does', async () => {
    const clock = new ManualClock();
    const runtime = createHollowRuntime({ clock, addresses: new PodAddressAllocator(nodeAddressRange(3)), startLatencyMs: 1_000 });
    const req = simPod(['print hi', 'sleep forever']);
    await runtime.runPod(req);
    expect(() => runtime.readLogs(req.pod.uid, 'main')).toThrow(`container "main" in pod "${req.pod.name}" is waiting to start: ContainerCreating`);
    clock.advance(1_000);
    await flush();
    const lines: string[] = [];
    for await (const line of runtime.readLogs(req.pod.uid, 'main')) lines.push(line);
    expect(lines).toEqual(['hi']);
    await runtime.close();
  });

  it('injects start latency and failures, and fits 100 nodes of 10 pods in one process', async () => {
    const clock = new ManualClock();
    const nodes = Array.from({ length: 100 }, (_, i) =>
      createHollowRuntime({
        clock,
        addresses: new PodAddressAllocator(nodeAddressRange(i)),
        startLatencyMs: 2_000,
        failure: (launch) => (launch.container.name === 'flaky' && launch.attempt === 0 ? { afterMs: 5_000, exitCode: 42 } : undefined),
      }),
    );
    const pods = nodes.flatMap((runtime, i) =>
      Array.from({ length: 10 }, (_, j) => ({ runtime, req: simPod(j === 0 ? { flaky: ['sleep forever'] } : ['serve-http 80'], { restartPolicy: 'Always' }), i })),
    );
    await Promise.all(pods.map(({ runtime, req }) => runtime.runPod(req)));
    await flush();
    clock.advance(1_000);
    await flush();
    expect(pods.every(({ runtime, req }) => 'waiting' in runtime.podStatus(req.pod.uid)!.containers[0].state)).toBe(true);
    clock.advance(1_000);
    await flush();
    expect(pods.every(({ runtime, req }) => 'running' in runtime.podStatus(req.pod.uid)!.containers[0].state)).toBe(true);
    clock.advance(5_000);
    await flush();
    clock.advance(2_000);
    await flush();
    const flaky = pods.filter((_, k) => k % 10 === 0).map(({ runtime, req }) => runtime.podStatus(req.pod.uid)!.containers[0]);
    expect(flaky.every((c) => c.restartCount === 1 && 'running' in c.state && 'terminated' in c.lastState && c.lastState.terminated.exitCode === 42)).toBe(true);
    expect(new Set(pods.map(({ runtime, req }) => runtime.podStatus(req.pod.uid)!.podIP)).size).toBe(1000);
    await Promise.all(nodes.map((n) => n.close()));
    expect(nodes.every((n) => n.listPods().length === 0)).toBe(true);
  });
});
