// Paths to the reference implementations fetched by scripts/fetch-reference.sh (etcd 3.4, etcdctl 3.4, kubectl
// 1.20 and etcd's .proto tree). Tests that compare barque with the real thing call these; when the cache is missing
// they throw, so the test fails loudly instead of quietly skipping the comparison.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../common/repo-root.ts';

export type ReferenceBinaryName = 'etcd' | 'etcdctl' | 'kubectl';


/** Same override as the fetch script, for running against a cache kept elsewhere. */
export function referenceDir(): string {
  return process.env.BARQUE_REFERENCE_DIR ?? join(REPO_ROOT, '.cache', 'reference');
}

export class ReferenceMissingError extends Error {
  constructor(what: string, path: string) {
    super(
      `reference ${what} not found at ${path}.\n` +
        `Fix: run \`npm run fetch-reference\` (scripts/fetch-reference.sh) in ${REPO_ROOT}; it downloads Debian's ` +
        `etcd 3.4, etcdctl 3.4, kubectl 1.20 and etcd's .proto files into .cache/reference/.`,
    );
    this.name = 'ReferenceMissingError';
  }
}

/** Absolute path of a reference executable; throws ReferenceMissingError when it has not been fetched. */
export function referenceBinary(name: ReferenceBinaryName): string {
  const path = join(referenceDir(), 'bin', name);
  if (!existsSync(path)) throw new ReferenceMissingError(`binary '${name}'`, path);
  return path;
}

/**
 * Root of etcd 3.4's .proto tree, laid out so that its own imports resolve ("etcd/mvcc/mvccpb/kv.proto", ...).
 * Throws ReferenceMissingError when it has not been fetched.
 */
export function referenceProtoDir(): string {
  const root = join(referenceDir(), 'proto');
  const probe = join(root, 'etcd', 'etcdserver', 'etcdserverpb', 'rpc.proto');
  if (!existsSync(probe)) throw new ReferenceMissingError('etcd .proto tree', probe);
  return root;
}
