// Summary statistics of repeated runs, and the physical floor a sync cannot beat. Pure.

export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** The middle value; the mean of the two middle values for an even count; NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[mid] as number;
  return midpoint(sorted[mid - 1] as number, sorted[mid] as number);
}

/**
 * Halfway between `low` and `high` without overflow: the plain `(low + high) / 2` of two large
 * values of the same sign is Infinity, and halving each first loses the smallest values.
 */
function midpoint(low: number, high: number): number {
  return Math.sign(low) === Math.sign(high) ? low + (high - low) / 2 : (low + high) / 2;
}

/**
 * Median, min and max of the runs. The median, not the mean, decides the verdict, so one pause of
 * a shared machine does not; min and max show how far the runs spread.
 */
export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/**
 * Calls the API requires to write a draft it has not written before: read it (GET), take its edit
 * lock (GetDeploymentDraftLock), write it (PATCH).
 */
export const CALLS_PER_DRAFT = 3;

/**
 * The shortest time `drafts` read-lock-write syncs can take with `concurrency` in flight when
 * each call waits `latencyMs` at the server: every worker's drafts one after another, each a GET,
 * a lock call and a PATCH. `ceil(N / concurrency) × (GET + lock + PATCH latency)`.
 */
export function physicalFloorMs(
  drafts: number,
  concurrency: number,
  latencyMs: number,
  callsPerDraft: number = CALLS_PER_DRAFT,
): number {
  if (!Number.isInteger(drafts) || drafts < 0) throw new RangeError(`drafts: ${drafts}`);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency: ${concurrency}`);
  }
  return Math.ceil(drafts / concurrency) * callsPerDraft * latencyMs;
}

/** `combine` applied run by run to two series measured in step. */
function paired(
  a: readonly number[],
  b: readonly number[],
  combine: (x: number, y: number) => number,
): number[] {
  if (a.length !== b.length) throw new RangeError(`${a.length} values against ${b.length}`);
  return a.map((x, i) => combine(x, b[i] as number));
}

/** Run-by-run quotients `numerators[i] / denominators[i]` of two series measured in step. */
export function pairedRatios(
  numerators: readonly number[],
  denominators: readonly number[],
): number[] {
  return paired(numerators, denominators, (n, d) => n / d);
}

/** Run-by-run differences `minuends[i] - subtrahends[i]` of two series measured in step. */
export function pairedDifferences(
  minuends: readonly number[],
  subtrahends: readonly number[],
): number[] {
  return paired(minuends, subtrahends, (m, s) => m - s);
}
