// The hollow runtime: the shared supervisor over containers that are only simulated.
import type { Clock } from '../../../client/clock.ts';
import type { PodAddressAllocator } from '../../pod-network/index.ts';
import type { BackOffPolicy } from '../back-off.ts';
import { SupervisedRuntime } from '../supervised-runtime.ts';
import { HollowDriver, type HollowDriverOptions } from './hollow-driver.ts';

export { HollowDriver, type HollowDriverOptions, type InjectedFailure } from './hollow-driver.ts';

export interface HollowRuntimeOptions extends Omit<HollowDriverOptions, 'clock'> {
  clock: Clock;
  addresses: PodAddressAllocator;
  backOff?: BackOffPolicy;
}

export function createHollowRuntime(options: HollowRuntimeOptions): SupervisedRuntime {
  const { addresses, backOff, ...driverOptions } = options;
  return new SupervisedRuntime({ driver: new HollowDriver(driverOptions), addresses, clock: options.clock, backOff });
}
