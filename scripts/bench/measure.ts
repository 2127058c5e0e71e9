// Measuring helpers for the benchmarks: checks against targets, repeated timing, peak heap.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';

/** One measurement held against its target. */
export interface Check {
  bench: string;
  metric: string;
  value: number;
  unit: string;
  /** `max`: the value must not exceed the target; `min`: it must reach it. */
  bound: 'max' | 'min';
  target: number;
  pass: boolean;
  /** Context that explains the number (iterations, sizes, method). */
  note?: string;
}

export function atMost(
  bench: string,
  metric: string,
  value: number,
  unit: string,
  target: number,
  note?: string,
): Check {
  return { bench, metric, value, unit, bound: 'max', target, pass: value <= target, note };
}

export function atLeast(
  bench: string,
  metric: string,
  value: number,
  unit: string,
  target: number,
  note?: string,
): Check {
  return { bench, metric, value, unit, bound: 'min', target, pass: value >= target, note };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Median wall time of `runs` calls, after `warmup` calls that let the JIT settle. The median,
 * not the mean, so one pause of a shared machine does not decide the verdict.
 */
export async function medianMs<T>(
  runs: number,
  fn: () => T | Promise<T>,
  warmup = 1,
): Promise<{ ms: number; last: T }> {
  let last = undefined as T;
  for (let i = 0; i < warmup; i++) last = await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    last = await fn();
    times.push(performance.now() - start);
  }
  return { ms: median(times), last };
}

/** Calls of `fn` per second, over at least `minMs` of running it. */
export function opsPerSecond(fn: () => void, minMs: number): { ops: number; calls: number } {
  const batch = 1000;
  let calls = 0;
  const start = performance.now();
  let elapsed: number;
  do {
    for (let i = 0; i < batch; i++) fn();
    calls += batch;
    elapsed = performance.now() - start;
  } while (elapsed < minMs);
  return { ops: (calls * 1000) / elapsed, calls };
}

// `gc` is only exposed when Node starts with --expose-gc; the flag can still be set at run time,
// and a fresh context then sees the function.
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

/**
 * Heap that `fn` needs beyond what was live before it: the peak (the used heap seen just before
 * each garbage collection it triggers, and at its end) and what its result keeps alive afterwards.
 */
export function heapOf<T>(fn: () => T): { result: T; peakBytes: number; retainedBytes: number } {
  collectGarbage();
  collectGarbage();
  const base = process.memoryUsage().heapUsed;
  const profiler = new v8.GCProfiler();
  profiler.start();
  const result = fn();
  const endUsed = process.memoryUsage().heapUsed;
  const { statistics } = profiler.stop();
  const seen = statistics.map((s) => s.beforeGC.heapStatistics.usedHeapSize);
  const peak = Math.max(endUsed, ...seen);
  collectGarbage();
  const retained = process.memoryUsage().heapUsed;
  return { result, peakBytes: peak - base, retainedBytes: Math.max(0, retained - base) };
}

export interface Machine {
  node: string;
  platform: string;
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: os.availableParallelism?.() ?? cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
  };
}
