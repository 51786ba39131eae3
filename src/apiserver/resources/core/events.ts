// core/v1 events: what happened to which object; field selectors on involvedObject for `kubectl describe`.
import { cause } from '../../rest/status.ts';
import { age, column, NAME_COLUMN } from '../../rest/table.ts';
import { noCauses, noDefaults, type ResourceDef } from '../resource-def.ts';
import { o, str } from '../values.ts';

export const events: ResourceDef = {
  group: '',
  version: 'v1',
  resource: 'events',
  singular: 'event',
  kind: 'Event',
  namespaced: true,
  shortNames: ['ev'],
  categories: [],
  hasStatus: false,
  tracksGeneration: false,
  deleteReturnsObject: false,
  printer: {
    columns: [
      column('Last Seen', 'Time when this Event was last seen'),
      column('Type', 'Type of this event (Normal, Warning), new types could be added in the future.'),
      column('Reason', 'Reason is why the action was taken. It is human-readable.'),
      column('Object', 'The object this Event is about.'),
      column('Message', 'A human-readable description of the status of this operation.'),
      column('Subobject', 'The subobject this Event is about.', { priority: 1 }),
      column('Source', 'The component reporting this event.', { priority: 1 }),
      column('First Seen', 'The first time this Event was seen.', { priority: 1 }),
      column('Count', 'The number of times this event has occurred.', { type: 'integer', priority: 1 }),
      { ...NAME_COLUMN, priority: 1 },
    ],
    cells: (ev, now) => {
      const involved = o(ev.involvedObject);
      const source = o(ev.source);
      const last = str(ev.lastTimestamp) || str(ev.eventTime) || str(ev.firstTimestamp) || ev.metadata?.creationTimestamp;
      const first = str(ev.firstTimestamp) || str(ev.eventTime) || ev.metadata?.creationTimestamp;
      return [
        age(last, now),
        str(ev.type),
        str(ev.reason),
        `${str(involved.kind).toLowerCase()}/${str(involved.name)}`,
        str(ev.message).trim(),
        str(involved.fieldPath),
        [str(source.component) || str(ev.reportingComponent), str(source.host)].filter((s) => s !== '').join(', '),
        age(first, now),
        typeof ev.count === 'number' ? ev.count : 1,
        ev.metadata?.name,
      ];
    },
  },
  selectableFields: {
    'involvedObject.kind': (e) => str(o(e.involvedObject).kind),
    'involvedObject.namespace': (e) => str(o(e.involvedObject).namespace),
    'involvedObject.name': (e) => str(o(e.involvedObject).name),
    'involvedObject.uid': (e) => str(o(e.involvedObject).uid),
    'involvedObject.apiVersion': (e) => str(o(e.involvedObject).apiVersion),
    'involvedObject.resourceVersion': (e) => str(o(e.involvedObject).resourceVersion),
    'involvedObject.fieldPath': (e) => str(o(e.involvedObject).fieldPath),
    reason: (e) => str(e.reason),
    reportingComponent: (e) => str(e.reportingComponent),
    source: (e) => str(o(e.source).component),
    type: (e) => str(e.type),
  },
  defaults: noDefaults,
  validate(ev) {
    const ns = ev.metadata?.namespace ?? '';
    const involvedNs = str(o(ev.involvedObject).namespace);
    if (involvedNs !== '' && involvedNs !== ns) return [cause.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace')];
    return [];
  },
  validateUpdate: noCauses,
};
