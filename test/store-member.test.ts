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

describe('store: etcd URL flags', () => {
  // Texts as etcd 3.4.23 prints them for the same command lines.
  it('refuses a malformed URL when the flag is read, as Go flag parsing (exit 2)', () => {
    const refused = (value: string, reason: string): void => {
      expect(() => parseEtcdFlags([`--listen-client-urls=${value}`, '--advertise-client-urls=http://127.0.0.1:1'], {})).toThrow(
        new EtcdFlagError(`invalid value "${value}" for flag -listen-client-urls: ${reason}`),
      );
    };
    refused('foo://x', 'URL scheme must be http, https, unix, or unixs: foo://x');
    refused('http://127.0.0.1', 'URL address does not have the form "host:port": http://127.0.0.1');
    refused('http://127.0.0.1:2379/path', 'URL must not contain a path: http://127.0.0.1:2379/path');
    refused('127.0.0.1:2379', 'parse "127.0.0.1:2379": first path segment in URL cannot contain colon');
    refused('http://[::1]:2379,http://0.0.0.0:x', 'parse "http://0.0.0.0:x": invalid port ":x" after host');
    refused('http://127.0.0.1:2379,,http://127.0.0.1:2380', 'URL scheme must be http, https, unix, or unixs: ');
    refused('unix://sock', 'URL address does not have the form "host:port": unix://sock');
    expect(() => parseEtcdFlags(['--initial-advertise-peer-urls', 'foo://1.2.3.4:5'], {})).toThrow(
      'invalid value "foo://1.2.3.4:5" for flag -initial-advertise-peer-urls: URL scheme must be http, https, unix, or unixs: foo://1.2.3.4:5',
    );
  });

  it('refuses a malformed URL from the environment when verifying (exit 1)', () => {
    let error: unknown;
    try {
      parseEtcdFlags([], { ETCD_LISTEN_CLIENT_URLS: 'foo://x' });
    } catch (err) {
      error = err;
    }
    expect(error).toEqual(
      new EtcdFlagError(`error verifying flags, invalid value "foo://x" for ETCD_LISTEN_CLIENT_URLS: URL scheme must be http, https, unix, or unixs: foo://x. See 'etcd --help'.`, 1),
    );
    expect((error as EtcdFlagError).exitCode).toBe(1);
  });

  it('verifies listen URLs bind to an IP, advertised ones name a host, and listen-client needs advertise-client', () => {
    const verifying = (args: string[], text: string): void => {
      let error: unknown;
      try {
        parseEtcdFlags(args, {});
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(EtcdFlagError);
      expect((error as EtcdFlagError).exitCode).toBe(1);
      expect((error as EtcdFlagError).message).toBe(text);
    };
    verifying(['--listen-client-urls', 'http://notanip:2379', '--advertise-client-urls', 'http://a:1'], "error verifying flags, expected IP in URL for binding (http://notanip:2379). See 'etcd --help'.");
    // Peer URLs are checked first, as etcd does.
    verifying(
      ['--advertise-client-urls', 'http://a:1', '--listen-client-urls', 'http://host.example:1', '--listen-peer-urls', 'http://other.example:2'],
      "error verifying flags, expected IP in URL for binding (http://other.example:2). See 'etcd --help'.",
    );
    verifying(['--advertise-client-urls', 'http://:2379'], `error verifying flags, --advertise-client-urls "http://:2379" must be "host:port" (unexpected empty host (http://:2379)). See 'etcd --help'.`);
    const advertiseRequired =
      "error verifying flags, --advertise-client-urls is required when --listen-client-urls is set explicitly. See 'etcd --help'.\n" +
      'When listening on specific address(es), this etcd process must advertise accessible url(s) to each connected client.';
    verifying(['--listen-client-urls', 'http://127.0.0.1:2379?x=1'], advertiseRequired);
    verifying(['--listen-client-urls='], advertiseRequired);
  });

  it('takes what etcd takes: localhost, IPv6, an upper-case scheme, a bare port colon', () => {
    const c = parseEtcdFlags(
      ['--listen-client-urls', 'HTTP://127.0.0.1:23998, http://[::1]:2379', '--advertise-client-urls', 'http://host.example:2379', '--listen-peer-urls', 'http://localhost:2390'],
      {},
    );
    expect(c.listenClientUrls).toEqual(['HTTP://127.0.0.1:23998', 'http://[::1]:2379']);
    expect(c.advertiseClientUrls).toEqual(['http://host.example:2379']);
    expect(c.listenPeerUrls).toEqual(['http://localhost:2390']);
  });
});

describe("store: kubeadm's etcd command line", () => {
  it('parses as it is, metrics listener included', () => {
    const c = parseEtcdFlags(
      [
        '--advertise-client-urls=https://10.0.0.5:2379',
        '--cert-file=/etc/kubernetes/pki/etcd/server.crt',
        '--client-cert-auth=true',
        '--data-dir=/var/lib/etcd',
        '--experimental-initial-corrupt-check=true',
        '--initial-advertise-peer-urls=https://10.0.0.5:2380',
        '--initial-cluster=cp1=https://10.0.0.5:2380',
        '--key-file=/etc/kubernetes/pki/etcd/server.key',
        '--listen-client-urls=https://127.0.0.1:2379,https://10.0.0.5:2379',
        '--listen-metrics-urls=http://127.0.0.1:2381',
        '--listen-peer-urls=https://10.0.0.5:2380',
        '--name=cp1',
        '--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt',
        '--peer-client-cert-auth=true',
        '--peer-key-file=/etc/kubernetes/pki/etcd/peer.key',
        '--peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt',
        '--snapshot-count=10000',
        '--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt',
        '--max-snapshots=5',
        '--max-wals=5',
        '--enable-pprof',
        '--metrics=extensive',
      ],
      {},
    );
    expect(c.listenMetricsUrls).toEqual(['http://127.0.0.1:2381']);
    expect(c.listenClientUrls).toEqual(['https://127.0.0.1:2379', 'https://10.0.0.5:2379']);
    expect(c.snapshotCount).toBe(10000);
    expect(c.clientTls.clientCertAuth).toBe(true);
  });

  it('checks metrics URLs as listen URLs', () => {
    expect(() => parseEtcdFlags(['--listen-metrics-urls=http://metrics.example:2381'], {})).toThrow(
      "error verifying flags, expected IP in URL for binding (http://metrics.example:2381). See 'etcd --help'.",
    );
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
