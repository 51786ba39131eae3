// The last step of most reconciles: write the computed status when it differs from the object's.
import type { KubeObject } from '../../../apiserver/index.ts';
import { isNotFound } from '../../client/errors.ts';
import { jsonEqual } from './hash.ts';

/** What writeStatusIfChanged needs of a resource client. */
export interface StatusWriter {
  updateStatus(namespace: string, name: string, object: never): Promise<unknown>;
}

/**
 * Writes `status` into `obj`'s status subresource unless `same(obj.status, status)` (by default JSON equality,
 * key order ignored, a missing status counting as {}). An object deleted meanwhile is no error: its delete event
 * ends the work. Any other failure (a conflict included) is thrown, so the key is retried. Returns whether it wrote.
 */
export async function writeStatusIfChanged<S>(
  client: StatusWriter,
  obj: KubeObject,
  status: S,
  same: (current: unknown, next: S) => boolean = (current, next) => jsonEqual(current ?? {}, next),
): Promise<boolean> {
  if (same(obj.status, status)) return false;
  const meta = obj.metadata ?? {};
  try {
    await client.updateStatus(meta.namespace ?? '', meta.name ?? '', { ...obj, status } as never);
    return true;
  } catch (err) {
    if (!isNotFound(err)) throw err;
    return false;
  }
}
