// The process runtime: the shared supervisor over containers that are real child processes.
import type { Clock } from '../../../client/clock.ts';
import { silentLogger, type Logger } from '../../../../common/logger.ts';
import type { PodAddressAllocator } from '../../pod-network/index.ts';
import type { BackOffPolicy } from '../back-off.ts';
import { SupervisedRuntime } from '../supervised-runtime.ts';
import { ProcessDriver } from './process-driver.ts';

export { ProcessDriver, type ProcessDriverOptions } from './process-driver.ts';
export { containerArgv, NoCommandError } from './image-command.ts';
export { reapLeftovers } from './leftovers.ts';

export interface ProcessRuntimeOptions {
  root: string;
  addresses: PodAddressAllocator;
  clock: Clock;
  logger?: Logger;
  backOff?: BackOffPolicy;
  memoryCheckIntervalMs?: number;
}

export function createProcessRuntime(options: ProcessRuntimeOptions): SupervisedRuntime {
  const driver = new ProcessDriver({ root: options.root, logger: options.logger ?? silentLogger(), memoryCheckIntervalMs: options.memoryCheckIntervalMs });
  return new SupervisedRuntime({ driver, addresses: options.addresses, clock: options.clock, backOff: options.backOff });
}
