// The cluster's identities, all from one CA in <data-dir>/pki (made once, reused on resume): a serving certificate
// per master's apiserver (loopback names and the `kubernetes` service IP, so both the direct URL and the failover
// endpoint, which passes TLS through, verify), the admin kubeconfig pointing at the failover endpoint, and the
// components' kubeconfigs (credentials.ts, the same users `barque up` gives them) and one identity per hollow node
// (hollow-identities.ts).
import { MASTERS_GROUP, writeKubeconfig } from '../apiserver/index.ts';
import { createCa, issueClientCert, issueServingCert, loadOrCreate, LOCAL_HOSTS, pemFilesIn, type KeyPair, type PemFiles } from '../common/pki/index.ts';
import { componentKubeconfigs } from './credentials.ts';
import { hollowIdentities, type HollowIdentities } from './hollow-identities.ts';
import { memberName } from './cluster-plan.ts';
import { storeTls, type StoreTls } from './store-tls.ts';

/** The first IP of the apiserver's default --service-cluster-ip-range. */
const KUBERNETES_SERVICE_IP = '127.10.0.1';
const ADMIN_USER = 'barque-admin';

export interface ClusterCredentials {
  caFile: string;
  admin: KeyPair;
  /** Per master: its apiserver's serving certificate files. */
  serving: PemFiles[];
  controllerManager: string;
  scheduler: string;
  /** Per process node name: its kubeconfig (user system:node:<name>). */
  nodes: Map<string, string>;
  /** The hollow nodes' tokens and kubeconfigs, one identity per node; null without hollow nodes. */
  hollow: HollowIdentities | null;
  /** The store members' certificates and the apiservers' client certificate to them. */
  store: StoreTls;
}

export function clusterCredentials(pkiDir: string, masters: number, endpointUrl: string, nodeNames: string[], hollowNames: string[], kubeconfig: string): ClusterCredentials {
  const ca = loadOrCreate(pkiDir, 'ca', () => createCa('barque-ca'));
  const serving = Array.from({ length: masters }, (_, i) => {
    loadOrCreate(pkiDir, `apiserver-m${i}`, () => issueServingCert(ca, { commonName: `barque-apiserver-m${i}`, hosts: [...LOCAL_HOSTS, KUBERNETES_SERVICE_IP] }));
    return pemFilesIn(pkiDir, `apiserver-m${i}`);
  });
  const admin = loadOrCreate(pkiDir, 'admin', () => issueClientCert(ca, { user: ADMIN_USER, groups: [MASTERS_GROUP] }));
  writeKubeconfig(kubeconfig, endpointUrl, { caPem: ca.certPem, certPem: admin.certPem, keyPem: admin.keyPem });
  const nodes = new Map<string, string>();
  let base = componentKubeconfigs(pkiDir, endpointUrl, nodeNames[0] ?? 'node-0');
  for (const name of nodeNames) {
    base = componentKubeconfigs(pkiDir, endpointUrl, name);
    nodes.set(name, base.agent);
  }
  const hollow = hollowNames.length === 0 ? null : hollowIdentities(pkiDir, endpointUrl, ca.certPem, hollowNames);
  const store = storeTls(pkiDir, Array.from({ length: masters }, (_, i) => memberName(i)));
  return { caFile: pemFilesIn(pkiDir, 'ca').certFile, admin, serving, controllerManager: base.controllerManager, scheduler: base.scheduler, nodes, hollow, store };
}
