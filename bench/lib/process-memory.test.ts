import { describe, expect, it } from 'vitest';
import { parseStatusField, processTree, treePeakRssKiB } from './process-memory.ts';

describe('process memory', () => {
  it('parses a /proc status field', () => {
    const text = 'Name:\tnode\nVmPeak:\t  999 kB\nVmHWM:\t   12345 kB\nVmRSS:\t 100 kB\n';
    expect(parseStatusField(text, 'VmHWM')).toBe(12345);
    expect(parseStatusField(text, 'VmSwap')).toBeNull();
  });

  it('measures this process tree', () => {
    expect(processTree(process.pid)[0]).toBe(process.pid);
    expect(treePeakRssKiB(process.pid)).toBeGreaterThan(1000);
    expect(treePeakRssKiB(2 ** 30)).toBeNull();
  });
});
