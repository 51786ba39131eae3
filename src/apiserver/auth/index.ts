// The door to the apiserver's security: authenticators (client certificates, static tokens, anonymous), the
// authorizers (system:masters, Node, RBAC, AlwaysAllow), the guards that put them in front of REST and gRPC, and
// the bootstrap RBAC policy.
export { buildAccessControl, ensureBootstrapPolicy, AUTHORIZATION_MODES, type AuthOptions, type AuthorizationMode } from './access-control.ts';
export { guardHttp, type AccessControl } from './http-guard.ts';
export { guardGrpc } from './grpc-guard.ts';
export { listenGrpcTls, type TlsFiles } from './grpc-tls-listener.ts';
export { parseTokenFile, TokenFileError } from './token-file.ts';
export { MASTERS_GROUP, NODES_GROUP, NODE_USER_PREFIX, type UserInfo } from './user.ts';
