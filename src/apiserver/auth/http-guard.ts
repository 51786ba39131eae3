// Authentication and authorization in front of the REST handler: credentials from the TLS peer certificate (only
// when it chained to the client CA) or the Authorization header; 401 without a user, 403 when the authorizers do
// not allow; impersonation headers honoured when allowed; SelfSubjectAccessReview and SelfSubjectRulesReview answered here. The request then carries its user (request-user.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '../../common/logger.ts';
import { parseJsonBody, readBody, sendJson } from '../rest/http-util.ts';
import { ApiError, internalError } from '../rest/status.ts';
import { ACCESS_REVIEW_PATH, RULES_REVIEW_PATH, selfSubjectAccessReview, selfSubjectRulesReview } from './access-review.ts';
import { restAttributes } from './attributes.ts';
import type { Authenticator, Credentials } from './authenticator.ts';
import type { Authorizer } from './decision.ts';
import { impersonate } from './impersonation.ts';
import { bindUser } from './request-user.ts';
import { forbidden, unauthorized } from './responses.ts';

export interface AccessControl {
  authenticator: Authenticator;
  authorizer: Authorizer;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export function guardHttp(access: AccessControl, handler: Handler, logger: Logger): Handler {
  return (req, res) => {
    serve(access, handler, req, res).catch((err: unknown) => {
      if (!(err instanceof ApiError)) logger.error({ err: err instanceof Error ? err.stack : String(err), url: req.url }, 'authorization failed');
      if (res.headersSent) return void res.destroy();
      const e = err instanceof ApiError ? err : internalError(err);
      sendJson(res, e.code, e.toStatus());
    });
  };
}

async function serve(access: AccessControl, handler: Handler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const caller = access.authenticator.authenticate(httpCredentials(req));
  if (caller === null) throw unauthorized();
  const user = await impersonate(caller, req.headers, access.authorizer);
  const method = req.method ?? 'GET';
  const attrs = restAttributes(user, method, req.url ?? '/');
  const decision = await access.authorizer.authorize(attrs);
  if (decision.verdict !== 'allow') throw forbidden(attrs, decision.reason);
  const path = attrs.path.replace(/\/+$/, '');
  if (method === 'POST' && path === ACCESS_REVIEW_PATH) {
    const review = await selfSubjectAccessReview(user, parseJsonBody(await readBody(req)), access.authorizer);
    return sendJson(res, 201, review);
  }
  if (method === 'POST' && path === RULES_REVIEW_PATH) {
    return sendJson(res, 201, await selfSubjectRulesReview(user, parseJsonBody(await readBody(req)), access.authorizer));
  }
  bindUser(req, user);
  handler(req, res);
}

function httpCredentials(req: IncomingMessage): Credentials {
  const socket = req.socket as Partial<TLSSocket>;
  const credentials: Credentials = { authorization: req.headers.authorization ?? null };
  if (typeof socket.getPeerCertificate !== 'function') return credentials;
  const cert = socket.getPeerCertificate();
  if (cert === null || cert === undefined || Object.keys(cert).length === 0) return credentials;
  // A certificate that did not chain to the client CA proves nothing: 401, as kube-apiserver answers it.
  return socket.authorized === true ? { ...credentials, certificateSubject: cert.subject } : { ...credentials, certificateRejected: true };
}
