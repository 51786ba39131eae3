import { describe, expect, it } from 'vitest';
import { checkAuthTokenOption, SimpleTokens } from './simple-tokens.ts';

class FakeClock {
  ms = 0;
  now(): number {
    return this.ms;
  }
}

describe('auth: simple tokens', () => {
  it('expire after the TTL since their last use, which extends them', () => {
    const clock = new FakeClock();
    const tokens = new SimpleTokens(clock, 300_000);
    tokens.assign('abc.5', 'alice');
    clock.ms = 299_000;
    expect(tokens.userOf('abc.5')).toBe('alice');
    clock.ms = 598_000; // 299 s after the last use
    expect(tokens.userOf('abc.5')).toBe('alice');
    clock.ms = 898_000;
    expect(tokens.userOf('abc.5')).toBeUndefined();
    expect(tokens.size).toBe(0);
  });

  it('are dropped for a user, or all at once', () => {
    const tokens = new SimpleTokens(new FakeClock(), 1000);
    tokens.assign('a.1', 'alice');
    tokens.assign('b.2', 'bob');
    tokens.invalidateUser('alice');
    expect(tokens.userOf('a.1')).toBeUndefined();
    expect(tokens.userOf('b.2')).toBe('bob');
    tokens.clear();
    expect(tokens.userOf('b.2')).toBeUndefined();
  });

  it('--auth-token accepts simple and refuses jwt clearly', () => {
    expect(checkAuthTokenOption('simple')).toBeUndefined();
    expect(checkAuthTokenOption('jwt,pub-key=a,priv-key=b,sign-method=RS256')).toMatch(/jwt tokens are not supported yet/);
    expect(checkAuthTokenOption('bogus')).toBe('unknown token type: bogus');
  });
});
