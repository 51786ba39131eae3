// coordination.k8s.io/v1 leases: leader election and node heartbeats; the printer shows the holder.
import { cause, type StatusCause } from '../../rest/status.ts';
import { AGE_COLUMN, age, column, NAME_COLUMN } from '../../rest/table.ts';
import { noDefaults, type ResourceDef } from '../resource-def.ts';
import { o, str } from '../values.ts';

export const leases: ResourceDef = {
  group: 'coordination.k8s.io',
  version: 'v1',
  resource: 'leases',
  singular: 'lease',
  kind: 'Lease',
  namespaced: true,
  shortNames: [],
  categories: [],
  hasStatus: false,
  tracksGeneration: false,
  deleteReturnsObject: false,
  printer: {
    columns: [NAME_COLUMN, column('Holder', 'The holder of the lease'), AGE_COLUMN],
    cells: (l, now) => [l.metadata?.name, str(o(l.spec).holderIdentity) || '<none>', age(l.metadata?.creationTimestamp, now)],
  },
  selectableFields: {},
  defaults: noDefaults,
  validate(lease) {
    const spec = o(lease.spec);
    const causes: StatusCause[] = [];
    const duration = spec.leaseDurationSeconds;
    if (typeof duration === 'number' && duration <= 0) causes.push(cause.invalid('spec.leaseDurationSeconds', duration, 'must be greater than 0'));
    const transitions = spec.leaseTransitions;
    if (typeof transitions === 'number' && transitions < 0) causes.push(cause.invalid('spec.leaseTransitions', transitions, 'must be greater than or equal to 0'));
    return causes;
  },
  validateUpdate: () => [],
};
