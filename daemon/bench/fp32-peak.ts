/**
 * The machine's fp32 peak for the `mc efficiency` line, and a measured check of it.
 *
 * Peak = cores × clock × fp32 lanes × FMA pipes × 2. /proc/cpuinfo gives the cores and the lanes (16 with avx512f, 8
 * with avx2, else 4), but its `cpu MHz` on these VMs is the nominal 2096 MHz while the cores run at ≈ 3.5 GHz, so the
 * clock is measured: a chain of dependent integer adds and xors retires one op per cycle on every x86 core of the
 * last 25 years (1-cycle ALU latency), so ops per ns of the chain are GHz. The FMA pipe count cpuinfo cannot give: 2 on
 * Zen 4/5 and Intel server cores. `fmaPeakGflops` checks the whole product by running FMAs (fma-peak.c, where a C
 * compiler is installed): on the 2-vCPU Zen 5 it measured 441–447 GFLOP/s against the formula's 459.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Fp32Peak {
  gflops: number;
  cores: number;
  /** The clock the peak uses: measured (`clockSource` 'measured') or /proc/cpuinfo's `cpu MHz`. */
  mhz: number;
  clockSource: 'measured' | 'cpuinfo';
  lanes: number;
  fmaPipes: number;
  /** How the figure was made, to print beside it. */
  formula: string;
}

function cpuinfoField(cpuinfo: string, name: string): string {
  return (
    cpuinfo
      .split('\n')
      .find((l) => l.startsWith(name))
      ?.split(':')[1]
      ?.trim() ?? ''
  );
}

/** Peak from /proc/cpuinfo's cores and vector flags, and `mhz` if given (else cpuinfo's own `cpu MHz`). */
export function fp32Peak(o: { cpuinfo?: string; mhz?: number } = {}): Fp32Peak {
  const cpuinfo = o.cpuinfo ?? readFileSync('/proc/cpuinfo', 'utf8');
  const flags = new Set(cpuinfoField(cpuinfo, 'flags').split(/\s+/));
  const cores = cpuinfo.split('\n').filter((l) => l.startsWith('processor')).length || availableParallelism();
  const clockSource = o.mhz === undefined ? 'cpuinfo' : 'measured';
  const mhz = Math.round(o.mhz ?? (Number(cpuinfoField(cpuinfo, 'cpu MHz')) || 0));
  const lanes = flags.has('avx512f') ? 16 : flags.has('avx2') ? 8 : 4;
  const fmaPipes = flags.has('fma') ? 2 : 1;
  return {
    gflops: (cores * mhz * lanes * fmaPipes * 2) / 1000,
    cores,
    mhz,
    clockSource,
    lanes,
    fmaPipes,
    formula: `${cores}cores*${mhz}MHz(${clockSource})*${lanes}lanes*${fmaPipes}fma*2`,
  };
}

// Kept out of line and fed a runtime value so the JIT can neither fold the chain nor hoist it.
function dependentChain(n: number, b: number): number {
  let a = 1;
  for (let i = 0; i < n; i++) {
    a = (a + b) | 0;
    a ^= b;
    a = (a + b) | 0;
    a ^= b;
    a = (a + b) | 0;
    a ^= b;
    a = (a + b) | 0;
    a ^= b;
  }
  return a;
}

/**
 * The clock one core runs at, in MHz: the best of `rounds` runs of 1.6·10⁸ dependent ALU ops (≈ 45 ms each at
 * 3.5 GHz), each timed by the wall clock and by this process's CPU time, so time the scheduler gives to other
 * processes on a shared machine does not read as a slower core.
 */
export function measureClockMhz(rounds = 8): number {
  const n = 20_000_000;
  let best = 0;
  let sink = 0;
  for (let r = 0; r < rounds; r++) {
    const before = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    sink ^= dependentChain(n, r + 3);
    const wallUs = Number(process.hrtime.bigint() - t0) / 1000;
    const used = process.cpuUsage(before);
    // Both are lower bounds: the wall clock also counts time other processes had the core, the process's CPU time
    // also counts its other threads (compiler, GC). The larger is the closer.
    best = Math.max(best, (n * 8) / wallUs, (n * 8) / (used.user + used.system));
  }
  // Keeps the result live: a chain whose value nobody reads could be dropped.
  if (sink === 0x7fffffff) console.log('');
  return best;
}

/**
 * GFLOP/s of `threads` threads of vector FMAs (fma-peak.c, compiled with the system's `cc`; each thread over its own
 * CPU time), or undefined where no C compiler is installed or the build fails: the figure is a check on the formula,
 * not something the bench needs.
 */
export function fmaPeakGflops(o: { threads?: number; millionSteps?: number } = {}): number | undefined {
  const source = join(dirname(fileURLToPath(import.meta.url)), 'fma-peak.c');
  const dir = mkdtempSync(join(tmpdir(), 'activeseg-fma-'));
  try {
    const binary = join(dir, 'fma-peak');
    execFileSync('cc', ['-O3', '-march=native', '-ffp-contract=fast', '-pthread', source, '-o', binary], {
      stdio: 'ignore',
    });
    const out = execFileSync(binary, [String(o.threads ?? availableParallelism()), String(o.millionSteps ?? 50)], {
      encoding: 'utf8',
    });
    const gflops = Number(out.trim());
    return Number.isFinite(gflops) && gflops > 0 ? gflops : undefined;
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
