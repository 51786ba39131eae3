// etcd's AuthInfoFromTLS: with --client-cert-auth, a call without a token acts as the user named by its verified
// client certificate's CN. The TLS listener knows each connection's CN by peer address; each handler is wrapped
// to tie the CN to the call's metadata object, which is what the auth gate sees (unforgeable: the client cannot
// create that object, only send headers into it).
import type * as grpc from '@grpc/grpc-js';
import type { GrpcListener } from '../../common/http2/index.ts';

const userByMetadata = new WeakMap<grpc.Metadata, string>();

/** The AuthGate's certificateUser hook. */
export function certificateUserOf(metadata: grpc.Metadata): string | undefined {
  return userByMetadata.get(metadata);
}

/** The CN of the connection at `peer`, whichever client listener it came in on. */
export function certificateNames(listeners: readonly GrpcListener[]): (peer: string) => string | undefined {
  return (peer) => {
    for (const l of listeners) {
      const name = l.certificateName?.(peer);
      if (name !== undefined) return name;
    }
    return undefined;
  };
}

type AnyHandler = (call: { getPeer(): string; metadata: grpc.Metadata }, ...rest: unknown[]) => unknown;

export function withCertificateUsers(impl: grpc.UntypedServiceImplementation, certificateName: (peer: string) => string | undefined): grpc.UntypedServiceImplementation {
  const out: grpc.UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(impl)) {
    const h = handler as unknown as AnyHandler;
    out[name] = ((call: Parameters<AnyHandler>[0], ...rest: unknown[]) => {
      const user = certificateName(call.getPeer());
      if (user !== undefined) userByMetadata.set(call.metadata, user);
      return h(call, ...rest);
    }) as unknown as grpc.UntypedHandleCall;
  }
  return out;
}
