// `npm run bench`: speed and memory of the action against fixed targets. Timing is checked here
// and only here, never in the tests. Prints one line per measurement as it is taken, then a
// table; exits non-zero when any target is missed. `--json <path>` also writes the results.
import { writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { removeDir } from '../__tests__/support/git-repo.js';
import {
  changedDrafts,
  concurrencySpeedup,
  largeScript,
  syncManyDrafts,
} from './bench/end-to-end.js';
import {
  changeDetection,
  diffLarge,
  manifestParse,
  signerThroughput,
  summaryRender,
} from './bench/in-process.js';
import { machine, type Check } from './bench/measure.js';
import { formatLine, formatTable } from './bench/report.js';
import { TARGETS } from './bench/targets.js';
import type { DraftRepo } from './bench/action-run.js';

type Row = Check & { id: number };

function jsonPath(argv: readonly string[]): string | undefined {
  const at = argv.indexOf('--json');
  if (at < 0) return undefined;
  const value = argv[at + 1];
  if (!value || value.startsWith('--')) throw new Error('--json needs a file path');
  return value;
}

const output = jsonPath(process.argv.slice(2));
const host = machine();
console.log(
  `flink-draft-sync benchmarks on Node ${host.node}, ${host.platform}, ${host.cpus} CPUs ` +
    `(${host.cpuModel}), ${host.memoryGiB} GiB RAM\n`,
);

const started = performance.now();
const rows: Row[] = [];
let shared: DraftRepo | undefined;
const repo = async (): Promise<DraftRepo> =>
  (shared ??= await changedDrafts(TARGETS.endToEnd.drafts, TARGETS.endToEnd.lines));

const benchmarks: { id: number; run: () => Promise<Check[]> | Check[] }[] = [
  { id: 1, run: async () => syncManyDrafts(await repo()) },
  { id: 2, run: async () => concurrencySpeedup(await repo()) },
  { id: 3, run: changeDetection },
  { id: 4, run: manifestParse },
  { id: 5, run: summaryRender },
  { id: 6, run: diffLarge },
  { id: 7, run: signerThroughput },
  { id: 8, run: largeScript },
];

try {
  for (const { id, run } of benchmarks) {
    let checks: Check[];
    try {
      checks = await run();
    } catch (error) {
      // A benchmark that cannot run is a miss, reported like any other, and the rest still run.
      const message = error instanceof Error ? error.message : String(error);
      checks = [
        {
          bench: `benchmark ${id}`,
          metric: 'ran',
          value: 0,
          unit: '',
          bound: 'min',
          target: 1,
          pass: false,
          note: message,
        },
      ];
    }
    for (const check of checks) {
      const row = { ...check, id };
      rows.push(row);
      console.log(formatLine(row));
    }
  }
} finally {
  if (shared) await removeDir(shared.dir);
}

const seconds = (performance.now() - started) / 1000;
const failed = rows.filter((r) => !r.pass);
console.log(`\n${formatTable(rows)}\n`);
console.log(
  failed.length === 0
    ? `All ${rows.length} checks passed in ${seconds.toFixed(0)} s.`
    : `${failed.length} of ${rows.length} checks FAILED (${seconds.toFixed(0)} s).`,
);
if (output) {
  await writeFile(
    output,
    `${JSON.stringify({ machine: host, seconds, results: rows }, null, 2)}\n`,
  );
  console.log(`Results written to ${output}`);
}
process.exitCode = failed.length === 0 ? 0 : 1;
