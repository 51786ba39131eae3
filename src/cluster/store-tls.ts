// TLS on the store's client and peer links for `barque up` and `barque cluster`, with etcd's own flags: one member
// certificate per member (it serves clients and peers and dials peers with it), a client certificate for the
// apiservers and the cluster's own status probes (CN root, so it stays valid once etcd auth is enabled), all from
// the cluster CA in <data-dir>/pki. Made once and reused, so a resumed cluster keeps them.
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { createCa, issueClientCert, issueMemberCert, loadOrCreate, LOCAL_HOSTS, pemFilesIn, type PemFiles } from '../common/pki/index.ts';

const STORE_CLIENT = 'etcd-client';

export interface StoreTls {
  caFile: string;
  /** Member name → its certificate files. */
  members: Map<string, PemFiles>;
  client: PemFiles;
}

export function storeTls(pkiDir: string, memberNames: readonly string[]): StoreTls {
  const ca = loadOrCreate(pkiDir, 'ca', () => createCa('barque-ca'));
  const members = new Map<string, PemFiles>();
  for (const name of memberNames) {
    loadOrCreate(pkiDir, `etcd-${name}`, () => issueMemberCert(ca, { commonName: `barque-etcd-${name}`, hosts: LOCAL_HOSTS }));
    members.set(name, pemFilesIn(pkiDir, `etcd-${name}`));
  }
  loadOrCreate(pkiDir, STORE_CLIENT, () => issueClientCert(ca, { user: 'root' }));
  return { caFile: pemFilesIn(pkiDir, 'ca').certFile, members, client: pemFilesIn(pkiDir, STORE_CLIENT) };
}

/** etcd's flags for a member serving https client and peer URLs, both requiring CA-signed client certificates. */
export function memberTlsArgs(tls: StoreTls, name: string): string[] {
  const own = tls.members.get(name);
  if (own === undefined) throw new Error(`no store certificate for member ${name}`);
  return [
    '--cert-file', own.certFile, '--key-file', own.keyFile, '--trusted-ca-file', tls.caFile, '--client-cert-auth',
    '--peer-cert-file', own.certFile, '--peer-key-file', own.keyFile, '--peer-trusted-ca-file', tls.caFile, '--peer-client-cert-auth',
  ];
}

/** kube-apiserver's flags to reach those members. */
export function apiserverStoreTlsArgs(tls: StoreTls): string[] {
  return ['--etcd-cafile', tls.caFile, '--etcd-certfile', tls.client.certFile, '--etcd-keyfile', tls.client.keyFile];
}

/** Channel credentials for the cluster's own calls to the store (status probes). */
export function storeChannelCredentials(tls: StoreTls): grpc.ChannelCredentials {
  return grpc.credentials.createSsl(readFileSync(tls.caFile), readFileSync(tls.client.keyFile), readFileSync(tls.client.certFile));
}
