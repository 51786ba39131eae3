// etcd's "simple" tokens: random letters + "." + the Raft index of the Authenticate entry, held in memory by every
// member (each applies the entry), valid for --auth-token-ttl since their last use. Not persisted: after a
// restart clients authenticate again, as with etcd.

export interface TokenClock {
  /** Milliseconds on a monotonic clock. */
  now(): number;
}

interface Held {
  user: string;
  expiresAtMs: number;
}

/** Expired tokens are dropped when seen, and all of them every this many assignments. */
const SWEEP_EVERY = 1024;

export class SimpleTokens {
  private readonly held = new Map<string, Held>();
  private assigned = 0;

  constructor(
    private readonly clock: TokenClock,
    private readonly ttlMs: number,
  ) {}

  assign(token: string, user: string): void {
    if (++this.assigned % SWEEP_EVERY === 0) this.sweep();
    this.held.set(token, { user, expiresAtMs: this.clock.now() + this.ttlMs });
  }

  /** The token's user, extending its life; undefined for an unknown or expired token. */
  userOf(token: string): string | undefined {
    const h = this.held.get(token);
    if (h === undefined) return undefined;
    const now = this.clock.now();
    if (h.expiresAtMs <= now) {
      this.held.delete(token);
      return undefined;
    }
    h.expiresAtMs = now + this.ttlMs;
    return h.user;
  }

  /** Known and not expired, without extending its life. */
  has(token: string): boolean {
    const h = this.held.get(token);
    return h !== undefined && h.expiresAtMs > this.clock.now();
  }

  /** A deleted user or a changed password ends the user's tokens. */
  invalidateUser(user: string): void {
    for (const [token, h] of this.held) if (h.user === user) this.held.delete(token);
  }

  clear(): void {
    this.held.clear();
  }

  get size(): number {
    return this.held.size;
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [token, h] of this.held) if (h.expiresAtMs <= now) this.held.delete(token);
  }
}

/** The Raft index a simple token names (its Authenticate entry), or undefined when it names none. */
export function tokenIndex(token: string): number | undefined {
  const dot = token.lastIndexOf('.');
  if (dot < 0) return undefined;
  const digits = token.slice(dot + 1);
  if (!/^[0-9]{1,15}$/.test(digits)) return undefined;
  return Number(digits);
}

/**
 * etcd's --auth-token: "simple" (the default) is served; "jwt,..." is etcd's other kind, not built yet. Returns
 * the problem with the option, or undefined when it is fine.
 */
export function checkAuthTokenOption(value: string): string | undefined {
  const kind = value.split(',')[0];
  if (kind === 'simple') return undefined;
  if (kind === 'jwt') return `--auth-token ${value}: jwt tokens are not supported yet (use --auth-token simple)`;
  return `unknown token type: ${kind}`;
}
