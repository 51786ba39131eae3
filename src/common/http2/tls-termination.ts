// TLS in front of the gRPC listener (etcd's https client URLs): the handshake offers ALPN h2 (grpc-go refuses a
// server without it) and, with client-certificate auth, demands a certificate signed by the trusted CA. The
// decrypted socket then goes through the same sniff and injection as a plaintext one. Because the authority fix-up
// hides the TLS socket from grpc-js, the verified certificate's CN is kept per connection here, by peer address.
import type { TLSSocket, TlsOptions } from 'node:tls';

export interface ListenerTls {
  certPem: string;
  keyPem: string;
  /** CA bundle client certificates must chain to (etcd's --trusted-ca-file). */
  caPem?: string;
  /** etcd's --client-cert-auth: a client without a certificate signed by the CA is refused in the handshake. */
  clientCertAuth: boolean;
}

export function tlsServerOptions(tls: ListenerTls): TlsOptions {
  return {
    cert: tls.certPem,
    key: tls.keyPem,
    ca: tls.caPem,
    requestCert: tls.clientCertAuth,
    rejectUnauthorized: tls.clientCertAuth,
    ALPNProtocols: ['h2'],
  };
}

/** Peer address as grpc-js's call.getPeer() formats it. */
export function peerKey(address: string | undefined, port: number | undefined): string {
  return `${address ?? ''}:${port ?? ''}`;
}

/** CNs of verified client certificates by peer address, for the connections still open. */
export class CertificateNames {
  private readonly byPeer = new Map<string, string>();

  track(socket: TLSSocket): void {
    if (!socket.authorized) return;
    const cn = socket.getPeerCertificate().subject?.CN;
    if (typeof cn !== 'string' || cn === '') return;
    const key = peerKey(socket.remoteAddress, socket.remotePort);
    this.byPeer.set(key, cn);
    socket.once('close', () => this.byPeer.delete(key));
  }

  of(peer: string): string | undefined {
    return this.byPeer.get(peer);
  }
}
