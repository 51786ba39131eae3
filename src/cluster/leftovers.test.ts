import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killLeftovers } from './leftovers.ts';

describe('killLeftovers', () => {
  const children: ChildProcess[] = [];
  let dir = '';
  afterEach(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  /** A process whose command line looks like `bin/barque <name>`, in its own group as the supervisor starts them. */
  function fakeComponent(name: string, detached = true): ChildProcess {
    const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', '/somewhere/bin/barque', name], { detached, stdio: 'ignore' });
    children.push(c);
    return c;
  }

  it('ends the groups of components a killed `up` left, and nothing else', async () => {
    dir = mkdtempSync(join(tmpdir(), 'barque-leftovers-'));
    const etcd = fakeComponent('etcd');
    const other = fakeComponent('scheduler');
    const notLeader = fakeComponent('apiserver', false);
    const exited = new Promise((resolve) => etcd.once('exit', resolve));
    const status = { components: [
      { name: 'etcd', pid: etcd.pid },
      { name: 'controller-manager', pid: other.pid }, // the pid now runs something else
      { name: 'apiserver', pid: notLeader.pid }, // not a group leader: never a supervised component
      { name: 'agent', pid: null },
    ] };
    writeFileSync(join(dir, 'status.json'), JSON.stringify(status));
    // Until the children have exec'd, /proc shows the parent's command line: wait for theirs.
    const execd = (c: ChildProcess): boolean => readFileSync(`/proc/${c.pid}/cmdline`, 'utf8').includes('/somewhere/bin/barque');
    const deadline = Date.now() + 10_000;
    while (![etcd, other, notLeader].every(execd) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect([etcd, other, notLeader].every(execd)).toBe(true);
    expect(killLeftovers(join(dir, 'status.json'))).toEqual(['etcd']);
    await exited;
    expect(other.exitCode).toBeNull();
    expect(notLeader.exitCode).toBeNull();
    expect(killLeftovers(join(dir, 'missing.json'))).toEqual([]);
  });
});
