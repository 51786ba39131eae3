// Whether build/ (the JavaScript `npm run build` compiles from src/ and bench/) may run in place of the sources:
// only when it was finished after every source file's last change. Anything edited, checked out or pulled since
// makes it stale, and bin/barque then runs the TypeScript sources through tsx instead, so stale code never runs.
// Plain JavaScript: it runs before any TypeScript loader is registered.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Written by scripts/build.mjs once the compiler has finished. */
export const STAMP = join('build', '.stamp');
/** What the build is compiled from. */
export const SOURCES = ['src', 'bench', 'tsconfig.json', 'tsconfig.build.json'];

/** Written at run time under the sources, not compiled: never makes the build stale. */
const NOT_SOURCES = new Set([join('bench', 'results')]);

/** The newest modification time (ms) among `paths` (files or folders, walked; folders count too, so a file
 * added or removed shows), relative to root. */
export function newestMtimeMs(root, paths = SOURCES) {
  let newest = 0;
  const visit = (relative) => {
    if (NOT_SOURCES.has(relative)) return;
    const full = join(root, relative);
    const stat = statSync(full, { throwIfNoEntry: false });
    if (stat === undefined) return;
    newest = Math.max(newest, stat.mtimeMs);
    if (stat.isDirectory()) for (const name of readdirSync(full)) visit(join(relative, name));
  };
  for (const path of paths) visit(path);
  return newest;
}

/** True when build/ holds a finished build at least as new as every source. */
export function isBuildFresh(root) {
  const stamp = statSync(join(root, STAMP), { throwIfNoEntry: false });
  return stamp !== undefined && stamp.mtimeMs >= newestMtimeMs(root);
}
