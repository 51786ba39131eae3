// Certificates on disk: `<name>.crt` and `<name>.key` (the key readable by its owner only), and back.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { KeyPair } from './certificates.ts';

export interface PemFiles {
  certFile: string;
  keyFile: string;
}

export function pemFilesIn(dir: string, name: string): PemFiles {
  return { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
}

export function writePemFiles(dir: string, name: string, pair: KeyPair): PemFiles {
  return writePemPair(pemFilesIn(dir, name), pair);
}

/** Writes the pair to the given paths (etcd's own names, e.g. cert.pem/key.pem), making their folder private. */
export function writePemPair(files: PemFiles, pair: KeyPair): PemFiles {
  mkdirSync(dirname(files.certFile), { recursive: true, mode: 0o700 });
  mkdirSync(dirname(files.keyFile), { recursive: true, mode: 0o700 });
  writeFileSync(files.certFile, pair.certPem, { mode: 0o644 });
  writeFileSync(files.keyFile, pair.keyPem, { mode: 0o600 });
  return files;
}

export function readPemFiles(files: PemFiles): KeyPair {
  return { certPem: readFileSync(files.certFile, 'utf8'), keyPem: readFileSync(files.keyFile, 'utf8') };
}

/** Reads `<name>.crt/.key` from `dir`, or makes them with `make` and writes them first (a restart reuses them). */
export function loadOrCreate(dir: string, name: string, make: () => KeyPair): KeyPair {
  return loadOrCreateFiles(pemFilesIn(dir, name), make);
}

/** loadOrCreate for explicit paths. */
export function loadOrCreateFiles(files: PemFiles, make: () => KeyPair): KeyPair {
  if (existsSync(files.certFile) && existsSync(files.keyFile)) return readPemFiles(files);
  const pair = make();
  writePemPair(files, pair);
  return pair;
}
