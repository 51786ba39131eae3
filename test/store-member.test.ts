// Member IDs, cluster IDs and etcd's flags. The expected IDs were read from a real etcd 3.4.23 started with the same
// flags (`etcdctl member list -w json`).
import { describe, expect, it } from 'vitest';
import { computeMemberId, EtcdFlagError, parseEtcdFlags, parseInitialCluster } from '../src/store/member/index.ts';

describe('store: member identity', () => {
  it('computes the IDs real etcd computes', () => {
    const cluster = parseInitialCluster('n1=http://127.0.0.1:23801', 'tok1');
    expect(cluster.members[0].id).toBe(6090535317558273548n); // 5485ed9a2f08260c
    expect(cluster.clusterId).toBe(17765137548823575923n);
  });

  it('sorts a member peer URLs before hashing and gives distinct IDs per member', () => {
    expect(computeMemberId(['http://b:1', 'http://a:1'], 't')).toBe(computeMemberId(['http://a:1', 'http://b:1'], 't'));
    const c = parseInitialCluster('a=http://h:1,b=http://h:2,a=http://h:3', 't');
    expect(c.members.map((m) => m.name)).toEqual(['a', 'b']);
    expect(c.members[0].peerUrls).toEqual(['http://h:1', 'http://h:3']);
    expect(c.members[0].id).not.toBe(c.members[1].id);
  });
});

describe('store: etcd flags', () => {
  it('has etcd defaults', () => {
    const c = parseEtcdFlags([], {});
    expect(c.name).toBe('default');
    expect(c.dataDir).toBe('default.etcd');
    expect(c.listenClientUrls).toEqual(['http://localhost:2379']);
    expect(c.initialCluster).toBe('default=http://localhost:2380');
    expect(c.initialClusterToken).toBe('etcd-cluster');
    expect(c.maxRequestBytes).toBe(1572864);
    expect(c.maxTxnOps).toBe(128);
    expect(c.autoCompactionMode).toBe('periodic');
  });

  it('takes -flag, --flag, =value and separate values, with flags over ETCD_ variables', () => {
    const c = parseEtcdFlags(['-name', 'x', '--data-dir=/d', '--max-txn-ops', '7', '--enable-v2'], { ETCD_NAME: 'env', ETCD_QUOTA_BACKEND_BYTES: '1024' });
    expect(c.name).toBe('x');
    expect(c.dataDir).toBe('/d');
    expect(c.maxTxnOps).toBe(7);
    expect(c.quotaBackendBytes).toBe(1024);
    expect(c.initialCluster).toBe('x=http://localhost:2380');
  });

  it('refuses unknown flags and missing values with Go flag wording', () => {
    expect(() => parseEtcdFlags(['--nope'], {})).toThrow(new EtcdFlagError('flag provided but not defined: -nope'));
    expect(() => parseEtcdFlags(['--name'], {})).toThrow(new EtcdFlagError('flag needs an argument: -name'));
    expect(() => parseEtcdFlags(['--max-txn-ops=x'], {})).toThrow(EtcdFlagError);
    expect(() => parseEtcdFlags(['--auto-compaction-mode=daily'], {})).toThrow(EtcdFlagError);
  });

  it('verifies the election timeout against the heartbeat as etcd does', () => {
    expect(() => parseEtcdFlags(['--heartbeat-interval=500', '--election-timeout=1000'], {})).toThrow(
      "error verifying flags, --election-timeout[1000ms] should be at least as 5 times as --heartbeat-interval[500ms]. See 'etcd --help'.",
    );
    expect(parseEtcdFlags(['--heartbeat-interval=200', '--election-timeout=1000'], {}).electionTimeoutMs).toBe(1000);
  });
});

describe('store: watch progress-notify interval flag', () => {
  it('parses Go durations as etcd does and defaults to ten minutes', () => {
    expect(parseEtcdFlags([], {}).watchProgressNotifyIntervalMs).toBe(600_000);
    expect(parseEtcdFlags(['--experimental-watch-progress-notify-interval=1m30s'], {}).watchProgressNotifyIntervalMs).toBe(90_000);
    expect(parseEtcdFlags(['--experimental-watch-progress-notify-interval', '250ms'], {}).watchProgressNotifyIntervalMs).toBe(250);
    expect(() => parseEtcdFlags(['--experimental-watch-progress-notify-interval=soon'], {})).toThrow(EtcdFlagError);
    expect(() => parseEtcdFlags(['--experimental-watch-progress-notify-interval=0s'], {})).toThrow(EtcdFlagError);
  });
});
