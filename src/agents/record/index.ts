// The door to the event recorder: core/v1 Events about objects, aggregated and rate-limited, best-effort.
export { EventRecorder, type EventRecorderOptions, type EventType, type ObjectReference } from './event-recorder.ts';
export { SpamFilter, type SpamFilterOptions } from './spam-filter.ts';
