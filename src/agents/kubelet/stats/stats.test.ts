import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { UsageMeter, parseProcStat, sampleMachine, sampleProcessGroup } from './index.ts';

describe('parseProcStat', () => {
  it('counts fields from the last parenthesis, so odd command names parse', () => {
    const line = '4242 (a) b (c)) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 100 1000000 300 18446744073709551615';
    expect(parseProcStat(line)).toEqual({ pid: 4242, pgrp: 4242, ticks: 300, rssPages: 300 });
  });
});

describe('UsageMeter', () => {
  it('turns cumulative CPU time into nanocores over the interval between samples', () => {
    let now = 0;
    const meter = new UsageMeter(() => now);
    expect(meter.record(0).usageNanoCores).toBe(0);
    now = 2000;
    expect(meter.record(1e9)).toEqual({ usageNanoCores: 500_000_000, usageCoreNanoSeconds: 1e9 });
    now = 2050; // too close to measure: the last rate stands
    expect(meter.record(5e9).usageNanoCores).toBe(500_000_000);
  });

  it('measures over a window of the last ten seconds, so reads close together do not swing', () => {
    let now = 0;
    let cpu = 0;
    const meter = new UsageMeter(() => now);
    // A steady tenth of a core, sampled every second.
    for (let s = 0; s <= 30; s++) {
      now = s * 1000;
      cpu = s * 1e8;
      meter.record(cpu);
    }
    expect(meter.record(cpu).usageNanoCores).toBe(100_000_000);
    // A 10 ms burst read 150 ms later: over the window it barely shows (it would read 0.17 core between two reads).
    now += 150;
    cpu += 1e7 + 1.5e7;
    const rate = meter.record(cpu).usageNanoCores;
    expect(rate).toBeGreaterThan(100_000_000);
    expect(rate).toBeLessThan(102_000_000);
    // The window moves: ten seconds of idling bring the rate to zero.
    const idle = cpu;
    for (let s = 1; s <= 11; s++) {
      now += 1000;
      meter.record(idle);
    }
    expect(meter.record(idle).usageNanoCores).toBe(0);
  });
});

describe('sampling /proc', () => {
  it('sees a busy process group use CPU and memory, and the machine', async () => {
    const child = spawn(process.execPath, ['-e', 'const a = Buffer.alloc(64 << 20, 1); for (;;) a[0]++'], { detached: true, stdio: 'ignore' });
    try {
      const pgid = child.pid!;
      let now = Date.now();
      const meter = new UsageMeter(() => now);
      meter.record(sampleProcessGroup(pgid).cpuNs);
      const deadline = Date.now() + 30_000;
      let usage = 0;
      let sample = sampleProcessGroup(pgid);
      while (Date.now() < deadline && (usage < 100_000_000 || sample.rssBytes < 64 << 20)) {
        await new Promise((r) => setTimeout(r, 300));
        now = Date.now();
        sample = sampleProcessGroup(pgid);
        usage = meter.record(sample.cpuNs).usageNanoCores;
      }
      expect(sample.pids).toEqual([pgid]);
      expect(usage).toBeGreaterThan(100_000_000); // a spinning loop: well above 0.1 core
      expect(sample.rssBytes).toBeGreaterThan(64 << 20);
      const machine = sampleMachine();
      expect(machine.memoryTotalBytes).toBeGreaterThan(machine.memoryWorkingSetBytes);
      expect(machine.busyCpuNs).toBeGreaterThan(0);
    } finally {
      process.kill(-child.pid!, 'SIGKILL');
    }
  });
});
