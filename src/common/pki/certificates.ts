// A small certificate authority: a CA, serving certificates with the names clients dial (DNS names and IPs as SANs),
// and client certificates whose subject carries a Kubernetes identity (CN = user, one O per group); and, for etcd's
// --auto-tls, a serving certificate signed by its own key. Keys are ECDSA P-256, which Go's TLS (kubectl, etcd),
// Node's and grpc-js all accept. OpenSSL does all the cryptography.
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { withScratch, type Scratch } from './openssl.ts';

export interface KeyPair {
  certPem: string;
  keyPem: string;
}

export interface IssueOptions {
  /** Validity in days (default 365; the CA's default is 3650). */
  days?: number;
}

export interface ServingCertOptions extends IssueOptions {
  commonName: string;
  /** DNS names and IP addresses the server is reached at; sorted into DNS and IP SANs. */
  hosts: readonly string[];
}

export interface ClientCertOptions extends IssueOptions {
  /** The user name (subject CN). */
  user: string;
  /** Groups (one subject O each). */
  groups?: readonly string[];
}

const KEY_ARGS = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
const LEAF_DAYS_DEFAULT = 365;
const CA_DAYS_DEFAULT = 3650;

/** The hosts a local apiserver is reached at, plus any given: 127.0.0.1, ::1, localhost. */
export const LOCAL_HOSTS: readonly string[] = ['127.0.0.1', '::1', 'localhost'];

export function createCa(commonName: string, options: IssueOptions = {}): KeyPair {
  return withScratch((s) => {
    s.openssl([
      'req', '-x509', ...KEY_ARGS, '-keyout', 'ca.key', '-out', 'ca.crt',
      '-subj', subject({ CN: commonName }), '-days', String(options.days ?? CA_DAYS_DEFAULT), '-set_serial', serial(),
      '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
    ]);
    return { certPem: s.read('ca.crt'), keyPem: s.read('ca.key') };
  });
}

export function issueServingCert(ca: KeyPair, options: ServingCertOptions): KeyPair {
  const extensions = ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=serverAuth'];
  return issue(ca, subject({ CN: options.commonName }), [...extensions, ...subjectAltNames(options.hosts)], options.days);
}

export interface SelfSignedCertOptions extends IssueOptions {
  /** Subject organization (etcd's auto TLS uses "etcd" and no common name). */
  organization: string;
  hosts: readonly string[];
}

/**
 * A serving certificate signed by its own key, chaining to nothing: clients can only skip verification or pin it
 * as their CA. etcd's --auto-tls and --peer-auto-tls serve one.
 */
export function createSelfSignedCert(options: SelfSignedCertOptions): KeyPair {
  return withScratch((s) => {
    const extensions = ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=serverAuth'];
    s.openssl([
      'req', '-x509', ...KEY_ARGS, '-keyout', 'self.key', '-out', 'self.crt',
      '-subj', subject({ O: [options.organization] }), '-days', String(options.days ?? LEAF_DAYS_DEFAULT), '-set_serial', serial(),
      ...[...extensions, ...subjectAltNames(options.hosts)].flatMap((e) => ['-addext', e]),
    ]);
    return { certPem: s.read('self.crt'), keyPem: s.read('self.key') };
  });
}

/**
 * A store member's certificate (etcd's --cert-file and --peer-cert-file): served on its client and peer URLs and
 * presented when it dials a peer or the leader, so it is good for serverAuth and clientAuth alike.
 */
export function issueMemberCert(ca: KeyPair, options: ServingCertOptions): KeyPair {
  const extensions = ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=serverAuth,clientAuth'];
  return issue(ca, subject({ CN: options.commonName }), [...extensions, ...subjectAltNames(options.hosts)], options.days);
}

export function issueClientCert(ca: KeyPair, options: ClientCertOptions): KeyPair {
  const extensions = ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=clientAuth'];
  return issue(ca, subject({ O: options.groups ?? [], CN: options.user }), extensions, options.days);
}

function issue(ca: KeyPair, subj: string, extensions: readonly string[], days = LEAF_DAYS_DEFAULT): KeyPair {
  return withScratch((s: Scratch) => {
    s.write('ca.crt', ca.certPem);
    s.write('ca.key', ca.keyPem);
    s.write('ext.cnf', `${extensions.join('\n')}\n`);
    s.openssl(['req', '-new', ...KEY_ARGS, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', subj]);
    s.openssl([
      'x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', serial(),
      '-days', String(days), '-sha256', '-extfile', 'ext.cnf', '-out', 'leaf.crt',
    ]);
    return { certPem: s.read('leaf.crt'), keyPem: s.read('leaf.key') };
  });
}

/** The subjectAltName extension for the hosts (IPs as IP SANs, the rest as DNS SANs), none for no hosts. */
function subjectAltNames(hosts: readonly string[]): string[] {
  const sans = [...new Set(hosts)].map((h) => (isIP(h) === 0 ? `DNS:${h}` : `IP:${h}`));
  return sans.length === 0 ? [] : [`subjectAltName=${sans.join(',')}`];
}

/** OpenSSL's `-subj` form: `/O=a/O=b/CN=c`, with its separators escaped inside values. */
function subject(parts: { O?: readonly string[]; CN?: string }): string {
  const escape = (v: string): string => v.replace(/[\\/+=]/g, (c) => `\\${c}`);
  return [...(parts.O ?? []).map((o) => `/O=${escape(o)}`), ...(parts.CN === undefined ? [] : [`/CN=${escape(parts.CN)}`])].join('');
}

/** Random positive 127-bit serials, as RFC 5280 recommends (unpredictable, at most 20 octets). */
function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  return `0x${bytes.toString('hex')}`;
}
