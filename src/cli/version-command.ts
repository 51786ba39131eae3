import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../common/repo-root.ts';

/** barque's own version, from package.json. */
export function barqueVersion(): string {
  return (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

export async function run(_argv: string[]): Promise<number> {
  process.stdout.write(`barque ${barqueVersion()}\n`);
  return 0;
}
