import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { SupervisorClock } from './clock.ts';
import { Supervisor, type ChildLike, type ComponentSpec } from './supervisor.ts';

class FakeClock implements SupervisorClock {
  time = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 1;
  now(): number {
    return this.time;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.push({ at: this.time + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }
  /** Moves time forward, running what falls due in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = due.at;
      due.fn();
    }
    this.time = end;
  }
  pending(): number[] {
    return this.timers.map((t) => t.at - this.time);
  }
}

class FakeChild extends EventEmitter implements ChildLike {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly signals: NodeJS.Signals[] = [];
  constructor(
    readonly pid: number,
    private readonly obeysSigterm = true,
  ) {
    super();
  }
  kill(signal: NodeJS.Signals): boolean {
    this.signals.push(signal);
    if (signal === 'SIGTERM' && this.obeysSigterm) this.die(0, null);
    return true;
  }
  die(code: number | null, signal: NodeJS.Signals | null): void {
    this.stdout.end();
    this.stderr.end();
    this.emit('exit', code, signal);
  }
}

const flush = async (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Supervisor', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function setup(obeysSigterm = true): { sup: Supervisor; clock: FakeClock; children: FakeChild[]; groupKills: number[]; spec: (name: string) => ComponentSpec } {
    dir = mkdtempSync(join(tmpdir(), 'barque-supervisor-'));
    const clock = new FakeClock();
    const children: FakeChild[] = [];
    const groupKills: number[] = [];
    const sup = new Supervisor({
      logDir: dir,
      statusFile: join(dir, 'status.json'),
      clock,
      stopTimeoutMs: 5000,
      killGroup: (pid) => groupKills.push(pid),
      spawn: () => {
        const c = new FakeChild(1000 + children.length, obeysSigterm);
        children.push(c);
        return c;
      },
    });
    const spec = (name: string): ComponentSpec => ({ name, command: 'x', args: [], ready: { line: /^ready$/ } });
    return { sup, clock, children, groupKills, spec };
  }

  it('restarts a crashing component with exponential back-off and resets it after a healthy minute', async () => {
    const { sup, clock, children, spec } = setup();
    const started = sup.start(spec('cm'));
    children[0].stdout.write('ready\n');
    await started;
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      children[children.length - 1].die(null, 'SIGKILL');
      delays.push(...clock.pending());
      clock.advance(clock.pending()[0]);
      expect(children).toHaveLength(i + 2);
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000]);
    clock.advance(60_000);
    children[children.length - 1].die(1, null);
    expect(clock.pending()).toEqual([1000]);
    expect(sup.status()[0]).toMatchObject({ name: 'cm', state: 'backoff', restarts: 6, lastExit: 'exit 1' });
    const status = JSON.parse(readFileSync(join(dir, 'status.json'), 'utf8')) as { components: { restarts: number }[] };
    expect(status.components[0].restarts).toBe(6);
    await sup.stopAll();
    expect(clock.pending()).toEqual([]);
  });

  it('stops in reverse start order, SIGKILLs what ignores SIGTERM, and restarts nothing while stopping', async () => {
    const { sup, clock, children, groupKills, spec } = setup(false);
    for (const name of ['a', 'b']) {
      const p = sup.start(spec(name));
      children[children.length - 1].stdout.write('ready\n');
      await p;
    }
    const order: number[] = [];
    for (const c of children) c.on('exit', () => order.push(c.pid));
    const stopping = sup.stopAll();
    await flush();
    expect(children[1].signals).toEqual(['SIGTERM']);
    expect(children[0].signals).toEqual([]);
    clock.advance(5000); // the bound passes: SIGKILL to b's process group
    expect(groupKills).toEqual([1001]);
    children[1].die(null, 'SIGKILL');
    await flush();
    expect(children[0].signals).toEqual(['SIGTERM']);
    children[0].die(0, null);
    await stopping;
    expect(order).toEqual([1001, 1000]);
    // After each exit, the group once more: what the component left behind goes too.
    expect(groupKills).toEqual([1001, 1001, 1000]);
    expect(sup.status().map((s) => s.state)).toEqual(['stopped', 'stopped']);
    expect(clock.pending()).toEqual([]);
    expect(children).toHaveLength(2);
  });

  it('writes non-JSON output as JSON lines with the time it arrived', async () => {
    const { sup, clock, children, spec } = setup();
    clock.time = 1_700_000_000_000;
    const p = sup.start(spec('x'));
    children[0].stdout.write('ready\n');
    children[0].stderr.write('{"level":40,"time":5,"msg":"already json"}\n');
    await p;
    await sup.stopAll();
    const lines = readFileSync(join(dir, 'x.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toContainEqual({ level: 30, time: 1_700_000_000_000, name: 'x', stream: 'stdout', msg: 'ready' });
    expect(lines).toContainEqual({ level: 40, time: 5, msg: 'already json' });
    expect(lines.some((l) => l.name === 'supervisor' && l.msg === 'started')).toBe(true);
  });
});
