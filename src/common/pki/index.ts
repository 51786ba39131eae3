// The door to barque's PKI: a CA, serving and client certificates (made by OpenSSL), and their PEM files.
export { createCa, issueClientCert, issueMemberCert, issueServingCert, LOCAL_HOSTS, type ClientCertOptions, type IssueOptions, type KeyPair, type ServingCertOptions } from './certificates.ts';
export { loadOrCreate, pemFilesIn, readPemFiles, writePemFiles, type PemFiles } from './pem-files.ts';
export { OpensslError } from './openssl.ts';
