// The same authentication and authorization on the gRPC front end: the identity is the peer certificate grpc-js
// verified (grpc-tls-listener.ts) or a bearer token in the `authorization` metadata; each method maps to the verb
// kube-apiserver would see for the equivalent REST call. Failures leave as the Status errors REST gives (401, 403)
// through the front end's one Status → gRPC code mapping.
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from '../../common/logger.ts';
import { failCall } from '../grpc/service.ts';
import type { ResourceRefMsg } from '../grpc/wire.ts';
import type { Attributes } from './attributes.ts';
import type { Credentials } from './authenticator.ts';
import type { AccessControl } from './http-guard.ts';
import { bindUser } from './request-user.ts';
import { forbidden, unauthorized } from './responses.ts';
import type { UserInfo } from './user.ts';

interface RequestShape {
  resource?: ResourceRefMsg | null;
  namespace?: string;
  name?: string;
  subresource?: string;
}

const VERBS: Record<string, string> = { Get: 'get', List: 'list', Create: 'create', Update: 'update', UpdateStatus: 'update', Patch: 'patch', Delete: 'delete', Watch: 'watch' };

type AnyCall = grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>;
type AnyHandler = (call: AnyCall, callback?: grpc.sendUnaryData<unknown>) => void;

export function grpcAttributes(user: UserInfo, method: string, req: RequestShape): Attributes {
  const ref = req.resource ?? { group: '', version: '', resource: '' };
  const subresource = method === 'UpdateStatus' ? 'status' : (req.subresource ?? '');
  const named = method !== 'List' && method !== 'Watch' && (method !== 'Create' || subresource !== '');
  return {
    user,
    verb: VERBS[method] ?? method.toLowerCase(),
    resourceRequest: true,
    path: '',
    apiGroup: ref.group,
    apiVersion: ref.version,
    resource: ref.resource,
    subresource,
    namespace: ref.resource === 'namespaces' && ref.group === '' && named ? (req.name ?? '') : (req.namespace ?? ''),
    name: named ? (req.name ?? '') : '',
  };
}

function grpcCredentials(call: AnyCall): Credentials {
  const auth = call.getAuthContext();
  const token = call.metadata.get('authorization')[0];
  return { certificateSubject: auth.sslPeerCertificate?.subject ?? null, authorization: typeof token === 'string' ? token : null };
}

/** Wraps every handler of the ApiServer service with authentication and authorization. */
export function guardGrpc(access: AccessControl, handlers: grpc.UntypedServiceImplementation, logger: Logger): grpc.UntypedServiceImplementation {
  const guarded: Record<string, AnyHandler> = {};
  for (const [method, handler] of Object.entries(handlers as Record<string, AnyHandler>)) {
    guarded[method] = (call, callback) => {
      const fail = (err: unknown): void => {
        const e = failCall(err, method, logger);
        if (callback !== undefined) callback(e);
        else call.emit('error', e);
      };
      const user = access.authenticator.authenticate(grpcCredentials(call));
      if (user === null) return fail(unauthorized());
      const attrs = grpcAttributes(user, method, call.request as RequestShape);
      access.authorizer.authorize(attrs).then(
        (d) => (d.verdict === 'allow' ? (bindUser(call, user), handler(call, callback)) : fail(forbidden(attrs, d.reason))),
        fail,
      );
    };
  }
  return guarded as grpc.UntypedServiceImplementation;
}
