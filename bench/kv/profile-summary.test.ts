import { describe, expect, it } from 'vitest';
import { busiestWindow, summarizeProfile, type CpuProfile } from './profile-summary.ts';

const frame = (functionName: string, url = 'file:///repo/src/x.ts') => ({ functionName, url, lineNumber: 0 });

describe('summarizeProfile', () => {
  it('splits idle from busy time and counts self, file and inclusive shares', () => {
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), children: [2, 3] },
        { id: 2, callFrame: frame('(idle)', '') },
        { id: 3, callFrame: frame('outer'), children: [4] },
        { id: 4, callFrame: frame('inner', 'file:///repo/node_modules/lib/y.js') },
      ],
      samples: [2, 2, 3, 4, 4, 4],
      timeDeltas: [100, 100, 100, 100, 100, 100],
    };
    const s = summarizeProfile(profile);
    expect(s.totalMs).toBeCloseTo(0.6);
    expect(s.idleShare).toBeCloseTo(2 / 6);
    expect(s.self[0]).toEqual({ name: 'inner lib/y.js:1', share: 3 / 6 });
    expect(s.files.map((f) => f.name)).toEqual(['node_modules/lib/y.js', 'src/x.ts']);
    const outer = s.inclusive.find((r) => r.name.startsWith('outer'));
    expect(outer?.share).toBeCloseTo(4 / 6);
  });

  it('keeps the busiest window of the given length', () => {
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), children: [2, 3] },
        { id: 2, callFrame: frame('(idle)', '') },
        { id: 3, callFrame: frame('work') },
      ],
      // idle, then 3 busy samples, then idle again: 1 ms each
      samples: [2, 2, 3, 3, 3, 2, 2, 2],
      timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
    };
    const w = busiestWindow(profile, 3);
    expect(w.samples).toEqual([3, 3, 3]);
    expect(summarizeProfile(w).idleShare).toBe(0);
    // A window longer than the profile keeps all of it.
    expect(busiestWindow(profile, 100).samples).toHaveLength(8);
  });
});
