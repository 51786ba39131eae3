// The door to the scheduler: the Scheduler (queue, cache, framework, binding), its plugins and the pure pieces
// tests and tools use on their own.
export { fitErrorMessage, NO_NODES_AVAILABLE, type FitFailure } from './failure-message.ts';
export { MAX_NODE_SCORE, type CycleState, type Plugin, type Snapshot, type WeightedPlugin } from './framework.ts';
export { NodeInfo } from './node-info.ts';
export { defaultPlugins, UNSCHEDULABLE_TAINT } from './plugins/index.ts';
export { parseMilli, parseQuantity } from './quantity.ts';
export { filterNode, schedulePod, type ScheduleResult } from './schedule-pod.ts';
export { DEFAULT_SCHEDULER_NAME, Scheduler, type SchedulerOptions } from './scheduler.ts';
export { SchedulerCache } from './scheduler-cache.ts';
export { DEFAULT_INITIAL_BACKOFF_MS, DEFAULT_MAX_BACKOFF_MS, SchedulingQueue, type QueuedPod, type SchedulingQueueOptions } from './scheduling-queue.ts';
