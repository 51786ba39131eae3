// The suite every Runtime must pass: the process runtime and the hollow runtime both run it (their *.test.ts call
// describeRuntimeCompliance). Containers are written in the portable step language (sim-steps.ts) so one suite
// fits both. Conditions are awaited with generous bounds; nothing asserts timing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PodAddressAllocator } from '../pod-network/index.ts';
import type { BackOffPolicy } from './back-off.ts';
import { RuntimeError } from './errors.ts';
import type { Runtime } from './runtime.ts';
import { SIM_IMAGE } from './sim-steps.ts';
import type { ContainerSpec, ContainerStatus, PodRuntimeStatus, PodSpec, RunPodRequest } from './types.ts';

export interface RuntimeHarness {
  runtime: Runtime;
  addresses: PodAddressAllocator;
  cleanup(): Promise<void>;
}

/** Short back-off for the suite: the shape (immediate, then doubling) is what is checked, not the 10 s. */
export const complianceBackOff: BackOffPolicy = { initialMs: 300, maxMs: 1200, resetAfterMs: 60_000 };

export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** waitFor for conditions that need I/O to check. */
export async function waitForAsync<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

let seq = 0;

export function simPod(steps: string[] | Record<string, string[]>, spec: Partial<PodSpec> = {}, extra: Partial<RunPodRequest> = {}): RunPodRequest {
  const n = ++seq;
  const byName = Array.isArray(steps) ? { main: steps } : steps;
  const containers: ContainerSpec[] = Object.entries(byName).map(([name, args]) => ({ name, image: SIM_IMAGE, args }));
  return {
    pod: { uid: `uid-${process.pid}-${n}`, name: `pod-${n}`, namespace: 'default' },
    spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 5, ...spec, containers: spec.containers ?? containers },
    ...extra,
  };
}

function container(status: PodRuntimeStatus | undefined, name = 'main'): ContainerStatus | undefined {
  return status?.containers.find((c) => c.name === name);
}

export function describeRuntimeCompliance(name: string, makeHarness: () => Promise<RuntimeHarness>): void {
  describe(`Runtime compliance: ${name}`, () => {
    let h: RuntimeHarness;
    beforeEach(async () => {
      h = await makeHarness();
    });
    afterEach(async () => {
      await h.cleanup();
    });
    const settled = (uid: string, pred: (c: ContainerStatus) => boolean, cname = 'main') =>
      waitFor(`container ${cname} of ${uid}`, () => {
        const c = container(h.runtime.podStatus(uid), cname);
        return c !== undefined && pred(c) ? c : undefined;
      });

    it('runs a pod on its own address with the pod and service environment, and completes it', async () => {
      const req = simPod(['print-env POD_IP', 'print-env HOSTNAME', 'print-env MY_NODE', 'print-env WEB_SERVICE_HOST', 'print-env WEB_PORT_80_TCP', 'print hello'], {}, {
        extraEnv: [{ name: 'MY_NODE', value: 'node-a' }],
        services: [{ name: 'web', clusterIP: '127.10.0.7', ports: [{ port: 80, name: 'http' }] }],
      });
      const initial = await h.runtime.runPod(req);
      expect(initial.podIP).toBe(h.addresses.addressOf(req.pod.uid));
      const c = await settled(req.pod.uid, (s) => 'terminated' in s.state);
      expect(c.state).toMatchObject({ terminated: { exitCode: 0, reason: 'Completed' } });
      expect(h.runtime.podStatus(req.pod.uid)?.phase).toBe('Succeeded');
      const lines = await collect(h.runtime.readLogs(req.pod.uid, 'main'));
      expect(lines).toEqual([`POD_IP=${initial.podIP}`, `HOSTNAME=${req.pod.name}`, 'MY_NODE=node-a', 'WEB_SERVICE_HOST=127.10.0.7', 'WEB_PORT_80_TCP=tcp://127.10.0.7:80', 'hello']);
      expect(await collect(h.runtime.readLogs(req.pod.uid, 'main', { tailLines: 2 }))).toEqual(['WEB_PORT_80_TCP=tcp://127.10.0.7:80', 'hello']);
      const stamped = await collect(h.runtime.readLogs(req.pod.uid, 'main', { tailLines: 1, timestamps: true }));
      expect(stamped[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z hello$/);
      await expect(h.runtime.runPod(req)).resolves.toMatchObject({ uid: req.pod.uid, podIP: initial.podIP });
    });

    it('follows the restart policy: Never and OnFailure keep a finished container, Always restarts it', async () => {
      const never = simPod(['exit 3'], { restartPolicy: 'Never' });
      const onFailureOk = simPod(['exit 0'], { restartPolicy: 'OnFailure' });
      await h.runtime.runPod(never);
      await h.runtime.runPod(onFailureOk);
      expect((await settled(never.pod.uid, (c) => 'terminated' in c.state)).state).toMatchObject({ terminated: { exitCode: 3, reason: 'Error' } });
      await settled(onFailureOk.pod.uid, (c) => 'terminated' in c.state);
      expect(h.runtime.podStatus(never.pod.uid)?.phase).toBe('Failed');
      expect(h.runtime.podStatus(onFailureOk.pod.uid)?.phase).toBe('Succeeded');
      expect(container(h.runtime.podStatus(never.pod.uid))?.restartCount).toBe(0);

      const always = simPod(['print attempt', 'exit 2'], { restartPolicy: 'Always' });
      await h.runtime.runPod(always);
      const looping = await settled(always.pod.uid, (c) => c.restartCount >= 2 && 'waiting' in c.state && c.state.waiting.reason === 'CrashLoopBackOff');
      expect(looping.lastState).toMatchObject({ terminated: { exitCode: 2, reason: 'Error' } });
      expect(looping.state).toMatchObject({ waiting: { message: expect.stringMatching(/^back-off \d+s restarting failed container=main pod=/) } });
      expect(h.runtime.podStatus(always.pod.uid)?.phase).toBe('Running');
    });

    it('keeps one log per attempt: --previous reads the one before, and is an error before any restart', async () => {
      const req = simPod(['print run', 'exit 1'], { restartPolicy: 'OnFailure' });
      await h.runtime.runPod(req);
      await settled(req.pod.uid, (c) => c.restartCount >= 1 && 'terminated' in c.lastState);
      expect(await collect(h.runtime.readLogs(req.pod.uid, 'main', { previous: true }))).toEqual(['run']);
      const fresh = simPod(['sleep forever']);
      await h.runtime.runPod(fresh);
      expect(() => h.runtime.readLogs(fresh.pod.uid, 'main', { previous: true })).toThrow(`previous terminated container "main" in pod "${fresh.pod.name}" not found`);
      expect(() => h.runtime.readLogs(fresh.pod.uid, 'nope')).toThrow(RuntimeError);
    });

    it('follows a log until its container ends', async () => {
      const req = simPod(['print one', 'sleep 0.5', 'print two', 'sleep 0.5', 'print three']);
      await h.runtime.runPod(req);
      await settled(req.pod.uid, (c) => 'running' in c.state || 'terminated' in c.state);
      expect(await collect(h.runtime.readLogs(req.pod.uid, 'main', { follow: true }))).toEqual(['one', 'two', 'three']);
    });

    it('runs readiness, liveness and startup probes', async () => {
      const exec = (script: string) => ({ exec: { command: ['sh', '-c', script] }, periodSeconds: 1 });
      const req = simPod({ ready: ['serve-http 8080'], unready: ['serve-http 8080'], unhealthy: ['sleep forever'], neverStarts: ['sleep forever'] }, { restartPolicy: 'Always' });
      req.spec.containers[0].readinessProbe = { httpGet: { port: 'web', path: '/' }, periodSeconds: 1 };
      req.spec.containers[0].ports = [{ name: 'web', containerPort: 8080 }];
      req.spec.containers[1].readinessProbe = { tcpSocket: { port: 9999 }, periodSeconds: 1 };
      req.spec.containers[2].livenessProbe = { ...exec('exit 1'), failureThreshold: 1 };
      req.spec.containers[2].readinessProbe = exec('echo fine; true');
      req.spec.containers[3].startupProbe = { ...exec('false'), failureThreshold: 2 };
      req.spec.containers[3].readinessProbe = exec('true');
      await h.runtime.runPod(req);
      const uid = req.pod.uid;
      await settled(uid, (c) => c.ready && c.started, 'ready');
      await settled(uid, (c) => c.restartCount >= 1, 'unhealthy');
      await settled(uid, (c) => c.restartCount >= 1, 'neverStarts');
      const status = h.runtime.podStatus(uid);
      expect(container(status, 'unready')).toMatchObject({ ready: false, started: true });
      expect(container(status, 'neverStarts')).toMatchObject({ ready: false, started: false });
    });

    it('execs commands in a running container and reports their exit code', async () => {
      const req = simPod(['sleep forever']);
      await h.runtime.runPod(req);
      await settled(req.pod.uid, (c) => 'running' in c.state);
      expect(await h.runtime.exec(req.pod.uid, 'main', ['sh', '-c', 'echo hi; exit 3'])).toMatchObject({ exitCode: 3, stdout: 'hi\n' });
      expect((await h.runtime.exec(req.pod.uid, 'main', ['true'])).exitCode).toBe(0);
    });

    it('streams a command\'s output and exit code (kubectl exec), and refuses one in an unknown container', async () => {
      const req = simPod(['sleep forever']);
      await h.runtime.runPod(req);
      await settled(req.pod.uid, (c) => 'running' in c.state);
      const session = await h.runtime.execStream(req.pod.uid, 'main', ['sh', '-c', 'echo streamed; exit 4'], { stdin: true, tty: false });
      const out: Buffer[] = [];
      session.stdout.on('data', (c: Buffer) => out.push(c));
      const ended = new Promise((resolve) => session.stdout.once('end', resolve));
      session.stderr.resume();
      session.stdin?.end();
      expect(await session.exited).toBe(4);
      await ended;
      expect(Buffer.concat(out).toString()).toBe('streamed\n');
      await expect(h.runtime.execStream(req.pod.uid, 'other', ['true'], { stdin: false, tty: false })).rejects.toThrow(/not valid for pod/);
    });

    it('terminates gracefully: SIGTERM first, SIGKILL once the grace period is over', async () => {
      // Readiness proves each program got as far as its signal handling before the signal comes.
      const polite = simPod({ polite: ['serve-http 8083'], stubborn: ['ignore-sigterm', 'serve-http 8082'] }, { terminationGracePeriodSeconds: 1, restartPolicy: 'Always' });
      polite.spec.containers[0].readinessProbe = { tcpSocket: { port: 8083 }, periodSeconds: 1 };
      polite.spec.containers[1].readinessProbe = { tcpSocket: { port: 8082 }, periodSeconds: 1 };
      await h.runtime.runPod(polite);
      await settled(polite.pod.uid, (c) => c.ready, 'polite');
      await settled(polite.pod.uid, (c) => c.ready, 'stubborn');
      await h.runtime.stopPod(polite.pod.uid);
      const status = h.runtime.podStatus(polite.pod.uid);
      expect(container(status, 'polite')?.state).toMatchObject({ terminated: { exitCode: 143 } });
      expect(container(status, 'stubborn')?.state).toMatchObject({ terminated: { exitCode: 137, signal: 'SIGKILL' } });
      expect(status?.containers.every((c) => c.restartCount === 0)).toBe(true);
    });

    it('restarts a killed container and counts it', async () => {
      const req = simPod(['sleep forever'], { restartPolicy: 'Always' });
      await h.runtime.runPod(req);
      await settled(req.pod.uid, (c) => 'running' in c.state);
      h.runtime.killContainer(req.pod.uid, 'main', 'SIGKILL');
      const c = await settled(req.pod.uid, (s) => s.restartCount === 1 && 'running' in s.state);
      expect(c.lastState).toMatchObject({ terminated: { exitCode: 137, signal: 'SIGKILL' } });
    });

    it('reports stats for running containers', async () => {
      const req = simPod(['serve-http 8081']);
      await h.runtime.runPod(req);
      await settled(req.pod.uid, (c) => 'running' in c.state);
      const stats = await h.runtime.stats(req.pod.uid);
      expect(stats.containers).toHaveLength(1);
      expect(stats.containers[0].workingSetBytes).toBeGreaterThan(0);
    });

    it('removes a pod completely: status, logs and its address', async () => {
      const req = simPod(['print bye', 'sleep forever'], { restartPolicy: 'Always' });
      const changes: string[] = [];
      const off = h.runtime.onPodChange((uid) => changes.push(uid));
      await h.runtime.runPod(req);
      await settled(req.pod.uid, (c) => 'running' in c.state);
      const before = h.addresses.allocated;
      await h.runtime.removePod(req.pod.uid, 0);
      off();
      expect(h.runtime.podStatus(req.pod.uid)).toBeUndefined();
      expect(h.addresses.allocated).toBe(before - 1);
      expect(h.addresses.addressOf(req.pod.uid)).toBeUndefined();
      expect(() => h.runtime.readLogs(req.pod.uid, 'main')).toThrow(`pod with uid "${req.pod.uid}" not found on this node`);
      expect(changes).toContain(req.pod.uid);
      await h.runtime.removePod(req.pod.uid);
    });
  });
}
