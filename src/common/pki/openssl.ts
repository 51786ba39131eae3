// Runs the system's `openssl` in a private scratch folder: every key and certificate barque issues is made by
// OpenSSL itself, never by crypto code of ours. Inputs go in as files, outputs come back as PEM text.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const OPENSSL_TIMEOUT_MS = 30_000;

export class OpensslError extends Error {
  constructor(args: readonly string[], cause: unknown) {
    const stderr = (cause as { stderr?: Buffer }).stderr?.toString().trim() ?? '';
    super(`openssl ${args[0] ?? ''} failed${stderr === '' ? `: ${String(cause)}` : `: ${stderr}`}`, { cause });
    this.name = 'OpensslError';
  }
}

/** A scratch folder for one issuing step: write inputs, run openssl there, read outputs, and it is removed. */
export function withScratch<T>(work: (scratch: Scratch) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'barque-pki-'));
  try {
    return work(new Scratch(dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export class Scratch {
  constructor(readonly dir: string) {}

  path(name: string): string {
    return join(this.dir, name);
  }

  write(name: string, text: string): string {
    const path = this.path(name);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  }

  read(name: string): string {
    return readFileSync(this.path(name), 'utf8');
  }

  openssl(args: readonly string[]): void {
    try {
      execFileSync('openssl', args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'], timeout: OPENSSL_TIMEOUT_MS });
    } catch (err) {
      throw new OpensslError(args, err);
    }
  }
}
