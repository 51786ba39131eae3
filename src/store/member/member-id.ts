// Member and cluster IDs exactly as etcd computes them, so the same flags give the same IDs as real etcd:
// member ID = first 8 bytes (big-endian) of sha1(sorted peer URLs joined with no separator + cluster token);
// cluster ID = first 8 bytes of sha1(the sorted member IDs, each as 8 big-endian bytes).
import { createHash } from 'node:crypto';

export function computeMemberId(peerUrls: readonly string[], clusterToken: string): bigint {
  const joined = [...peerUrls].sort().join('');
  const digest = createHash('sha1').update(joined + clusterToken, 'utf8').digest();
  return digest.readBigUInt64BE(0);
}

export function computeClusterId(memberIds: readonly bigint[]): bigint {
  const sorted = [...memberIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const bytes = Buffer.alloc(8 * sorted.length);
  sorted.forEach((id, i) => bytes.writeBigUInt64BE(id, 8 * i));
  return createHash('sha1').update(bytes).digest().readBigUInt64BE(0);
}
