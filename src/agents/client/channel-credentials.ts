// The gRPC channel credentials for a CA and an optional client certificate, one object per distinct set of PEMs.
// grpc-js pools connections by credentials and compares TLS credentials by their secure context's identity, so
// building them afresh per ApiClient gives every client its own TLS connection. Shared, clients that differ only in
// their bearer token (per-request metadata: hollow nodes, one identity each) ride one connection per apiserver.
import * as grpc from '@grpc/grpc-js';

export interface TlsMaterial {
  caPem?: string;
  certPem?: string;
  keyPem?: string;
}

/** Bounded by the distinct identities one process presents (a handful, or one CA for all token users). */
const cache = new Map<string, grpc.ChannelCredentials>();

export function channelCredentials({ caPem, certPem, keyPem }: TlsMaterial): grpc.ChannelCredentials {
  if (caPem === undefined) return grpc.credentials.createInsecure();
  const key = JSON.stringify([caPem, certPem ?? '', keyPem ?? '']);
  let credentials = cache.get(key);
  if (credentials === undefined) {
    const buf = (pem: string | undefined): Buffer | null => (pem === undefined ? null : Buffer.from(pem, 'utf8'));
    credentials = grpc.credentials.createSsl(buf(caPem), buf(keyPem), buf(certPem));
    cache.set(key, credentials);
  }
  return credentials;
}
