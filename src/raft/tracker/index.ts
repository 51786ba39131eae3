// Per-follower replication state and the tracker of the whole configuration.
export { Inflights } from './inflights.ts';
export { Progress } from './progress.ts';
export {
  ProgressTracker,
  cloneProgressMap,
  cloneTrackerConfig,
  confStateOf,
  describeTrackerConfig,
  emptyTrackerConfig,
  type ProgressMap,
  type TrackerConfig,
} from './progress-tracker.ts';
