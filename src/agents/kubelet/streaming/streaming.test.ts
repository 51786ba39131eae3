// The kubelet's streaming endpoints against a client speaking as kubectl's spdystream does, over a runtime whose
// exec sessions the test drives: the protocol (streams, statuses, refusals) rather than any container.
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { silentLogger } from '../../../common/logger.ts';
import { SpdyTestClient } from '../../../common/spdy/testing.ts';
import { KubeletServer } from '../kubelet-server.ts';
import { RuntimeError, type ExecSession, type ExecStreamOptions, type Runtime } from '../runtime/index.ts';
import type { SummaryProvider } from '../stats-summary.ts';

interface Scripted {
  command: string[];
  options: ExecStreamOptions;
  stdin: PassThrough;
  stdout: PassThrough;
  stderr: PassThrough;
  exit(code: number): void;
  killed: boolean;
}

const started: Scripted[] = [];
let echo: net.Server;
let echoPort = 0;
let server: KubeletServer;
let port = 0;

const runtime = {
  podStatus: () => ({ uid: 'uid-1', podIP: '127.0.0.1', phase: 'Running', containers: [] }),
  async execStream(_uid: string, container: string, command: string[], options: ExecStreamOptions): Promise<ExecSession> {
    if (container !== 'main') throw new RuntimeError('BadRequest', `container ${container} is not valid for pod web`);
    if (command[0] === 'missing') throw new RuntimeError('Internal', 'error executing command in container: exec: "missing": executable file not found in $PATH');
    let exit!: (code: number) => void;
    const exited = new Promise<number>((resolve) => (exit = resolve));
    const s: Scripted = { command, options, stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), exit, killed: false };
    started.push(s);
    const kill = (): void => {
      s.killed = true;
      s.stdout.end();
      s.stderr.end();
      exit(137);
    };
    return { stdin: options.stdin ? s.stdin : undefined, stdout: s.stdout, stderr: s.stderr, exited, kill };
  },
} as unknown as Runtime;

beforeAll(async () => {
  echo = net.createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  echoPort = (echo.address() as net.AddressInfo).port;
  server = new KubeletServer({ host: '127.0.0.1', port: 0, runtime, summary: {} as SummaryProvider, uidOf: (ns, name) => (ns === 'default' && name === 'web' ? 'uid-1' : undefined), logger: silentLogger() });
  port = await server.start();
});

afterAll(async () => {
  await server.close();
  echo.close();
});

const SPDY = { Connection: 'Upgrade', Upgrade: 'SPDY/3.1' };

async function execSession(query: string, protocols = ['v4.channel.k8s.io', 'v3.channel.k8s.io']): Promise<SpdyTestClient> {
  const r = await SpdyTestClient.upgrade('127.0.0.1', port, `/exec/default/web/main?${query}`, { ...SPDY, 'X-Stream-Protocol-Version': protocols });
  expect(r.head).toContain('X-Stream-Protocol-Version: v4.channel.k8s.io');
  return r.client!;
}

async function nextStarted(): Promise<Scripted> {
  for (let i = 0; i < 200 && started.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  return started.shift()!;
}

describe('kubelet exec over SPDY (v4.channel.k8s.io)', () => {
  it('runs once the client opened its streams, copies output, and ends with the exit code as a Status', async () => {
    const client = await execSession('command=sh&command=-c&command=x&output=1&error=1');
    await client.open(1, { streamType: 'error' });
    await client.open(3, { streamType: 'stdout' });
    await client.open(5, { streamType: 'stderr' });
    const run = await nextStarted();
    expect(run.command).toEqual(['sh', '-c', 'x']);
    expect(run.options).toEqual({ stdin: false, tty: false });
    run.stdout.end('out\n');
    run.stderr.end('err\n');
    run.exit(3);
    expect(await client.readToEnd(3)).toBe('out\n');
    expect(await client.readToEnd(5)).toBe('err\n');
    expect(JSON.parse(await client.readToEnd(1))).toEqual({
      metadata: {},
      status: 'Failure',
      message: 'command terminated with non-zero exit code: error executing command [sh -c x], exit code 3',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
    client.close();
  });

  it('passes stdin through to its end, and a TTY gets one output stream and a resize stream', async () => {
    const client = await execSession('command=cat&input=1&output=1&error=1&tty=1');
    await client.open(1, { streamType: 'error' });
    await client.open(3, { streamType: 'stdin' });
    await client.open(5, { streamType: 'stdout' });
    await client.open(7, { streamType: 'resize' });
    const run = await nextStarted();
    expect(run.options).toEqual({ stdin: true, tty: true });
    client.send(7, '{"Width":80,"Height":24}');
    client.send(3, 'typed', true);
    let typed = '';
    for await (const c of run.stdin) typed += String(c);
    expect(typed).toBe('typed');
    run.stdout.end('shown ');
    run.stderr.end('and stderr too');
    run.exit(0);
    expect(await client.readToEnd(5)).toBe('shown and stderr too');
    expect(JSON.parse(await client.readToEnd(1))).toEqual({ metadata: {}, status: 'Success' });
    client.close();
  });

  it('reports a command that cannot start as an internal error', async () => {
    const client = await execSession('command=missing&output=1');
    await client.open(1, { streamType: 'error' });
    await client.open(3, { streamType: 'stdout' });
    const status = JSON.parse(await client.readToEnd(1)) as { message: string; reason: string; code: number };
    expect(status).toMatchObject({ status: 'Failure', reason: 'InternalError', code: 500 });
    expect(status.message).toBe('Internal error occurred: error executing command in container: exec: "missing": executable file not found in $PATH');
    client.close();
  });

  it('kills the command when the client goes away', async () => {
    const client = await execSession('command=sleep&output=1');
    await client.open(1, { streamType: 'error' });
    await client.open(3, { streamType: 'stdout' });
    const run = await nextStarted();
    expect(run.killed).toBe(false);
    client.close();
    for (let i = 0; i < 500 && !run.killed; i++) await new Promise((r) => setTimeout(r, 10));
    expect(run.killed).toBe(true);
  });

  it("refuses what the kubelet refuses, with its texts", async () => {
    const none = await SpdyTestClient.upgrade('127.0.0.1', port, '/exec/default/web/main?command=true', { ...SPDY, 'X-Stream-Protocol-Version': 'v4.channel.k8s.io' });
    expect(none.head).toMatch(/^HTTP\/1.1 400 /);
    expect(none.body).toBe('you must specify at least 1 of stdin, stdout, stderr\n');
    const old = await SpdyTestClient.upgrade('127.0.0.1', port, '/exec/default/web/main?command=true&output=1', { ...SPDY, 'X-Stream-Protocol-Version': ['v2.channel.k8s.io', 'channel.k8s.io'] });
    expect(old.head).toMatch(/^HTTP\/1.1 403 /);
    expect(old.body).toBe('unable to upgrade: unable to negotiate protocol: client supports [v2.channel.k8s.io channel.k8s.io], server accepts [v4.channel.k8s.io]\n');
    const gone = await SpdyTestClient.upgrade('127.0.0.1', port, '/exec/default/nothere/main?command=true&output=1', SPDY);
    expect(gone.head).toMatch(/^HTTP\/1.1 404 /);
  });
});

describe('kubelet port-forward over SPDY (portforward.k8s.io)', () => {
  async function forwardSession(): Promise<SpdyTestClient> {
    const r = await SpdyTestClient.upgrade('127.0.0.1', port, '/portForward/default/web', { ...SPDY, 'X-Stream-Protocol-Version': 'portforward.k8s.io' });
    expect(r.head).toContain('X-Stream-Protocol-Version: portforward.k8s.io');
    return r.client!;
  }

  it('pairs error and data streams by requestID and copies both ways to the pod port', async () => {
    const client = await forwardSession();
    for (const requestID of ['0', '1']) {
      const [errorId, dataId] = requestID === '0' ? [1, 3] : [5, 7];
      await client.open(errorId, { streamType: 'error', port: String(echoPort), requestID });
      await client.open(dataId, { streamType: 'data', port: String(echoPort), requestID });
      client.send(dataId, `ping ${requestID}`);
      expect((await client.next('data', dataId)).data.toString()).toBe(`ping ${requestID}`);
      client.send(dataId, '', true);
      expect(await client.readToEnd(dataId)).toBe('');
      expect(await client.readToEnd(errorId)).toBe('');
    }
    client.close();
  });

  it('reports a refused connection on the error stream and keeps the session', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const client = await forwardSession();
    await client.open(1, { streamType: 'error', port: String(deadPort), requestID: '0' });
    await client.open(3, { streamType: 'data', port: String(deadPort), requestID: '0' });
    expect(await client.readToEnd(1)).toBe(`error forwarding port ${deadPort} to pod web, uid uid-1: failed to connect to 127.0.0.1:${deadPort}: dial tcp4 127.0.0.1:${deadPort}: connect: connection refused`);
    await client.open(5, { streamType: 'error', port: String(echoPort), requestID: '1' });
    await client.open(7, { streamType: 'data', port: String(echoPort), requestID: '1' });
    client.send(7, 'still here');
    expect((await client.next('data', 7)).data.toString()).toBe('still here');
    client.close();
  });
});

/** A WebSocket client of the kubelet: every message as [channel, text]. */
async function wsConnect(path: string, protocols: string[]): Promise<{ ws: WebSocket; messages: Array<[number, string]>; closed: Promise<void>; protocol: string }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, protocols);
  const messages: Array<[number, string]> = [];
  ws.on('message', (data: Buffer) => messages.push([data[0], data.subarray(1).toString()]));
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused with ${res.statusCode}`)));
    ws.once('error', reject);
  });
  return { ws, messages, closed, protocol: ws.protocol };
}

const send = (ws: WebSocket, channel: number, data: string | number[]): void => ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(data as string)]));

describe('kubelet exec, attach and port-forward over WebSocket (channel.k8s.io)', () => {
  it('speaks v5: an empty message on stdout first, data by channel, stdin closed by a close message, the Status on channel 3', async () => {
    const c = await wsConnect('/exec/default/web/main?command=cat&input=1&output=1&error=1', ['v5.channel.k8s.io', 'v4.channel.k8s.io']);
    expect(c.protocol).toBe('v5.channel.k8s.io');
    const run = await nextStarted();
    expect(run.options).toEqual({ stdin: true, tty: false });
    send(c.ws, 0, 'typed');
    c.ws.send(Buffer.from([255, 0]));
    let typed = '';
    for await (const chunk of run.stdin) typed += String(chunk);
    expect(typed).toBe('typed');
    run.stdout.end('out');
    run.stderr.end('err');
    run.exit(2);
    await c.closed;
    expect(c.messages[0]).toEqual([1, '']);
    expect(c.messages.filter(([ch]) => ch === 1).map(([, t]) => t).join('')).toBe('out');
    expect(c.messages.filter(([ch]) => ch === 2).map(([, t]) => t).join('')).toBe('err');
    const status = JSON.parse(c.messages.find(([ch]) => ch === 3)![1]) as { reason: string; details: unknown };
    expect(status.reason).toBe('NonZeroExitCode');
    expect(status.details).toEqual({ causes: [{ reason: 'ExitCode', message: '2' }] });
  });

  it('speaks v4 as @kubernetes/client-node offers it, and refuses a client with no protocol it speaks', async () => {
    const c = await wsConnect('/exec/default/web/main?command=true&output=1', ['v4.channel.k8s.io', 'v3.channel.k8s.io']);
    expect(c.protocol).toBe('v4.channel.k8s.io');
    const run = await nextStarted();
    run.stdout.end();
    run.stderr.end();
    run.exit(0);
    await c.closed;
    expect(JSON.parse(c.messages.find(([ch]) => ch === 3)![1])).toEqual({ metadata: {}, status: 'Success' });
    await expect(wsConnect('/exec/default/web/main?command=true&output=1', ['v2.channel.k8s.io'])).rejects.toThrow('refused with 400');
  });

  it('forwards ports named in the call: each channel starts with its port, data on 2i, errors on 2i + 1', async () => {
    const c = await wsConnect(`/portForward/default/web?port=${echoPort}`, ['v4.channel.k8s.io']);
    for (let i = 0; i < 50 && c.messages.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    const portBytes = Buffer.alloc(2);
    portBytes.writeUInt16LE(echoPort);
    expect(c.messages.slice(0, 2)).toEqual([[0, portBytes.toString()], [1, portBytes.toString()]]);
    send(c.ws, 0, 'round trip');
    for (let i = 0; i < 100 && !c.messages.some(([ch, t]) => ch === 0 && t === 'round trip'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(c.messages).toContainEqual([0, 'round trip']);
    c.ws.close();
    // kubectl's tunnelled SPDY over WebSocket is refused, so that it falls back to plain SPDY.
    const tunnel = await SpdyTestClient.upgrade('127.0.0.1', port, `/portForward/default/web?port=${echoPort}`, { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Protocol': 'SPDY/3.1+portforward.k8s.io' }, 'GET');
    expect(tunnel.head).toMatch(/^HTTP\/1.1 400 /);
    expect(tunnel.body).toBe('unable to upgrade: requested protocol(s) are not supported: [SPDY/3.1+portforward.k8s.io]; supports [v4.channel.k8s.io]\n');
    await expect(wsConnect('/portForward/default/web', ['v4.channel.k8s.io'])).rejects.toThrow('refused with 400');
  });
});
