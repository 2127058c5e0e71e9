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
 * The shortest time `drafts` read-then-write syncs can take with `concurrency` in flight when
 * each call waits `latencyMs` at the server: every worker's drafts one after another, each a GET
 * and a PATCH. `ceil(N / concurrency) × (GET + PATCH latency)`.
 */
export function physicalFloorMs(drafts: number, concurrency: number, latencyMs: number): number {
  if (!Number.isInteger(drafts) || drafts < 0) throw new RangeError(`drafts: ${drafts}`);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency: ${concurrency}`);
  }
  return Math.ceil(drafts / concurrency) * 2 * latencyMs;
}

/** Run-by-run quotients `numerators[i] / denominators[i]` of two series measured in step. */
export function pairedRatios(
  numerators: readonly number[],
  denominators: readonly number[],
): number[] {
  if (numerators.length !== denominators.length) {
    throw new RangeError(`${numerators.length} values against ${denominators.length}`);
  }
  return numerators.map((n, i) => n / (denominators[i] as number));
}

/** Run-by-run differences `minuends[i] - subtrahends[i]` of two series measured in step. */
export function pairedDifferences(
  minuends: readonly number[],
  subtrahends: readonly number[],
): number[] {
  if (minuends.length !== subtrahends.length) {
    throw new RangeError(`${minuends.length} values against ${subtrahends.length}`);
  }
  return minuends.map((m, i) => m - (subtrahends[i] as number));
}
