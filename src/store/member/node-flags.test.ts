import { describe, expect, it } from 'vitest';
import { memberNodeFlags } from './node-flags.ts';

describe('memberNodeFlags', () => {
  it('caps the young generation by default and lets BARQUE_MEMBER_NODE_FLAGS replace the flags', () => {
    expect(memberNodeFlags({})).toEqual(['--max-semi-space-size=8']);
    expect(memberNodeFlags({ BARQUE_MEMBER_NODE_FLAGS: '' })).toEqual([]);
    expect(memberNodeFlags({ BARQUE_MEMBER_NODE_FLAGS: ' --max-semi-space-size=2  --max-old-space-size=256 ' })).toEqual([
      '--max-semi-space-size=2',
      '--max-old-space-size=256',
    ]);
  });
});
