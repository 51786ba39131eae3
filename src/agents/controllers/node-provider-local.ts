// NodeProvider: where the controller-manager learns whether the machine behind a Node still exists (a cloud's
// instance API upstream). The local provider reads a directory with one file per machine, named after the node:
// the machine exists while its file does and, when the file holds a process id, while that process is alive.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeObject } from '../../apiserver/index.ts';

export interface NodeProvider {
  instanceExists(node: KubeObject): Promise<boolean>;
  describe(): string;
}

export class MachineDirectoryProvider implements NodeProvider {
  constructor(readonly dir: string) {}

  describe(): string {
    return `machine directory ${this.dir}`;
  }

  async instanceExists(node: KubeObject): Promise<boolean> {
    const name = node.metadata?.name ?? '';
    if (name === '' || name.includes('/') || name.startsWith('.')) return false;
    let content: string;
    try {
      content = (await readFile(join(this.dir, name), 'utf8')).trim();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    if (!/^\d+$/.test(content)) return true;
    return processAlive(Number(content));
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
