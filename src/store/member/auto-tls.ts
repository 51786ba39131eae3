// etcd's --auto-tls and --peer-auto-tls: a side given neither cert nor key file serves a self-signed certificate for
// the hosts of its listen URLs, kept as <data-dir>/fixtures/<side>/cert.pem and key.pem (made at the first start,
// reused after, as etcd does). It chains to no CA, so the side's trusted CA and client-certificate auth go with it
// (etcd replaces that side's whole TLS config) and whoever dials it has to skip verification.
import { join } from 'node:path';
import { createSelfSignedCert, loadOrCreateFiles, type PemFiles } from '../../common/pki/index.ts';
import type { TlsFlags } from './etcd-flags.ts';
import { loadTls, TlsConfigError, type MemberTls } from './member-tls.ts';
import { listenHost } from './initial-cluster.ts';

export type TlsSide = 'client' | 'peer';

/** etcd 3.4's validity for them (it has no flag to change it). */
const SELF_SIGNED_DAYS = 365;
/** etcd's subject for them: organization "etcd", no common name. */
const SELF_SIGNED_ORGANIZATION = 'etcd';

export interface SideTls {
  tls: MemberTls | undefined;
  /** Where the self-signed pair is, when auto TLS is in effect. */
  selfSignedFiles?: PemFiles;
  /** etcd's warning when auto TLS is asked for but cert files are given (they win). */
  warning?: string;
}

/** One side's TLS from its flags: the files named, or, with auto TLS and none named, the self-signed pair. */
export function loadSideTls(side: TlsSide, flags: TlsFlags, dataDir: string, listenUrls: readonly string[]): SideTls {
  if (!flags.autoTls) return { tls: loadTls(flags) };
  // etcd's TLSInfo.Empty: only with both unset; a lone cert or key file still turns auto TLS off.
  if (flags.certFile !== '' || flags.keyFile !== '') return { tls: loadTls(flags), warning: `ignoring ${side} auto TLS since certs given` };
  const dir = join(dataDir, 'fixtures', side);
  const files = { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') };
  try {
    const pair = loadOrCreateFiles(files, () => createSelfSignedCert({ organization: SELF_SIGNED_ORGANIZATION, hosts: listenHosts(listenUrls), days: SELF_SIGNED_DAYS }));
    return { tls: { ...pair, clientCertAuth: false, selfSigned: true }, selfSignedFiles: files };
  } catch (err) {
    throw new TlsConfigError(`cannot make the ${side} auto TLS certificate in ${dir}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Host names and IPs of the URLs, without ports or IPv6 brackets; URLs that do not parse are left to the start-up checks. */
export function listenHosts(urls: readonly string[]): string[] {
  const hosts: string[] = [];
  for (const url of urls) {
    if (!URL.canParse(url)) continue;
    const host = listenHost(new URL(url));
    if (host !== '') hosts.push(host);
  }
  return hosts;
}
