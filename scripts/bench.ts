// `npm run bench`: throughput against the physical floor and against the official SDK, cold start
// under Node 24, change detection and memory of the bundled action, each the median of several
// runs checked for correctness after every run. Timing is checked here and only here, never in
// the tests. Writes JSON and Markdown (bench-results/ by default), prints the Markdown table, and
// exits non-zero when a row fails.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs, USAGE } from './bench/args.js';
import { bundleIdentity, ensureFreshBundle } from './bench/bundle.js';
import { changeDetection } from './bench/change-detection.js';
import { coldStartSuite } from './bench/cold-start.js';
import { inProcess } from './bench/in-process.js';
import { memory } from './bench/memory.js';
import { node24 } from './bench/node24.js';
import { jsonReport, markdownReport, type BenchReport, type Machine } from './bench/report.js';
import { brokenRow, type Row } from './bench/rows.js';
import type { Suite } from './bench/suite.js';
import { throughput } from './bench/throughput.js';
import { rollout } from './bench/rollout.js';
import { create } from './bench/create.js';
import { importSuite } from './bench/import.js';

const SUITES: Suite[] = [
  throughput,
  coldStartSuite,
  changeDetection,
  memory,
  inProcess,
  rollout,
  create,
  importSuite,
];

const parsed = parseArgs(process.argv.slice(2));
if (!parsed.ok) {
  console.error(`${parsed.message}\n${USAGE}`);
  process.exit(2);
}
const { options } = parsed;
const started = performance.now();
const startedAt = new Date().toISOString();
if (await ensureFreshBundle()) console.log('dist/index.js was older than src/: rebuilt it');
const bundle = await bundleIdentity();
const node = await node24();
const cpus = os.cpus();
const machine: Machine = {
  node: process.versions.node,
  actionNode: node.version,
  platform: `${process.platform}-${process.arch}`,
  cpus: os.availableParallelism(),
  cpuModel: cpus[0]?.model.trim() ?? 'unknown',
  memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
  loadAverage: os.loadavg()[0] ?? 0,
};
console.log(
  `flink-draft-sync benchmarks: ${options.runs} runs each; the action on Node ${node.version}; ` +
    `${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB RAM\n`,
);

const rows: Row[] = [];
for (const suite of SUITES) {
  if (options.only.length > 0 && !options.only.includes(suite.id)) continue;
  const suiteStart = performance.now();
  const log = (line: string): void => console.log(`  [${suite.id}] ${line}`);
  console.log(`[${suite.id}] ${suite.name}`);
  try {
    rows.push(...(await suite.run({ runs: options.runs, node, log })));
  } catch (error) {
    // A benchmark that cannot run is a miss, reported like any other, and the rest still run.
    rows.push(brokenRow(suite.id, suite.name, error));
    log(`could not run: ${error instanceof Error ? error.message : String(error)}`);
  }
  log(`done in ${((performance.now() - suiteStart) / 1000).toFixed(0)} s`);
}

const bundleAfter = await bundleIdentity();
const report: BenchReport = {
  startedAt,
  bundle: { ...bundle, changed: bundleAfter.sha256 !== bundle.sha256 },
  seconds: (performance.now() - started) / 1000,
  runs: options.runs,
  machine,
  rows,
};
const markdown = markdownReport(report);
for (const [file, text] of [
  [options.jsonPath, jsonReport(report)],
  [options.markdownPath, markdown],
] as const) {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeFile(file, text);
}
console.log(`\n${markdown}`);
console.log(`Results written to ${options.jsonPath} and ${options.markdownPath}`);
process.exitCode = rows.every((r) => r.pass) && !report.bundle.changed ? 0 : 1;
