// Guards for the pure modules, called directly in this process after one warm-up call: they catch
// quadratic work in parsing, rendering, diffing and signing long before it shows end to end.
import { Buffer } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { unifiedDiff } from '../../src/diff/diff.js';
import { parseManifest } from '../../src/manifest/manifest.js';
import { signRequest } from '../../src/ververica/signer.js';
import { renderSummary } from '../../src/report/summary.js';
import { manifestText, planResults, scatteredEdits, sqlPath, sqlScript } from './fixtures.js';
import { makeRow, type Row } from './rows.js';
import type { Suite } from './suite.js';
import { IN_PROCESS } from './targets.js';

const MiB = 1024 * 1024;
const SECTION = 'In-process';

/** The wall time of each of `runs` calls, after one call that lets the JIT settle. */
async function timed<T>(
  runs: number,
  fn: () => T | Promise<T>,
): Promise<{ ms: number[]; last: T }> {
  let last = await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    last = await fn();
    ms.push(performance.now() - start);
  }
  return { ms, last };
}

// `gc` is only exposed when Node starts with --expose-gc; the flag can still be set at run time,
// and a fresh context then sees the function.
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

/** Heap `fn` needs beyond what was live before it: the used heap seen before each GC it triggers. */
function peakHeap<T>(fn: () => T): { result: T; peakBytes: number } {
  collectGarbage();
  collectGarbage();
  const base = process.memoryUsage().heapUsed;
  const profiler = new v8.GCProfiler();
  profiler.start();
  const result = fn();
  const endUsed = process.memoryUsage().heapUsed;
  const { statistics } = profiler.stop();
  const seen = statistics.map((s) => s.beforeGC.heapStatistics.usedHeapSize);
  return { result, peakBytes: Math.max(endUsed, ...seen) - base };
}

async function manifestParse(runs: number): Promise<Row[]> {
  const { entries, ms, peakHeapMiB } = IN_PROCESS.manifest;
  const text = manifestText(Array.from({ length: entries }, (_, i) => sqlPath(i)));
  const parse = () => parseManifest(text, { path: 'flink-drafts.yaml' });
  const heaps: number[] = [];
  const failures: string[] = [];
  for (let i = 0; i < runs; i++) {
    const { result, peakBytes } = peakHeap(parse);
    heaps.push(peakBytes / MiB);
    const parsed = result.ok ? result.value.length : 0;
    if (parsed !== entries) failures.push(`run ${i + 1}: parsed ${parsed} of ${entries} entries`);
  }
  const times = await timed(runs, parse);
  const kib = (Buffer.byteLength(text) / 1024).toFixed(0);
  const verification = { runs, failures };
  return [
    makeRow({
      id: '6.1',
      section: SECTION,
      measure: `manifest parse, ${entries.toLocaleString('en-US')} entries (${kib} KiB)`,
      unit: 'ms',
      values: times.ms,
      target: { bound: 'max', value: ms },
      verification,
    }),
    makeRow({
      id: '6.2',
      section: SECTION,
      measure: `manifest parse, ${entries.toLocaleString('en-US')} entries: peak heap`,
      unit: 'MiB',
      values: heaps,
      target: { bound: 'max', value: peakHeapMiB },
      verification,
      note: 'used heap sampled before each garbage collection',
    }),
  ];
}

async function summaryRender(runs: number): Promise<Row[]> {
  const { results: count, ms, maxKiB } = IN_PROCESS.summary;
  const results = planResults(count);
  const times = await timed(runs, () =>
    renderSummary({ mode: 'plan', results, commit: 'f'.repeat(40) }),
  );
  const kib = Buffer.byteLength(times.last) / 1024;
  return [
    makeRow({
      id: '6.3',
      section: SECTION,
      measure: `job summary, ${count.toLocaleString('en-US')} plan results with diffs`,
      unit: 'ms',
      values: times.ms,
      target: { bound: 'max', value: ms },
      verification: {
        runs: 1,
        failures: kib <= maxKiB ? [] : [`${kib.toFixed(0)} KiB, over GitHub's ${maxKiB} KiB limit`],
      },
      note: `${kib.toFixed(0)} KiB of Markdown; GitHub drops a step summary over ${maxKiB} KiB`,
    }),
  ];
}

async function diffLarge(runs: number): Promise<Row[]> {
  const { lines, every, ms } = IN_PROCESS.diff;
  const oldText = sqlScript(lines, 'diff');
  const { text: newText, edits } = scatteredEdits(oldText, every);
  const times = await timed(runs, () =>
    unifiedDiff(oldText, newText, { oldLabel: 'draft', newLabel: 'file' }),
  );
  const mib = (Buffer.byteLength(oldText) / MiB).toFixed(2);
  return [
    makeRow({
      id: '6.4',
      section: SECTION,
      measure: `unified diff, ${lines.toLocaleString('en-US')} lines (${mib} MiB), ${edits} edits`,
      unit: 'ms',
      values: times.ms,
      target: { bound: 'max', value: ms },
      verification: {
        runs: 1,
        failures: times.last.added > 0 ? [] : ['the diff shows no added line'],
      },
    }),
  ];
}

function signerThroughput(runs: number): Row[] {
  const body = JSON.stringify({
    name: 'orders-enrich',
    artifact: { kind: 'SQLSCRIPT', sqlArtifact: { sqlScript: sqlScript(40) } },
  });
  const credentials = { accessKeyId: 'LTAI5tBenchKeyId000000', accessKeySecret: 'bench-secret' };
  const date = new Date('2025-01-01T00:00:00Z');
  const nonce = randomUUID();
  const sign = () =>
    signRequest({
      method: 'PATCH',
      host: 'ververica.cn-hangzhou.aliyuncs.com',
      pathname:
        '/api/v2/namespaces/bench-namespace/deployment-drafts/00000000-0000-4000-8000-000000000001',
      headers: { 'content-type': 'application/json', workspace: 'a14bd5d90a0000' },
      body,
      action: 'UpdateDeploymentDraft',
      version: '2022-07-18',
      credentials,
      date,
      nonce,
    });
  const calls = 2000;
  for (let i = 0; i < calls; i++) sign();
  const rates: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    for (let i = 0; i < calls; i++) sign();
    rates.push((calls * 1000) / (performance.now() - start));
  }
  return [
    makeRow({
      id: '6.5',
      section: SECTION,
      measure: `V3 signature of a PATCH (${(Buffer.byteLength(body) / 1024).toFixed(1)} KiB body)`,
      unit: 'ops/s',
      values: rates,
      target: { bound: 'min', value: IN_PROCESS.signer.opsPerSecond },
      note: `${calls.toLocaleString('en-US')} calls per run`,
    }),
  ];
}

export const inProcess: Suite = {
  id: '6',
  name: 'in-process guards',
  async run({ runs }): Promise<Row[]> {
    return [
      ...(await manifestParse(runs)),
      ...(await summaryRender(runs)),
      ...(await diffLarge(runs)),
      ...signerThroughput(runs),
    ];
  },
};
