import { describe, expect, it } from 'vitest';
import { memoryBudgets } from './memory-budgets.ts';

describe('memoryBudgets', () => {
  it('reads byte counts, absent or empty meaning the defaults', () => {
    expect(memoryBudgets({})).toEqual({ residentEntryBytes: undefined, residentValueBytes: undefined });
    expect(memoryBudgets({ BARQUE_RESIDENT_ENTRY_BYTES: '0', BARQUE_RESIDENT_VALUE_BYTES: '1048576' })).toEqual({ residentEntryBytes: 0, residentValueBytes: 1048576 });
    expect(memoryBudgets({ BARQUE_RESIDENT_VALUE_BYTES: '' }).residentValueBytes).toBeUndefined();
  });

  it('refuses anything but a byte count, naming the variable', () => {
    expect(() => memoryBudgets({ BARQUE_RESIDENT_VALUE_BYTES: '32MiB' })).toThrow('BARQUE_RESIDENT_VALUE_BYTES: want a number of bytes (0 or more), got "32MiB"');
    expect(() => memoryBudgets({ BARQUE_RESIDENT_ENTRY_BYTES: '-1' })).toThrow('BARQUE_RESIDENT_ENTRY_BYTES');
    expect(() => memoryBudgets({ BARQUE_RESIDENT_ENTRY_BYTES: '1.5' })).toThrow('BARQUE_RESIDENT_ENTRY_BYTES');
  });
});
