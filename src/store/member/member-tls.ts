// etcd's TLSInfo for one side (client or peer): the PEMs read from the --*-file flags, the start-up checks etcd
// makes of https URLs, and the gRPC credentials a member serves and dials with. A member dials a peer (and the
// leader's client URL, to forward) with its own certificate, so member certificates carry both serverAuth and
// clientAuth (src/common/pki issueMemberCert). Self-signed sides (--auto-tls, auto-tls.ts) dial without verifying.
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { ListenerTls } from '../../common/http2/index.ts';
import type { TlsFlags } from './etcd-flags.ts';

export class TlsConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TlsConfigError';
  }
}

/** One side's TLS as a member serves and dials with it. */
export interface MemberTls extends ListenerTls {
  /**
   * Made by --auto-tls/--peer-auto-tls: other members' certificates chain to no CA either, so this member dials
   * without verifying the server's certificate, as etcd does when its own certificate is self-signed.
   */
  selfSigned?: boolean;
}

/** The PEMs the flags name; undefined when cert or key is missing (etcd's TLSInfo.Empty). */
export function loadTls(flags: TlsFlags): MemberTls | undefined {
  if (flags.certFile === '' || flags.keyFile === '') return undefined;
  const read = (path: string): string => {
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      throw new TlsConfigError(`open ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : String(err)}`);
    }
  };
  return {
    certPem: read(flags.certFile),
    keyPem: read(flags.keyFile),
    caPem: flags.trustedCaFile === '' ? undefined : read(flags.trustedCaFile),
    clientCertAuth: flags.clientCertAuth,
  };
}

export const isTlsUrl = (url: string): boolean => /^(https|unixs):/.test(url);

/** etcd's start-up warnings (in its words) for a certificate that http URLs leave unused. */
export function unusedTlsWarnings(clientUrls: readonly string[], peerUrls: readonly string[], client: MemberTls | undefined, peer: MemberTls | undefined): string[] {
  const plain = (urls: readonly string[]) => urls.filter((url) => !isTlsUrl(url));
  return [
    ...(peer === undefined ? [] : plain(peerUrls).map((url) => `The scheme of peer url ${url} is HTTP while peer key/cert files are presented. Ignored peer key/cert files.`)),
    ...(client === undefined ? [] : plain(clientUrls).map((url) => `The scheme of client url ${url} is HTTP while peer key/cert files are presented. Ignored key/cert files.`)),
  ];
}

/** etcd's refusals of https URLs without a certificate and key, in its words. */
export function checkTlsUrls(clientUrls: readonly string[], peerUrls: readonly string[], client: MemberTls | undefined, peer: MemberTls | undefined): void {
  for (const url of clientUrls) {
    if (isTlsUrl(url) && client === undefined) throw new TlsConfigError(`TLS key/cert (--cert-file, --key-file) must be provided for client url ${url} with HTTPS scheme`);
  }
  for (const url of peerUrls) {
    if (isTlsUrl(url) && peer === undefined) throw new TlsConfigError(`cannot listen on TLS for ${new URL(url).host}: KeyFile and CertFile are not presented`);
  }
}

/** What a peer listener at `url` serves with: TLS (requiring a CA-signed client certificate with --peer-client-cert-auth) for https. */
export function serverCredentials(url: string, tls: MemberTls | undefined): grpc.ServerCredentials {
  if (!isTlsUrl(url) || tls === undefined) return grpc.ServerCredentials.createInsecure();
  const ca = tls.caPem === undefined ? null : Buffer.from(tls.caPem);
  return grpc.ServerCredentials.createSsl(ca, [{ cert_chain: Buffer.from(tls.certPem), private_key: Buffer.from(tls.keyPem) }], tls.clientCertAuth);
}

/**
 * What this member dials `url` with: plaintext for http; for https TLS with its own certificate, verifying the
 * server against the trusted CA, or not at all when its own certificate is self-signed.
 */
export function channelCredentials(url: string, tls: MemberTls | undefined): grpc.ChannelCredentials {
  if (!isTlsUrl(url)) return grpc.credentials.createInsecure();
  if (tls === undefined) return grpc.credentials.createSsl();
  const ca = tls.caPem === undefined ? null : Buffer.from(tls.caPem);
  const verify = tls.selfSigned === true ? { rejectUnauthorized: false } : {};
  return grpc.credentials.createSsl(ca, Buffer.from(tls.keyPem), Buffer.from(tls.certPem), verify);
}
