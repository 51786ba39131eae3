// The etcdctl 3.4 script of the differential suite: one history, run in this order against etcd and barque.
// Expected outputs are never written here: real etcd 3.4 run in the same test is the oracle.
//
// The history is built so revisions are meaningful: each write adds one revision, the compaction lands in the
// middle, and the watches replay a finished stretch of history from a fixed revision.
import { txnScript, type Invocation } from './invocation.ts';

const WATCH_TIMEOUT_MS = 8_000;

export const ETCDCTL_SCRIPT: readonly Invocation[] = [
  // --- an empty store (revision 1)
  { id: 'get-empty', args: ['get', '', '--prefix'] },
  { id: 'get-empty-json', args: ['get', '', '--prefix', '-w', 'json'] },
  { id: 'alarm-list-empty', args: ['alarm', 'list'] },

  // --- puts (revisions 2..8)
  { id: 'put-a1', args: ['put', '/a/1', 'v1'] },
  { id: 'put-a2', args: ['put', '/a/2', 'v2'] },
  { id: 'put-a3-json', args: ['put', '/a/3', 'v3', '-w', 'json'] },
  { id: 'put-b1', args: ['put', '/b/1', 'w1'] },
  { id: 'put-a1-prev-kv', args: ['put', '/a/1', 'v1b', '--prev-kv'] },
  { id: 'put-a1-prev-kv-json', args: ['put', '/a/1', 'v1c', '--prev-kv', '-w', 'json'] },
  { id: 'put-c-fields', args: ['put', '/c', 'zz', '-w', 'fields'] },
  { id: 'hashkv-early', args: ['endpoint', 'hashkv'] },
  { id: 'hashkv-early-json', args: ['endpoint', 'hashkv', '-w', 'json'] },

  // --- get, with every option
  { id: 'get-one', args: ['get', '/a/1'] },
  { id: 'get-one-json', args: ['get', '/a/1', '-w', 'json'] },
  { id: 'get-one-fields', args: ['get', '/a/1', '-w', 'fields'] },
  { id: 'get-one-hex', args: ['get', '/a/1', '--hex'] },
  { id: 'get-one-table', args: ['get', '/a/1', '-w', 'table'] },
  { id: 'get-range-end', args: ['get', '/a/1', '/a/3'] },
  { id: 'get-prefix', args: ['get', '/a', '--prefix'] },
  { id: 'get-prefix-limit', args: ['get', '/a', '--prefix', '--limit=2'] },
  { id: 'get-prefix-limit-json', args: ['get', '/a', '--prefix', '--limit=2', '-w', 'json'] },
  { id: 'get-from-key', args: ['get', '/a/2', '--from-key'] },
  { id: 'get-from-key-keys-only', args: ['get', '/a/2', '--from-key', '--keys-only'] },
  { id: 'get-all-sort-modify-desc', args: ['get', '', '--prefix', '--sort-by=MODIFY', '--order=DESCEND'] },
  { id: 'get-sort-value-asc', args: ['get', '/a', '--prefix', '--sort-by=VALUE', '--order=ASCEND'] },
  { id: 'get-sort-create-desc-json', args: ['get', '/a', '--prefix', '--sort-by=CREATE', '--order=DESCEND', '-w', 'json'] },
  { id: 'get-sort-version', args: ['get', '/a', '--prefix', '--sort-by=VERSION'] },
  { id: 'get-sort-key-desc-limit', args: ['get', '', '--from-key', '--sort-by=KEY', '--order=DESCEND', '--limit=3'] },
  { id: 'get-count-only', args: ['get', '/a', '--prefix', '--count-only'] },
  { id: 'get-keys-only', args: ['get', '/a', '--prefix', '--keys-only'] },
  { id: 'get-keys-only-json', args: ['get', '/a', '--prefix', '--keys-only', '-w', 'json'] },
  { id: 'get-print-value-only', args: ['get', '/a', '--prefix', '--print-value-only'] },
  { id: 'get-serializable', args: ['get', '/a', '--prefix', '--consistency=s'] },
  { id: 'get-rev-2', args: ['get', '/a/1', '--rev=2'] },
  { id: 'get-rev-6-prefix-json', args: ['get', '/a', '--prefix', '--rev=6', '-w', 'json'] },
  { id: 'get-missing', args: ['get', '/nope'] },
  { id: 'get-missing-json', args: ['get', '/nope', '-w', 'json'] },
  { id: 'get-future-rev', args: ['get', '/a/1', '--rev=1000'] },
  { id: 'get-empty-key', args: ['get', ''] },
  { id: 'put-empty-key', args: ['put', '', 'x'] },

  // --- put options (revisions 9..11)
  { id: 'put-ignore-value', args: ['put', '/a/2', '--ignore-value'] },
  { id: 'put-ignore-lease', args: ['put', '/a/2', 'v2b', '--ignore-lease'] },
  { id: 'put-ignore-value-missing', args: ['put', '/nope', '--ignore-value'] },
  { id: 'put-ignore-lease-missing', args: ['put', '/nope', 'x', '--ignore-lease'] },
  { id: 'get-a2-after-ignore', args: ['get', '/a/2', '-w', 'json'] },
  { id: 'put-x1', args: ['put', '/x/1', 'p'] },

  // --- delete (revisions 12..15)
  { id: 'put-x2', args: ['put', '/x/2', 'q'] },
  { id: 'put-y', args: ['put', '/y', 'r'] },
  { id: 'del-one-prev-kv', args: ['del', '/a/3', '--prev-kv'] },
  { id: 'del-missing', args: ['del', '/nope'] },
  { id: 'del-prefix-prev-kv-json', args: ['del', '/x', '--prefix', '--prev-kv', '-w', 'json'] },
  { id: 'del-from-key', args: ['del', '/y', '--from-key'] },
  { id: 'get-all-after-del', args: ['get', '', '--prefix', '-w', 'json'] },

  // --- txn from stdin (revisions 16..18)
  {
    id: 'txn-success',
    args: ['txn'],
    stdin: txnScript(['mod("/a/1") > "0"', 'value("/a/2") = "v2b"'], ['put /t/1 "one"', 'get /a --prefix'], ['put /t/1 "other"']),
  },
  {
    id: 'txn-failure-json',
    args: ['txn', '-w', 'json'],
    stdin: txnScript(['version("/a/1") = "1"'], ['put /t/2 "no"'], ['put /t/2 "two"', 'del /b/1', 'get /t/1']),
  },
  {
    id: 'txn-create-missing-key',
    args: ['txn'],
    stdin: txnScript(['create("/t/3") = "0"'], ['put /t/3 "three"'], []),
  },
  {
    id: 'txn-value-compare-missing',
    args: ['txn'],
    stdin: txnScript(['value("/nope") = ""'], ['put /t/4 "x"'], ['get /t --prefix --keys-only']),
  },
  {
    id: 'txn-duplicate-key',
    args: ['txn'],
    stdin: txnScript([], ['put /t/5 "a"', 'put /t/5 "b"'], []),
  },

  // --- leases (grant, attach, keep-alive, time-to-live, revoke)
  { id: 'lease-grant', args: ['lease', 'grant', '300'], capture: { name: 'lease1', pattern: /lease ([0-9a-f]+) granted/, idFormat: 'hex' } },
  {
    id: 'lease-grant-json',
    args: ['lease', 'grant', '600', '-w', 'json'],
    capture: { name: 'lease2', pattern: /"ID":(\d+)/, idFormat: 'dec' },
  },
  { id: 'put-with-lease', args: ['put', '/l/1', 'x', '--lease=${lease1}'] },
  { id: 'put-with-lease-2', args: ['put', '/l/2', 'y', '--lease=${lease1}'] },
  { id: 'get-leased-json', args: ['get', '/l/1', '-w', 'json'] },
  { id: 'put-keep-lease', args: ['put', '/l/1', 'x2', '--ignore-lease'] },
  { id: 'lease-timetolive', args: ['lease', 'timetolive', '${lease1}'], volatile: ['ttl-remaining'] },
  { id: 'lease-timetolive-keys', args: ['lease', 'timetolive', '${lease1}', '--keys'], volatile: ['ttl-remaining'] },
  { id: 'lease-timetolive-keys-json', args: ['lease', 'timetolive', '${lease1}', '--keys', '-w', 'json'], volatile: ['ttl-remaining'] },
  { id: 'lease-keep-alive-once', args: ['lease', 'keep-alive', '--once', '${lease1}'] },
  { id: 'lease-keep-alive-once-json', args: ['lease', 'keep-alive', '--once', '${lease2}', '-w', 'json'] },
  { id: 'lease-list', args: ['lease', 'list'] },
  { id: 'lease-list-json', args: ['lease', 'list', '-w', 'json'] },
  { id: 'lease-revoke', args: ['lease', 'revoke', '${lease1}'] },
  { id: 'get-after-revoke', args: ['get', '/l', '--prefix'] },
  { id: 'lease-revoke-again', args: ['lease', 'revoke', '${lease1}'] },
  { id: 'lease-timetolive-revoked', args: ['lease', 'timetolive', '${lease1}'] },
  { id: 'lease-timetolive-unknown-json', args: ['lease', 'timetolive', '1234', '-w', 'json'] },
  { id: 'lease-keep-alive-unknown', args: ['lease', 'keep-alive', '--once', '1234'] },
  { id: 'put-unknown-lease', args: ['put', '/l/3', 'z', '--lease=1234'] },
  { id: 'put-with-lease2', args: ['put', '/l/4', 'w', '--lease=${lease2}'] },

  // --- watch a finished history (bounded: stopped after the lines the history makes, or the time bound)
  { id: 'watch-rev-prefix', args: ['watch', '--rev=2', '--prefix', '/a'], stopAfterLines: 21, timeoutMs: WATCH_TIMEOUT_MS },
  { id: 'watch-rev-prev-kv', args: ['watch', '--rev=12', '--prev-kv', '--prefix', '/x'], stopAfterLines: 13, timeoutMs: WATCH_TIMEOUT_MS },
  { id: 'watch-rev-json', args: ['watch', '--rev=8', '/c', '-w', 'json'], stopAfterLines: 1, timeoutMs: WATCH_TIMEOUT_MS },
  { id: 'watch-rev-leased', args: ['watch', '--rev=19', '--prev-kv', '--prefix', '/l'], stopAfterLines: 21, timeoutMs: WATCH_TIMEOUT_MS },

  // --- compaction
  { id: 'compaction', args: ['compaction', '10'] },
  { id: 'get-compacted-rev', args: ['get', '/a/1', '--rev=5'] },
  { id: 'get-at-compact-rev', args: ['get', '', '--prefix', '--rev=10', '-w', 'json'] },
  { id: 'compaction-again-older', args: ['compaction', '8'] },
  { id: 'compaction-future', args: ['compaction', '1000'] },
  { id: 'watch-compacted', args: ['watch', '--rev=3', '/a/1'], stopAfterLines: 2, timeoutMs: WATCH_TIMEOUT_MS },
  { id: 'compaction-physical', args: ['compaction', '--physical', '14'] },
  { id: 'hashkv-after-compaction-json', args: ['endpoint', 'hashkv', '-w', 'json'], volatile: ['hash'] },
  { id: 'get-all-final', args: ['get', '', '--prefix', '-w', 'json'] },

  // --- maintenance and cluster
  { id: 'endpoint-health', args: ['endpoint', 'health'] },
  { id: 'endpoint-health-json', args: ['endpoint', 'health', '-w', 'json'] },
  { id: 'endpoint-status', args: ['endpoint', 'status'], volatile: ['raft-index', 'db-size'] },
  { id: 'endpoint-status-json', args: ['endpoint', 'status', '-w', 'json'], volatile: ['raft-index', 'db-size'] },
  { id: 'endpoint-status-table', args: ['endpoint', 'status', '-w', 'table'], volatile: ['raft-index', 'db-size'] },
  { id: 'endpoint-hashkv-rev-table', args: ['endpoint', 'hashkv', '--rev=9', '-w', 'table'] },
  { id: 'member-list', args: ['member', 'list'] },
  { id: 'member-list-json', args: ['member', 'list', '-w', 'json'] },
  { id: 'member-list-table', args: ['member', 'list', '-w', 'table'] },
  { id: 'member-list-fields', args: ['member', 'list', '-w', 'fields'] },
  { id: 'alarm-list', args: ['alarm', 'list', '-w', 'json'] },
  { id: 'defrag', args: ['defrag'] },
  { id: 'snapshot-save', args: ['snapshot', 'save', '${dir}/snap.db'] },
  { id: 'snapshot-status-json', args: ['snapshot', 'status', '${dir}/snap.db', '-w', 'json'], volatile: ['hash', 'db-size'] },
  { id: 'snapshot-status-table', args: ['snapshot', 'status', '${dir}/snap.db', '-w', 'table'], volatile: ['hash', 'db-size'] },
  { id: 'get-after-maintenance', args: ['get', '', '--prefix', '--keys-only'] },

  // --- stdin variants, after everything else so the revisions above stay put
  {
    id: 'txn-interactive',
    args: ['txn', '-i'],
    stdin: txnScript(['create("/s/1") = "0"'], ['put /s/1 "created"'], ['get /s/1']),
  },
  { id: 'put-value-from-stdin', args: ['put', '/s/2'], stdin: 'value read from stdin' },
  { id: 'get-stdin-puts', args: ['get', '/s', '--prefix', '-w', 'json'] },
];
