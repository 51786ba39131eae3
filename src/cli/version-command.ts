import { readFileSync } from 'node:fs';

/** barque's own version, from package.json. */
export function barqueVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export async function run(_argv: string[]): Promise<number> {
  process.stdout.write(`barque ${barqueVersion()}\n`);
  return 0;
}
