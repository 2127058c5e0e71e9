// What every benchmark group provides to the runner.
import type { NodeBinary } from './node24.js';
import type { Row } from './rows.js';

export interface SuiteContext {
  /** Runs per measurement; rows report their median, min and max. */
  runs: number;
  /** The binary the action (and the baseline) run on. */
  node: NodeBinary;
  /** Progress, printed as the benchmark goes. */
  log: (line: string) => void;
}

export interface Suite {
  /** Prefix of the suite's row ids, e.g. `1` for rows 1.1, 1.2, … */
  id: string;
  name: string;
  run: (context: SuiteContext) => Promise<Row[]>;
}
