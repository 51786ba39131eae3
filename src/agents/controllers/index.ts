// The door to the controllers: the registry the controller-manager runs and what a controller is built from.
export { ALL_CONTROLLERS } from './all-controllers.ts';
export { DEFAULT_CONTROLLER_OPTIONS, type Controller, type ControllerContext, type ControllerDescriptor, type ControllerOptions } from './common/controller-context.ts';
export { apiEventSink, RecordingEventSink, type EventSink } from './common/events.ts';
export { InformerFactory } from './common/informer-factory.ts';
export { QueueController, splitKey, type ReconcileResult } from './common/queue-controller.ts';
