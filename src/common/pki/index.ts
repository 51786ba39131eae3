// The door to barque's PKI: a CA, serving and client certificates, self-signed ones (all made by OpenSSL), and their
// PEM files.
export { createCa, createSelfSignedCert, issueClientCert, issueMemberCert, issueServingCert, LOCAL_HOSTS, type ClientCertOptions, type IssueOptions, type KeyPair, type SelfSignedCertOptions, type ServingCertOptions } from './certificates.ts';
export { loadOrCreate, loadOrCreateFiles, pemFilesIn, readPemFiles, writePemFiles, writePemPair, type PemFiles } from './pem-files.ts';
export { OpensslError } from './openssl.ts';
