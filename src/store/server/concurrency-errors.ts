// Errors of the Lock and Election services. Texts are clientv3 concurrency's; etcd sends them with code Unknown.

export class ElectionError extends Error {
  constructor(message: 'election: no leader' | 'election: not leader' | '"leader" field must be provided') {
    super(message);
    this.name = 'ElectionError';
  }
}

/** A lock waiter whose key vanished (its lease ended) before it got the lock. */
export class SessionExpiredError extends Error {
  constructor() {
    super('mutex: session is expired');
    this.name = 'SessionExpiredError';
  }
}

/** The client gave up on a waiting Lock, Campaign or Observe. */
export class CanceledError extends Error {
  constructor() {
    super('context canceled');
    this.name = 'CanceledError';
  }
}

/** An etcd error as the Lock and Election services pass it on: its text, with code Unknown. */
export class ThroughClientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ThroughClientError';
  }
}
