// Authentication: a verified client certificate (CN = user, O = groups), else a bearer token from the token file,
// else system:anonymous when anonymous requests are allowed. A presented but unknown token is rejected even then,
// as kube-apiserver does; null means "answer 401".
import type { UserInfo } from './user.ts';
import { anonymousUser, authenticated } from './user.ts';

/** The parts of a verified peer certificate we read (Node's tls.PeerCertificate subject). */
export interface CertificateSubject {
  CN?: string | string[];
  O?: string | string[];
}

export interface Credentials {
  /** Present only when the certificate chained to the client CA. */
  certificateSubject?: CertificateSubject | null;
  /** A certificate was presented that did not chain to the client CA. */
  certificateRejected?: boolean;
  /** The Authorization header (or gRPC `authorization` metadata). */
  authorization?: string | null;
}

export interface AuthenticatorOptions {
  tokens?: ReadonlyMap<string, UserInfo>;
  /** Kubernetes' default is true: requests without credentials become system:anonymous. */
  anonymous: boolean;
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export class Authenticator {
  constructor(private readonly options: AuthenticatorOptions) {}

  authenticate(credentials: Credentials): UserInfo | null {
    if (credentials.certificateRejected === true) return null;
    const subject = credentials.certificateSubject;
    const cn = subject === undefined || subject === null ? '' : (list(subject.CN)[0] ?? '');
    if (cn !== '') return authenticated({ name: cn, groups: list(subject?.O) });
    const header = credentials.authorization?.trim() ?? '';
    if (header !== '') {
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      const user = m === null ? undefined : this.options.tokens?.get(m[1]);
      return user === undefined ? null : authenticated(user);
    }
    return this.options.anonymous ? anonymousUser : null;
  }
}
