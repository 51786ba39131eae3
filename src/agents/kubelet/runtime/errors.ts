// The runtime's typed errors. The kubelet maps `code` to a Kubernetes Status (NotFound → 404, BadRequest → 400, Internal → 500)
// in one place when it serves logs and exec; the messages are the kubelet's own.

export type RuntimeErrorCode = 'NotFound' | 'BadRequest' | 'Timeout' | 'Internal';

export class RuntimeError extends Error {
  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'RuntimeError';
  }
}

export function podNotFound(uid: string): RuntimeError {
  return new RuntimeError('NotFound', `pod with uid "${uid}" not found on this node`);
}

export function containerNotFound(container: string, pod: string): RuntimeError {
  return new RuntimeError('BadRequest', `container ${container} is not valid for pod ${pod}`);
}

export function previousNotFound(container: string, pod: string): RuntimeError {
  return new RuntimeError('BadRequest', `previous terminated container "${container}" in pod "${pod}" not found`);
}

export function waitingToStart(container: string, pod: string, reason: string): RuntimeError {
  return new RuntimeError('BadRequest', `container "${container}" in pod "${pod}" is waiting to start: ${reason}`);
}
