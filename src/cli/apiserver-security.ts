// `barque apiserver`'s security flags, kube-apiserver's where it has them:
//   --tls-cert-file, --tls-private-key-file   HTTPS (and TLS on gRPC) on --secure-port (default 6443)
//   --client-ca-file                          client certificates signed by it authenticate (CN = user, O = groups)
//   --token-auth-file                         static bearer tokens: token,user,uid,"group1,group2"
//   --authorization-mode=Node,RBAC            the default with TLS; AlwaysAllow, Node, RBAC
//   --anonymous-auth=true                     requests without credentials are system:anonymous (RBAC then says 403)
//   --cert-dir=DIR                            barque's: make (once) a CA, a serving certificate and an admin client
//                                             certificate in DIR and serve with them
//   --client-ca-key-file                      barque's: the client CA's key, to sign --write-kubeconfig's admin cert
// Without TLS flags the REST API is served only on an explicit --port: plain HTTP, no authentication, everything
// allowed — for local experiments, as kube-apiserver's old --insecure-port was.
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { createCa, issueClientCert, issueServingCert, loadOrCreate, LOCAL_HOSTS, type KeyPair } from '../common/pki/index.ts';
import { AUTHORIZATION_MODES, parseTokenFile, MASTERS_GROUP, type AuthOptions, type AuthorizationMode, type KubeconfigCredentials, type TlsFiles } from '../apiserver/index.ts';

export interface SecurityFlags {
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  clientCaFile?: string;
  clientCaKeyFile?: string;
  tokenAuthFile?: string;
  authorizationModes?: AuthorizationMode[];
  anonymousAuth: boolean;
  certDir?: string;
}

export interface Security {
  tls?: TlsFiles;
  auth?: AuthOptions;
  /** What --write-kubeconfig embeds (an admin client certificate in group system:masters when TLS is on). */
  kubeconfig: KubeconfigCredentials;
}

export const ADMIN_USER = 'barque-admin';

export class SecurityFlagError extends Error {}

export function parseAuthorizationModes(text: string): AuthorizationMode[] {
  const modes = text.split(',').map((m) => m.trim()).filter((m) => m !== '');
  for (const m of modes) {
    if (!(AUTHORIZATION_MODES as readonly string[]).includes(m)) throw new SecurityFlagError(`authorization-mode "${m}" is not a valid mode (${AUTHORIZATION_MODES.join(', ')})`);
  }
  if (modes.length === 0) throw new SecurityFlagError('at least one authorization-mode must be passed');
  return modes as AuthorizationMode[];
}

export function tlsRequested(f: SecurityFlags): boolean {
  return f.tlsCertFile !== undefined || f.certDir !== undefined;
}

/** Reads (or, with --cert-dir, makes) the certificates and the token file the flags name. */
export function resolveSecurity(f: SecurityFlags, serviceIp: string | undefined, bindAddress: string): Security {
  const tokens = f.tokenAuthFile === undefined ? undefined : parseTokenFile(read(f.tokenAuthFile));
  if (!tlsRequested(f)) {
    // Plaintext: no authentication unless asked for (tokens work over HTTP for experiments).
    if (f.authorizationModes === undefined && tokens === undefined) return { kubeconfig: {} };
    return { auth: { tokens, anonymous: f.anonymousAuth, modes: f.authorizationModes ?? ['AlwaysAllow'] }, kubeconfig: {} };
  }
  let serving: KeyPair;
  let clientCa: KeyPair | { certPem: string; keyPem?: string } | undefined;
  if (f.tlsCertFile !== undefined) {
    if (f.tlsPrivateKeyFile === undefined) throw new SecurityFlagError('--tls-cert-file needs --tls-private-key-file');
    serving = { certPem: read(f.tlsCertFile), keyPem: read(f.tlsPrivateKeyFile) };
    if (f.clientCaFile !== undefined) clientCa = { certPem: read(f.clientCaFile), keyPem: f.clientCaKeyFile === undefined ? undefined : read(f.clientCaKeyFile) };
  } else {
    const dir = f.certDir as string;
    const ca = loadOrCreate(dir, 'ca', () => createCa('barque-ca'));
    const hosts = [...new Set([...LOCAL_HOSTS, ...(bindAddress === '0.0.0.0' ? [] : [bindAddress]), ...(serviceIp === undefined ? [] : [serviceIp])])];
    serving = loadOrCreate(dir, 'apiserver', () => issueServingCert(ca, { commonName: 'barque-apiserver', hosts }));
    clientCa = f.clientCaFile === undefined ? ca : { certPem: read(f.clientCaFile) };
  }
  const kubeconfig: KubeconfigCredentials = {};
  if (clientCa !== undefined) {
    kubeconfig.caPem = issuerOf(serving.certPem, clientCa.certPem) ? clientCa.certPem : undefined;
    if (clientCa.keyPem !== undefined) {
      const admin = f.certDir === undefined
        ? issueClientCert(clientCa as KeyPair, { user: ADMIN_USER, groups: [MASTERS_GROUP] })
        : loadOrCreate(f.certDir, 'admin', () => issueClientCert(clientCa as KeyPair, { user: ADMIN_USER, groups: [MASTERS_GROUP] }));
      kubeconfig.certPem = admin.certPem;
      kubeconfig.keyPem = admin.keyPem;
    }
  }
  return {
    tls: { certPem: serving.certPem, keyPem: serving.keyPem, clientCaPem: clientCa?.certPem },
    auth: { tokens, anonymous: f.anonymousAuth, modes: f.authorizationModes ?? ['Node', 'RBAC'] },
    kubeconfig,
  };
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new SecurityFlagError(`cannot read ${path}: ${(err as Error).message}`);
  }
}

function issuerOf(certPem: string, caPem: string): boolean {
  try {
    return new X509Certificate(certPem).checkIssued(new X509Certificate(caPem));
  } catch {
    return false;
  }
}
