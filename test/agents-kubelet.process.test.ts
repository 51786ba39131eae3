// The node agent's must-show, all real processes and kubectl 1.20 for every user action: etcd 3.4, the apiserver,
// the controller-manager, the scheduler and one `bin/barque agent` with the process runtime. A Deployment of three
// node HTTP servers behind a Service (ClusterIP reaches all three, the name resolves through the cluster DNS), a
// killed container restarting, a crashing one in CrashLoopBackOff with growing delays, kubectl logs and top, an
// Ingress routing two hosts to two Services, kubectl exec, cp, run -i, attach and port-forward (kubectl 1.20 over
// SPDY, the newer one over WebSocket where it can) and @kubernetes/client-node's exec and port-forward, and nothing
// left running once the workloads are deleted.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Resolver } from 'node:dns/promises';
import http from 'node:http';
import net from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { referenceBinary } from '../src/store/testing/reference-binaries.ts';
import { setupOnce, startKubectl } from './apiserver-harness.ts';
import { eventually } from './apiserver-grpc-process.ts';
import { startKubeletCluster, type AgentProcess, type KubeletCluster } from './agents-kubelet-cluster.ts';

const NODE = 'worker-1';
const MARKER = 'kubelet-test-server';

// Answers every request with its HOSTNAME (the pod name: containers share the machine's UTS namespace, so
// os.hostname() would be the machine's) and logs one line per request.
const SERVER = `require('http').createServer((q,s)=>{console.log('served',q.url);s.end(process.env.HOSTNAME)}).listen(8080,process.env.POD_IP,()=>console.log('listening on',process.env.POD_IP,'${MARKER}'))`;

function deployment(name: string, replicas: number): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      terminationGracePeriodSeconds: 5
      containers:
      - name: server
        image: node:20
        args: ["-e", ${JSON.stringify(SERVER)}]
        ports: [{containerPort: 8080, name: http}]
        readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec:
  selector: {app: ${name}}
  ports: [{port: 8080, targetPort: http}]
`;
}

const INGRESS = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: two-hosts}
spec:
  rules:
  - host: web.example
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 8080}}}}]}
  - host: echo.example
    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: echo, port: {number: 8080}}}}]}
`;

type Pod = { metadata: { name: string; uid: string }; status?: { phase?: string; podIP?: string; containerStatuses?: { restartCount: number; ready: boolean; state: Record<string, { reason?: string; message?: string }> }[] } };

let cluster: KubeletCluster | undefined;
let agent: AgentProcess | undefined;
const setup = setupOnce(async () => {
  cluster = await startKubeletCluster({ controllers: true });
  agent = await cluster.startAgent([`--node-name=${NODE}`, '--node-index=30', '--kubelet-port=0', '--dns-port=0', '--ingress-port=0', '--node-lease-renew-interval=2s', '--node-status-update-frequency=2s', '--pod-resync-period=2s']);
  return { cluster, agent };
});

afterAll(async () => {
  await cluster?.stop();
});

async function kubectl(args: string[], input?: string): Promise<string> {
  const { cluster: c } = setup();
  if (input !== undefined) {
    const file = join(c.dir, `manifest-${Math.abs(hash(input))}.yaml`);
    (await import('node:fs')).writeFileSync(file, input);
    args = [...args, '-f', file];
  }
  const r = await c.kubectl(args, 90_000);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

function hash(s: string): number {
  let h = 0;
  for (const ch of s) h = (h * 31 + ch.charCodeAt(0)) | 0;
  return h;
}

async function pods(selector: string): Promise<Pod[]> {
  return (JSON.parse(await kubectl(['get', 'pods', '-l', selector, '-o', 'json'])) as { items: Pod[] }).items;
}

function get(host: string, port: number, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: '/', headers, agent: false, timeout: 5_000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', reject);
  });
}

/** Pids of processes carrying one of these pod uids in BARQUE_POD_UID (the process runtime tags every container). */
function processesOf(uids: ReadonlySet<string>): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const env = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (env.some((e) => e.startsWith('BARQUE_POD_UID=') && uids.has(e.slice('BARQUE_POD_UID='.length)))) found.push(Number(entry));
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return found;
}

const seenUids = new Set<string>();

// kubectl 1.20 speaks SPDY only; newer ones try a WebSocket first and fall back to SPDY when it is refused.
const KUBECTLS = [{ label: '1.20', binary: () => referenceBinary('kubectl') }, ...(existsSync('/usr/bin/kubectl') ? [{ label: 'newer', binary: () => '/usr/bin/kubectl' }] : [])];

/** kubectl with standard input (exec -i); bounded, never hangs the suite. */
function kubectlWith(binary: string, args: string[], input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { cluster: c } = setup();
  return new Promise((resolve) => {
    const child = spawn(binary, args, { env: { ...process.env, KUBECONFIG: c.kubeconfig, HOME: dirname(c.kubeconfig) }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

describe('barque agent with the process runtime, driven by kubectl', () => {
  it('registers a Ready node with its addresses, capacity and kubelet endpoint', async () => {
    setup();
    const node = await eventually('node Ready', async () => {
      const n = JSON.parse(await kubectl(['get', 'node', NODE, '-o', 'json'])) as { status: { conditions: { type: string; status: string }[] } & Record<string, unknown>; metadata: { labels: Record<string, string> } };
      return n.status.conditions.find((c) => c.type === 'Ready')?.status === 'True' ? n : false;
    });
    expect(node.metadata.labels).toMatchObject({ 'kubernetes.io/hostname': NODE, 'kubernetes.io/os': 'linux' });
    expect(node.status.addresses).toEqual([{ type: 'InternalIP', address: '127.64.30.1' }, { type: 'Hostname', address: NODE }]);
    expect(node.status.conditions.map((c) => c.type).sort()).toEqual(['DiskPressure', 'MemoryPressure', 'PIDPressure', 'Ready']);
    expect(Number((node.status.capacity as { pods: string }).pods)).toBe(110);
    expect((node.status.daemonEndpoints as { kubeletEndpoint: { Port: number } }).kubeletEndpoint.Port).toBe(Number(agent!.nodes[0].kubelet.split(':')[1]));
    const lease = JSON.parse(await kubectl(['get', 'lease', '-n', 'kube-node-lease', NODE, '-o', 'json'])) as { spec: { holderIdentity: string } };
    expect(lease.spec.holderIdentity).toBe(NODE);
  });

  it('runs a Deployment of three servers that the ClusterIP and the cluster DNS reach', async () => {
    await kubectl(['apply'], deployment('web', 3));
    const running = await eventually('three web pods ready', async () => {
      const list = await pods('app=web');
      return list.length === 3 && list.every((p) => p.status?.containerStatuses?.[0]?.ready === true) ? list : false;
    }, 120_000, 500);
    for (const p of running) seenUids.add(p.metadata.uid);
    const clusterIP = (await kubectl(['get', 'service', 'web', '-o', 'jsonpath={.spec.clusterIP}'])).trim();
    const names = new Set(running.map((p) => p.metadata.name));
    const answered = new Set<string>();
    await eventually('requests to the ClusterIP reach all three pods', async () => {
      answered.add(await get(clusterIP, 8080).catch(() => ''));
      return [...names].every((n) => answered.has(n));
    }, 90_000, 20).catch(async (err: unknown) => {
      throw new Error(`${String(err)}; answered ${[...answered].join(',')}; endpoints ${await kubectl(['get', 'endpoints', 'web', '-o', 'wide'])}`);
    });
    expect([...answered].filter((a) => a !== '').sort()).toEqual([...names].sort());

    const resolver = new Resolver();
    resolver.setServers([`${agent!.dns!.host}:${agent!.dns!.port}`]);
    expect(await resolver.resolve4('web.default.svc.cluster.local')).toEqual([clusterIP]);

    const out = await kubectl(['logs', [...names][0]]);
    expect(out).toContain(`listening on ${running.find((p) => p.metadata.name === [...names][0])!.status!.podIP} ${MARKER}`);
  }, 240_000);

  it('kubectl logs -f follows a container as it writes', async () => {
    const [pod] = await pods('app=web');
    const follow = startKubectl(referenceBinary('kubectl'), setup().cluster.kubeconfig, ['logs', '-f', pod.metadata.name]);
    try {
      expect(await follow.until((out) => out.includes(MARKER), 30_000)).toContain(MARKER);
      await get(pod.status!.podIP!, 8080, {}).catch(() => '');
      const out = await follow.until((o) => o.includes('served /'), 30_000);
      expect(out).toContain('served /');
    } finally {
      follow.stop();
    }
  });

  it('kubectl exec runs commands in a container: output, stdin, exit code and errors, with every kubectl', async () => {
    const [pod] = await pods('app=web');
    const name = pod.metadata.name;
    for (const k of KUBECTLS) {
      const r = await kubectlWith(k.binary(), ['exec', name, '--', 'sh', '-c', 'echo out; echo err >&2; echo "$POD_IP $HOSTNAME"; exit 3']);
      expect({ kubectl: k.label, code: r.code, stdout: r.stdout }).toEqual({ kubectl: k.label, code: 3, stdout: `out\n${pod.status!.podIP} ${name}\n` });
      expect(r.stderr).toContain('err\n');
      expect(r.stderr).toContain('command terminated with exit code 3');
      const piped = await kubectlWith(k.binary(), ['exec', '-i', name, '--', 'sh', '-c', 'cat; echo done'], 'line one\nline two\n');
      expect({ kubectl: k.label, code: piped.code, stdout: piped.stdout }).toEqual({ kubectl: k.label, code: 0, stdout: 'line one\nline two\ndone\n' });
      const missing = await kubectlWith(k.binary(), ['exec', name, '--', 'no-such-program']);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('error: Internal error occurred: error executing command in container: exec: "no-such-program": executable file not found in $PATH');
      const wrong = await kubectlWith(k.binary(), ['exec', name, '-c', 'nope', '--', 'true']);
      expect(wrong.stderr).toContain('container nope is not valid for pod');
    }
  }, 180_000);

  it('kubectl cp copies a file into a container and back out', async () => {
    const [pod] = await pods('app=web');
    const { cluster: c } = setup();
    const source = join(c.dir, 'cp-source.txt');
    writeFileSync(source, 'copied through tar over exec\n');
    for (const k of KUBECTLS) {
      const into = await kubectlWith(k.binary(), ['cp', source, `${pod.metadata.name}:cp-${k.label}.txt`]);
      expect({ kubectl: k.label, code: into.code, stderr: into.stderr }).toEqual({ kubectl: k.label, code: 0, stderr: '' });
      expect((await kubectlWith(k.binary(), ['exec', pod.metadata.name, '--', 'cat', `cp-${k.label}.txt`])).stdout).toBe('copied through tar over exec\n');
      const back = join(c.dir, `cp-back-${k.label}.txt`);
      expect((await kubectlWith(k.binary(), ['cp', `${pod.metadata.name}:cp-${k.label}.txt`, back])).code).toBe(0);
      expect(readFileSync(back, 'utf8')).toBe('copied through tar over exec\n');
    }
  }, 180_000);

  it('kubectl run -i --rm feeds the container its input and exits with its code; kubectl attach follows a running one', async () => {
    for (const k of KUBECTLS) {
      const name = `ask-${k.label.replace(/\W/g, '')}`;
      const run = await kubectlWith(k.binary(), ['run', name, '-i', '--rm', '--restart=Never', '--image=busybox', '--', 'sh', '-c', 'read line; echo "got $line"; exit 5'], 'typed in\n');
      expect({ kubectl: k.label, code: run.code }).toEqual({ kubectl: k.label, code: 5 });
      expect(run.stdout).toContain('got typed in\n');
      expect(run.stdout).toContain(`pod "${name}" deleted`);
    }
    await kubectl(['run', 'ticker', '--image=busybox', '--restart=Never', '--', 'sh', '-c', 'i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.2; done']);
    await eventually('ticker running', async () => (await kubectl(['get', 'pod', 'ticker', '-o', 'jsonpath={.status.phase}'])) === 'Running', 60_000, 250);
    for (const k of KUBECTLS) {
      const attach = startKubectl(k.binary(), setup().cluster.kubeconfig, ['attach', 'ticker']);
      try {
        // Lines written after attaching: two in a row prove it follows rather than replays the log.
        const out = await attach.until((o) => (o.match(/^tick \d+$/gm) ?? []).length >= 2, 30_000);
        expect({ kubectl: k.label, lines: (out.match(/^tick \d+$/gm) ?? []).length >= 2 }).toEqual({ kubectl: k.label, lines: true });
        const first = Number(/^tick (\d+)$/m.exec(out)?.[1]);
        expect(first).toBeGreaterThan(1);
      } finally {
        attach.stop();
      }
    }
    await kubectl(['delete', 'pod', 'ticker', '--grace-period=1']);
  }, 240_000);

  it('kubectl port-forward reaches a pod port, and reports one nothing listens on', async () => {
    const [pod] = await pods('app=web');
    for (const k of KUBECTLS) {
      const forward = startKubectl(k.binary(), setup().cluster.kubeconfig, ['port-forward', `pod/${pod.metadata.name}`, ':8080', ':9']);
      try {
        const ready = /Forwarding from 127\.0\.0\.1:(\d+) -> 8080[\s\S]*Forwarding from 127\.0\.0\.1:(\d+) -> 9\b/;
        const out = await forward.until((o) => ready.test(o), 60_000);
        const [, open, closed] = ready.exec(out) ?? [];
        expect({ kubectl: k.label, forwarding: open !== undefined }).toEqual({ kubectl: k.label, forwarding: true });
        for (let i = 0; i < 3; i++) expect(await get('127.0.0.1', Number(open))).toBe(pod.metadata.name);
        await get('127.0.0.1', Number(closed)).catch(() => '');
        const after = await forward.until((o) => o.includes('connection refused'), 30_000);
        expect(after).toContain(`error forwarding port 9 to pod ${pod.metadata.name}, uid ${pod.metadata.uid}: failed to connect to ${pod.status!.podIP}:9`);
      } finally {
        forward.stop();
      }
    }
  }, 180_000);

  it('@kubernetes/client-node execs and port-forwards over WebSocket', async () => {
    const { Exec, KubeConfig, PortForward } = await import('@kubernetes/client-node');
    const [pod] = await pods('app=web');
    const file = new KubeConfig();
    file.loadFromFile(setup().cluster.kubeconfig);
    // This test cluster's apiserver is plain HTTP, which the client takes only with skipTLSVerify set.
    const kc = new KubeConfig();
    kc.loadFromOptions({ clusters: file.clusters.map((c) => ({ ...c, skipTLSVerify: true })), users: file.users, contexts: file.contexts, currentContext: file.currentContext });
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (d: Buffer) => (out += d.toString()));
    stderr.on('data', (d: Buffer) => (err += d.toString()));
    const status = await new Promise<{ status?: string; reason?: string; details?: unknown }>((resolve, reject) => {
      new Exec(kc).exec('default', pod.metadata.name, 'server', ['sh', '-c', 'read x; echo "got $x"; echo oops >&2; exit 6'], stdout, stderr, Readable.from(['from the client\n']), false, resolve).catch(reject);
    });
    expect(status).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '6' }] } });
    expect(out).toBe('got from the client\n');
    expect(err).toBe('oops\n');

    const forward = new PortForward(kc);
    const local = net.createServer((socket) => {
      void forward.portForward('default', pod.metadata.name, [8080], socket, null, socket).then((ws) => socket.once('close', () => (ws as { close(): void }).close()));
    });
    await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve));
    try {
      expect(await get('127.0.0.1', (local.address() as net.AddressInfo).port)).toBe(pod.metadata.name);
    } finally {
      local.close();
    }
  }, 120_000);

  it('restarts a container whose process is killed: restartCount + 1, and logs --previous shows the old attempt', async () => {
    const [victim] = await pods('app=web');
    const dir = join(agent!.rootDir, NODE, 'pods', victim.metadata.uid, 'server');
    const pgidFile = readdirSync(dir).filter((f) => f.endsWith('.pgid')).sort().at(-1)!;
    const pid = Number(readFileSync(join(dir, pgidFile), 'utf8').trim());
    process.kill(pid, 'SIGKILL');
    await eventually('restartCount 1 and ready again', async () => {
      const out = await kubectl(['get', 'pod', victim.metadata.name, '-o', 'jsonpath={.status.containerStatuses[0].restartCount} {.status.containerStatuses[0].ready}']);
      return out.trim() === '1 true';
    }, 90_000, 250);
    expect((await kubectl(['get', 'pod', victim.metadata.name])).split('\n')[1]).toMatch(/\s1\/1\s+Running\s+1\s/);
    expect(await kubectl(['logs', victim.metadata.name, '--previous'])).toContain(MARKER);
  });

  it('shows a crashing container in CrashLoopBackOff with growing delays, and its logs', async () => {
    await kubectl(['run', 'crash', '--image=busybox', '--restart=Always', '--', 'sh', '-c', 'echo crashing now; exit 3']);
    const messages = new Set<string>();
    await eventually('back-off 10s then 20s', async () => {
      const p = JSON.parse(await kubectl(['get', 'pod', 'crash', '-o', 'json'])) as Pod;
      seenUids.add(p.metadata.uid);
      const waiting = p.status?.containerStatuses?.[0]?.state.waiting;
      if (waiting?.reason === 'CrashLoopBackOff') messages.add(String(/back-off \d+s/.exec(waiting.message ?? '')?.[0]));
      return messages.has('back-off 20s');
    }, 150_000, 250);
    expect(messages.has('back-off 10s')).toBe(true);
    expect(await kubectl(['get', 'pod', 'crash'])).toMatch(/crash\s+0\/1\s+CrashLoopBackOff/);
    expect(await kubectl(['logs', 'crash', '--tail=1'])).toBe('crashing now\n');
    const events = await kubectl(['get', 'events', '--field-selector', 'involvedObject.name=crash']);
    expect(events).toContain('BackOff');
    expect(events).toContain('Started');
  }, 240_000);

  it('kubectl top shows figures for pods and the node', async () => {
    const names = (await pods('app=web')).map((p) => p.metadata.name);
    const top = await eventually('top pods lists the web pods', async () => {
      const r = await setup().cluster.kubectl(['top', 'pods', '-l', 'app=web']);
      return r.code === 0 && names.every((n) => new RegExp(`${n}\\s+\\d+m\\s+\\d+Mi`).test(r.stdout)) ? r.stdout : false;
    }, 60_000, 1_000);
    expect(top).toMatch(/NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
    expect(await kubectl(['top', 'node'])).toMatch(new RegExp(`${NODE}\\s+\\d+m\\s+\\d+%\\s+\\d+Mi\\s+\\d+%`));
  });

  it('an Ingress routes two hosts to two Services', async () => {
    await kubectl(['apply'], deployment('echo', 1));
    await kubectl(['apply'], INGRESS);
    const web = new Set((await pods('app=web')).map((p) => p.metadata.name));
    const echo = await eventually('echo ready', async () => {
      const list = await pods('app=echo');
      return list.length === 1 && list[0].status?.containerStatuses?.[0]?.ready === true ? list[0] : false;
    }, 120_000, 500);
    seenUids.add(echo.metadata.uid);
    const { host, port } = agent!.ingress!;
    await eventually('echo.example answered by the echo pod', async () => (await get(host, port, { host: 'echo.example' }).catch(() => '')) === echo.metadata.name, 60_000, 200);
    expect(web.has(await get(host, port, { host: 'web.example' }))).toBe(true);
  }, 240_000);

  it('deleting the workloads stops every process they started', async () => {
    for (const p of [...(await pods('app=web')), ...(await pods('app=echo'))]) seenUids.add(p.metadata.uid);
    expect(processesOf(seenUids).length).toBeGreaterThan(0);
    await kubectl(['delete', 'deployment', 'web', 'echo']);
    await kubectl(['delete', 'pod', 'crash']);
    await eventually('no pods left', async () => (await kubectl(['get', 'pods', '-o', 'name'])).trim() === '', 120_000, 500);
    await eventually('no process of those pods left', () => processesOf(seenUids).length === 0, 30_000, 200);
  }, 240_000);
});
