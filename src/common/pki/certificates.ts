// A small certificate authority: a CA, serving certificates with the names clients dial (DNS names and IPs as SANs),
// and client certificates whose subject carries a Kubernetes identity (CN = user, one O per group). Keys are ECDSA
// P-256, which Go's TLS (kubectl, etcd), Node's and grpc-js all accept. OpenSSL does all the cryptography.
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
  const sans = options.hosts.map((h) => (isIP(h) === 0 ? `DNS:${h}` : `IP:${h}`));
  const extensions = ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=serverAuth'];
  if (sans.length > 0) extensions.push(`subjectAltName=${sans.join(',')}`);
  return issue(ca, subject({ CN: options.commonName }), extensions, options.days);
}

/**
 * A store member's certificate (etcd's --cert-file and --peer-cert-file): served on its client and peer URLs and
 * presented when it dials a peer or the leader, so it is good for serverAuth and clientAuth alike.
 */
export function issueMemberCert(ca: KeyPair, options: ServingCertOptions): KeyPair {
  const sans = options.hosts.map((h) => (isIP(h) === 0 ? `DNS:${h}` : `IP:${h}`));
  const extensions = ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=serverAuth,clientAuth'];
  if (sans.length > 0) extensions.push(`subjectAltName=${sans.join(',')}`);
  return issue(ca, subject({ CN: options.commonName }), extensions, options.days);
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

/** OpenSSL's `-subj` form: `/O=a/O=b/CN=c`, with its separators escaped inside values. */
function subject(parts: { O?: readonly string[]; CN: string }): string {
  const escape = (v: string): string => v.replace(/[\\/+=]/g, (c) => `\\${c}`);
  return [...(parts.O ?? []).map((o) => `/O=${escape(o)}`), `/CN=${escape(parts.CN)}`].join('');
}

/** Random positive 127-bit serials, as RFC 5280 recommends (unpredictable, at most 20 octets). */
function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  return `0x${bytes.toString('hex')}`;
}
