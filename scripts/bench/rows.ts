// One line of the benchmark table: the runs of one measurement, held against its target, with
// the outcome of the correctness checks made after each run. Pure.
import { spread, type Spread } from './stats.js';

export interface Target {
  /** `max`: the median must not exceed the value; `min`: it must reach it. */
  bound: 'max' | 'min';
  value: number;
  /** How the value was derived, when it is not a plain number from the issue (e.g. a floor). */
  basis?: string;
}

/** Correctness checks made after each run: a fast run that did less work is no pass. */
export interface Verification {
  runs: number;
  /** One message per run that was wrong (which drafts, what was off). */
  failures: readonly string[];
}

export interface Row extends Spread {
  id: string;
  section: string;
  measure: string;
  unit: string;
  /** One value per run, in run order. */
  values: number[];
  /** Absent for a number that is reported for context only. */
  target?: Target;
  /** Absent where there is nothing to check beyond the number itself. */
  verification?: Verification;
  pass: boolean;
  note?: string;
}

export interface RowInput {
  id: string;
  section: string;
  measure: string;
  unit: string;
  values: readonly number[];
  target?: Target;
  verification?: Verification;
  note?: string;
}

export function meets(target: Target, value: number): boolean {
  return target.bound === 'max' ? value <= target.value : value >= target.value;
}

/** A row passes when every run was measured and correct, and the median meets the target. */
export function makeRow(input: RowInput): Row {
  const values = [...input.values];
  const stats = spread(values);
  const measured = values.length > 0 && values.every(Number.isFinite);
  const correct = !input.verification || input.verification.failures.length === 0;
  const onTarget = !input.target || meets(input.target, stats.median);
  return { ...input, values, ...stats, pass: measured && correct && onTarget };
}

/** The row a benchmark that could not run at all leaves in the table, so the miss is visible. */
export function brokenRow(id: string, section: string, error: unknown): Row {
  const message = error instanceof Error ? error.message : String(error);
  return makeRow({
    id,
    section,
    measure: 'benchmark ran',
    unit: '',
    values: [],
    verification: { runs: 1, failures: [message] },
  });
}
