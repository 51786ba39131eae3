import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AttachHub } from './attach-hub.ts';

function container(stdinOnce: boolean) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let exit!: () => void;
  const exited = new Promise<void>((resolve) => (exit = resolve));
  return { stdin, stdout, stderr, exit, hub: new AttachHub(stdin, stdout, stderr, stdinOnce, exited) };
}

const collect = (s: NodeJS.ReadableStream): Promise<string> =>
  new Promise((resolve) => {
    let text = '';
    s.on('data', (c: Buffer) => (text += c.toString()));
    s.on('end', () => resolve(text));
  });

describe('AttachHub', () => {
  it('copies output written after attaching to every client until the container ends', async () => {
    const c = container(false);
    c.stdout.write('before\n');
    const a = c.hub.attach(false);
    const b = c.hub.attach(false);
    const [outA, outB, errA] = [collect(a.stdout), collect(b.stdout), collect(a.stderr)];
    c.stdout.write('after\n');
    c.stderr.write('oops\n');
    c.exit();
    expect(await outA).toBe('after\n');
    expect(await outB).toBe('after\n');
    expect(await errA).toBe('oops\n');
    expect(await a.exited).toBe(0);
  });

  it('detaches one client without touching the container or the others', async () => {
    const c = container(false);
    const a = c.hub.attach(false);
    const b = c.hub.attach(false);
    const outB = collect(b.stdout);
    a.kill();
    expect(await a.exited).toBe(0);
    c.stdout.write('still\n');
    c.exit();
    expect(await outB).toBe('still\n');
  });

  it('closes the container input when the first client ends its own, with stdinOnce only', async () => {
    for (const stdinOnce of [true, false]) {
      const c = container(stdinOnce);
      let ended = false;
      c.stdin.on('end', () => (ended = true));
      const read = new Promise<string>((resolve) => {
        let text = '';
        c.stdin.on('data', (d: Buffer) => {
          text += d.toString();
          if (text.endsWith('\n')) resolve(text);
        });
      });
      const a = c.hub.attach(true);
      a.stdin!.end('typed\n');
      expect(await read).toBe('typed\n');
      await new Promise((r) => setImmediate(r));
      expect({ stdinOnce, ended }).toEqual({ stdinOnce, ended: stdinOnce });
      expect(c.hub.attach(true).stdin === undefined).toBe(stdinOnce);
    }
  });
});
