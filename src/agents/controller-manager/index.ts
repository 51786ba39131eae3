// The door to the controller-manager: the process that runs every controller while it holds the leader lease.
export { ControllerManager, type ControllerManagerOptions } from './controller-manager.ts';
export { isControllerEnabled, parseControllerManagerFlags, parseDuration, type ControllerManagerFlags } from './flags.ts';
export { readKubeconfigCredentials, type ClientCredentials } from '../client/kubeconfig-credentials.ts';
