// The client identities `barque up` gives its components on a TLS apiserver: one certificate each, signed by the
// cluster CA in <data-dir>/pki (the apiserver's --cert-dir, so it trusts them), wrapped in a kubeconfig. Made once
// and reused, so a restarted cluster keeps its identities. The users are the ones the default RBAC policy binds.
import { join } from 'node:path';
import { writeKubeconfig } from '../apiserver/index.ts';
import { createCa, issueClientCert, loadOrCreate, type KeyPair } from '../common/pki/index.ts';

export const CONTROLLER_MANAGER_USER = 'system:kube-controller-manager';
export const SCHEDULER_USER = 'system:kube-scheduler';
const NODES_GROUP = 'system:nodes';

export interface ComponentKubeconfigs {
  controllerManager: string;
  scheduler: string;
  agent: string;
}

/** The CA the apiserver's --cert-dir uses (its file names are ca.crt/ca.key there: made here first if need be). */
function clusterCa(pkiDir: string): KeyPair {
  return loadOrCreate(pkiDir, 'ca', () => createCa('barque-ca'));
}

export function componentKubeconfigs(pkiDir: string, restUrl: string, nodeName: string): ComponentKubeconfigs {
  const ca = clusterCa(pkiDir);
  const write = (name: string, user: string, groups: string[] = []): string => {
    const pair = loadOrCreate(pkiDir, name, () => issueClientCert(ca, { user, groups }));
    const path = join(pkiDir, `${name}.kubeconfig`);
    writeKubeconfig(path, restUrl, { caPem: ca.certPem, certPem: pair.certPem, keyPem: pair.keyPem });
    return path;
  };
  return {
    controllerManager: write('controller-manager', CONTROLLER_MANAGER_USER),
    scheduler: write('scheduler', SCHEDULER_USER),
    agent: write(`node-${nodeName}`, `system:node:${nodeName}`, [NODES_GROUP]),
  };
}
