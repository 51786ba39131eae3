import { describe, expect, it } from 'vitest';
import { alreadyExists, cause, conflict, expired, internalError, invalid, methodNotAllowed, notFound, tooManyRequests } from './status.ts';

const pods = { group: '', resource: 'pods' };

describe('Status errors with Kubernetes wording', () => {
  it('NotFound', () => {
    expect(notFound(pods, 'x').toStatus()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'pods "x" not found',
      reason: 'NotFound',
      details: { name: 'x', kind: 'pods' },
      code: 404,
    });
    expect(notFound({ group: 'apps', resource: 'deployments' }, 'd').message).toBe('deployments.apps "d" not found');
  });
  it('AlreadyExists and Conflict', () => {
    expect(alreadyExists(pods, 'x').toStatus()).toMatchObject({ code: 409, reason: 'AlreadyExists', message: 'pods "x" already exists' });
    expect(conflict(pods, 'x').toStatus()).toMatchObject({
      code: 409,
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on pods "x": the object has been modified; please apply your changes to the latest version and try again',
    });
  });
  it('Invalid with causes', () => {
    const status = invalid('Pod', '', 'x', [cause.required('spec.containers')]).toStatus();
    expect(status).toMatchObject({
      code: 422,
      reason: 'Invalid',
      message: 'Pod "x" is invalid: spec.containers: Required value',
      details: { name: 'x', kind: 'Pod', causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers' }] },
    });
    const two = invalid('Pod', '', 'x', [cause.required('a'), cause.required('b')]);
    expect(two.message).toBe('Pod "x" is invalid: [a: Required value, b: Required value]');
  });
  it('MethodNotAllowed and Expired', () => {
    expect(methodNotAllowed().toStatus()).toMatchObject({ code: 405, reason: 'MethodNotAllowed' });
    expect(expired('too old resource version: 1 (5)').toStatus()).toMatchObject({ code: 410, reason: 'Expired' });
  });
  it('TooManyRequests with causes; retryAfterSeconds only when positive', () => {
    const status = tooManyRequests('Cannot evict pod as it would violate the pod\'s disruption budget.', [{ reason: 'DisruptionBudget', message: 'budget', field: '' }]).toStatus();
    expect(status).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      reason: 'TooManyRequests',
      details: { causes: [{ reason: 'DisruptionBudget', message: 'budget' }] },
      code: 429,
    });
    expect(tooManyRequests('later', [], 5).toStatus().details).toEqual({ retryAfterSeconds: 5 });
    expect(() => tooManyRequests('later', [], -1)).toThrow(/assertion failed/);
  });
  it('causes leave out an empty reason and field, as Go omits them', () => {
    expect(internalError(new Error('boom')).toStatus().details).toEqual({ causes: [{ message: 'boom' }] });
  });
});
