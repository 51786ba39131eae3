// A token from another member names an Authenticate entry this member may not have applied yet: the call waits
// for that entry (as etcd), instead of refusing a good token as "invalid auth token".
import { Metadata, type ServerUnaryCall, type ServiceError } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { Wire } from '../apply/wire-convert.ts';
import { AuthGate, SimpleTokens, type AuthStore } from '../auth/index.ts';
import type { CommittedBatch, MvccStore } from '../mvcc/index.ts';
import type { ServerContext } from './context.ts';
import { unary } from './handlers.ts';
import { createLogger } from '../../common/logger.ts';

/** A member whose applied state the test moves by hand: auth on, tokens, the applied index and its listeners. */
function member(appliedIndex: number) {
  const tokens = new SimpleTokens({ now: () => 0 }, 300_000);
  const listeners = new Set<(b: CommittedBatch) => void>();
  const state = { appliedIndex };
  const store = {
    get consistentIndex() {
      return state.appliedIndex;
    },
    onCommitted(l: (b: CommittedBatch) => void) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  } as unknown as MvccStore;
  const authStore = { enabled: true, tokens, revision: 1n } as unknown as AuthStore;
  const ctx = { store, auth: new AuthGate(authStore, { leaseKeys: () => [] }), hasLeader: () => true, logger: createLogger({ name: 'test', level: 'silent' }) } as unknown as ServerContext;
  /** Applies entries up to `index`, the Authenticate entry of `token` among them. */
  const apply = (index: number, token?: { token: string; user: string }) => {
    if (token !== undefined) tokens.assign(token.token, token.user);
    state.appliedIndex = index;
    for (const l of listeners) l({ appliedIndex: index } as unknown as CommittedBatch);
  };
  return { ctx, apply };
}

/** Calls a handler that answers with the caller's name, as every service reads it. */
function whoAmI(ctx: ServerContext, token: string): { answered: Promise<string> } {
  const handler = unary(ctx, (_req, call) => ({ user: ctx.auth.callerOf(call.metadata)?.user ?? '' }));
  const metadata = new Metadata();
  metadata.set('token', token);
  const call = { request: {}, metadata, getPath: () => '/test' } as unknown as ServerUnaryCall<Wire, Wire>;
  const answered = new Promise<string>((resolve, reject) =>
    handler(call, (err: Partial<ServiceError> | null, resp?: Wire | null) => (err ? reject(err) : resolve(String(resp?.user)))),
  );
  answered.catch(() => undefined);
  return { answered };
}

describe('a token from an entry not applied here yet', () => {
  it('is judged once this member applies its Authenticate entry', async () => {
    const { ctx, apply } = member(5);
    const { answered } = whoAmI(ctx, 'abcdefghijklmnop.7');
    let settled = false;
    void answered.finally(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    apply(6);
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    apply(7, { token: 'abcdefghijklmnop.7', user: 'alice' });
    await expect(answered).resolves.toBe('alice');
  });

  it('is refused at once when its entry is applied and the token still unknown, or it names no entry', async () => {
    const { ctx } = member(9);
    await expect(whoAmI(ctx, 'abcdefghijklmnop.7').answered).rejects.toMatchObject({ details: 'etcdserver: invalid auth token' });
    await expect(whoAmI(ctx, 'no-index-here').answered).rejects.toMatchObject({ details: 'etcdserver: invalid auth token' });
  });
});
