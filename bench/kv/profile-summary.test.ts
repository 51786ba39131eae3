import { describe, expect, it } from 'vitest';
import { summarizeProfile, type CpuProfile } from './profile-summary.ts';

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
});
