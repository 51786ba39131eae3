// core/v1 configmaps and secrets: key/value data with Kubernetes' key rule; secrets fold stringData into data.
import type { KubeObject } from '../../types.ts';
import { cause, type StatusCause } from '../../rest/status.ts';
import { AGE_COLUMN, age, column, NAME_COLUMN } from '../../rest/table.ts';
import { noDefaults, type ResourceDef } from '../resource-def.ts';
import { o, str } from '../values.ts';

const dataCount = (obj: KubeObject, ...fields: string[]): number => fields.reduce((n, f) => n + Object.keys(o(obj[f])).length, 0);

const DATA_KEY = /^[-._a-zA-Z0-9]+$/;
function validateDataKeys(obj: KubeObject, fields: string[]): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const f of fields) {
    for (const key of Object.keys(o(obj[f]))) {
      if (!DATA_KEY.test(key) || key.length > 253) {
        causes.push(cause.invalid(`${f}[${key}]`, key, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
      }
    }
  }
  return causes;
}

export const configmaps: ResourceDef = {
  group: '',
  version: 'v1',
  resource: 'configmaps',
  singular: 'configmap',
  kind: 'ConfigMap',
  namespaced: true,
  shortNames: ['cm'],
  categories: [],
  hasStatus: false,
  tracksGeneration: false,
  deleteReturnsObject: false,
  printer: {
    columns: [NAME_COLUMN, column('Data', 'Data contains the configuration data.', { type: 'integer' }), AGE_COLUMN],
    cells: (cm, now) => [cm.metadata?.name, dataCount(cm, 'data', 'binaryData'), age(cm.metadata?.creationTimestamp, now)],
  },
  selectableFields: {},
  defaults: noDefaults,
  validate: (cm) => validateDataKeys(cm, ['data', 'binaryData']),
  validateUpdate: (next, old) =>
    old.immutable === true && JSON.stringify([next.data, next.binaryData]) !== JSON.stringify([old.data, old.binaryData]) ? [cause.forbidden('data', 'field is immutable when `immutable` is set')] : [],
};

export const secrets: ResourceDef = {
  group: '',
  version: 'v1',
  resource: 'secrets',
  singular: 'secret',
  kind: 'Secret',
  namespaced: true,
  shortNames: [],
  categories: [],
  hasStatus: false,
  tracksGeneration: false,
  deleteReturnsObject: false,
  printer: {
    columns: [NAME_COLUMN, column('Type', 'The type of the secret'), column('Data', 'The number of entries in Data', { type: 'integer' }), AGE_COLUMN],
    cells: (s, now) => [s.metadata?.name, str(s.type), dataCount(s, 'data'), age(s.metadata?.creationTimestamp, now)],
  },
  selectableFields: { type: (s) => str(s.type) },
  defaults(secret) {
    if (str(secret.type) === '') secret.type = 'Opaque';
    // stringData is write-only: folded into data (base64) and dropped.
    const stringData = o(secret.stringData);
    if (Object.keys(stringData).length > 0) {
      const data = o(secret.data);
      for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
      secret.data = data;
    }
    delete secret.stringData;
  },
  validate: (s) => validateDataKeys(s, ['data']),
  validateUpdate: (next, old) => (next.type !== old.type ? [cause.invalid('type', next.type, 'field is immutable')] : []),
};
