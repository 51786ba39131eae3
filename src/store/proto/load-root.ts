// Parse .proto files into one protobufjs reflection Root, following imports below an include root.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';

export interface LoadRootOptions {
  /** Imports to leave unresolved (option-only files such as gogoproto's); their options are kept as plain data. */
  ignoreImports?: readonly string[];
}

/**
 * Field names are kept exactly as written (keepCase): etcd mixes `TTL`, `peerURLs` and `range_end`, and the JS
 * objects use the same spelling as the wire schema so nothing needs renaming.
 */
export function loadProtoRoot(includeRoot: string, files: readonly string[], options: LoadRootOptions = {}): protobuf.Root {
  const root = new protobuf.Root();
  const ignored = new Set(options.ignoreImports ?? []);
  const seen = new Set<string>();
  const pending = [...files];
  while (pending.length > 0) {
    const file = pending.shift() as string;
    if (seen.has(file) || ignored.has(file)) continue;
    seen.add(file);
    let source: string;
    try {
      source = readFileSync(join(includeRoot, file), 'utf8');
    } catch (cause) {
      throw new Error(`cannot read ${file} under ${includeRoot}`, { cause });
    }
    const parsed = protobuf.parse(source, root, { keepCase: true });
    pending.push(...(parsed.imports ?? []), ...(parsed.weakImports ?? []));
  }
  root.resolveAll();
  return root;
}
