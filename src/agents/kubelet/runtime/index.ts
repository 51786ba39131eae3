// The node's container runtime: the Runtime interface, its two implementations and the suite both pass.
export type { Runtime } from './runtime.ts';
export type * from './types.ts';
export { RuntimeError, type RuntimeErrorCode } from './errors.ts';
export { kubeletBackOff, RestartBackOff, type BackOffPolicy } from './back-off.ts';
export { SupervisedRuntime, type SupervisedRuntimeOptions } from './supervised-runtime.ts';
export type { ContainerDriver, ContainerLaunch, ContainerHandle, ContainerExit, Sandbox } from './container-driver.ts';
export { createProcessRuntime, type ProcessRuntimeOptions } from './process/index.ts';
export { createHollowRuntime, type HollowRuntimeOptions, type InjectedFailure } from './hollow/index.ts';
export { SIM_IMAGE } from './sim-steps.ts';
export { serviceEnv } from './container-env.ts';
