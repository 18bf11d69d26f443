import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fmaPeakGflops, fp32Peak, measureClockMhz } from '../../daemon/bench/fp32-peak.js';
import { findCommand } from '../system/find-command.js';

const cpuinfo = (flags: string, processors = 2) =>
  Array.from({ length: processors }, (_, i) => `processor\t: ${i}\ncpu MHz\t\t: 2096.030\nflags\t\t: ${flags}\n`).join(
    '\n',
  );

describe('fp32 peak of the mc efficiency line', () => {
  it('multiplies cores, clock, vector lanes, 2 FMA pipes and 2 FLOPs, with the measured clock when given', () => {
    const zen5 = fp32Peak({ cpuinfo: cpuinfo('fpu sse avx fma avx2 avx512f'), mhz: 3590.4 });
    expect(zen5).toMatchObject({ cores: 2, mhz: 3590, clockSource: 'measured', lanes: 16, fmaPipes: 2 });
    expect(zen5.gflops).toBeCloseTo((2 * 3590 * 16 * 2 * 2) / 1000, 6);
    expect(zen5.formula).toBe('2cores*3590MHz(measured)*16lanes*2fma*2');
    const avx2 = fp32Peak({ cpuinfo: cpuinfo('fpu sse avx fma avx2', 4) });
    expect(avx2).toMatchObject({ cores: 4, mhz: 2096, clockSource: 'cpuinfo', lanes: 8, fmaPipes: 2 });
  });

  it('measures a clock in the range real cores run at, from a dependent ALU chain', () => {
    const mhz = measureClockMhz(4);
    const nominal = Number(/cpu MHz\s*:\s*([\d.]+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]);
    // A VM's cpuinfo says the nominal clock; cores boost above it, and no x86 core of this decade runs below 1 GHz
    // or above 6.5 GHz. A chain the JIT folded or hoisted would read as tens of GHz.
    expect(mhz).toBeGreaterThan(1000);
    expect(mhz).toBeLessThan(6500);
    if (nominal > 0) expect(mhz).toBeGreaterThan(nominal * 0.5);
  });

  it('runs vector FMAs near the formula on one core where a C compiler is installed, and says none otherwise', () => {
    const measured = fmaPeakGflops({ threads: 1, millionSteps: 20 });
    if (!findCommand('cc')) {
      expect(measured).toBeUndefined();
      return;
    }
    const peak = fp32Peak({ mhz: measureClockMhz(4) });
    const perCore = peak.gflops / peak.cores;
    expect(measured).toBeDefined();
    // Both figures are over CPU time, so neighbours on a shared machine do not move them much; more than the formula
    // would mean the formula undercounts (as cpuinfo's nominal clock did), far less that it assumes pipes that are not there.
    expect(measured!).toBeGreaterThan(perCore * 0.6);
    expect(measured!).toBeLessThan(perCore * 1.15);
  });
});
