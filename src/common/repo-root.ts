// The checkout's root (the folder holding package.json, proto/ and bin/), found from this module's own location:
// the same answer whether the code runs from src/ through tsx or compiled into build/src/ (`npm run build`).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}

export const REPO_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

/** The CLI every spawner starts: it picks the compiled build when fresh, else the sources (bin/barque). */
export const BARQUE_BIN = join(REPO_ROOT, 'bin', 'barque');
