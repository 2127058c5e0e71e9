// Benchmarks of the pure modules and of change detection, called directly in this process.
import { Buffer } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { unifiedDiff } from '../../src/diff.js';
import { detectChanges } from '../../src/git.js';
import { parseManifest } from '../../src/manifest.js';
import { planSync } from '../../src/plan.js';
import { signRequest } from '../../src/signer.js';
import { renderSummary } from '../../src/summary.js';
import { commitFiles, git, initRepo, removeDir } from '../../__tests__/support/git-repo.js';
import { manifestText, planResults, scatteredEdits, sqlPath, sqlScript } from './fixtures.js';
import { atLeast, atMost, heapOf, median, medianMs, opsPerSecond, type Check } from './measure.js';
import { TARGETS } from './targets.js';

const MiB = 1024 * 1024;

/** A push that touches `touched` files, of which the first `mapped` are in the manifest. */
export async function changeDetection(): Promise<Check[]> {
  const { touched, mapped } = TARGETS.changes;
  const bench = `changes: ${touched} touched, ${mapped} mapped`;
  const dir = await initRepo();
  try {
    // Thousands of loose objects would start a detached `git gc` that races the clean-up.
    await git(dir, ['config', 'gc.auto', '0']);
    const paths = Array.from({ length: touched }, (_, i) =>
      i < mapped ? sqlPath(i) : `docs/notes/note_${String(i).padStart(5, '0')}.md`,
    );
    const manifest = manifestText(paths.slice(0, mapped));
    const write = (tag: string): Record<string, string> =>
      Object.fromEntries(paths.map((p, i) => [p, `-- ${tag} ${i}\nSELECT ${i};\n`]));
    const before = await commitFiles(dir, { 'flink-drafts.yaml': manifest, ...write('v1') });
    const after = await commitFiles(dir, write('v2'));
    const parsed = parseManifest(manifest, { path: 'flink-drafts.yaml' });
    if (!parsed.ok) throw new Error('generated manifest does not parse');
    const gitMs: number[] = [];
    const { ms, last } = await medianMs(5, async () => {
      const start = performance.now();
      const changes = await detectChanges({ cwd: dir, before, after, mode: 'push', fetch: false });
      gitMs.push(performance.now() - start);
      return planSync({ entries: parsed.entries, changes, manifestPath: 'flink-drafts.yaml' });
    });
    return [
      atMost(
        bench,
        'detect + plan',
        ms,
        'ms',
        TARGETS.changes.ms,
        `median of 5; detectChanges alone ${median(gitMs).toFixed(0)} ms`,
      ),
      atLeast(bench, 'entries planned', last.length, 'entries', mapped),
    ];
  } finally {
    await removeDir(dir);
  }
}

export async function manifestParse(): Promise<Check[]> {
  const { entries } = TARGETS.manifest;
  const bench = `manifest: ${entries} entries`;
  const text = manifestText(Array.from({ length: entries }, (_, i) => sqlPath(i)));
  const parse = () => parseManifest(text, { path: 'flink-drafts.yaml' });
  const heap = heapOf(parse);
  const parsed = heap.result.ok ? heap.result.entries.length : 0;
  const { ms } = await medianMs(5, parse);
  const kib = Buffer.byteLength(text) / 1024;
  return [
    atMost(
      bench,
      'parse',
      ms,
      'ms',
      TARGETS.manifest.ms,
      `${kib.toFixed(0)} KiB of YAML, median of 5`,
    ),
    atMost(
      bench,
      'peak heap',
      heap.peakBytes / MiB,
      'MiB',
      TARGETS.manifest.peakHeapMiB,
      'used heap sampled before each GC',
    ),
    atMost(
      bench,
      'retained heap',
      heap.retainedBytes / MiB,
      'MiB',
      TARGETS.manifest.retainedHeapMiB,
    ),
    atLeast(bench, 'entries parsed', parsed, 'entries', entries),
  ];
}

export async function summaryRender(): Promise<Check[]> {
  const { results: count } = TARGETS.summary;
  const bench = `summary: ${count} results`;
  const results = planResults(count);
  const { ms, last } = await medianMs(5, () =>
    renderSummary({ mode: 'plan', results, commit: 'f'.repeat(40) }),
  );
  return [
    atMost(bench, 'render', ms, 'ms', TARGETS.summary.ms, 'plan mode with diffs, median of 5'),
    atMost(
      bench,
      'output',
      Buffer.byteLength(last) / 1024,
      'KiB',
      TARGETS.summary.maxKiB,
      'GitHub drops a step summary over 1 MiB',
    ),
  ];
}

export async function diffLarge(): Promise<Check[]> {
  const { lines, every } = TARGETS.diff;
  const oldText = sqlScript(lines, 'diff');
  const { text: newText, edits } = scatteredEdits(oldText, every);
  const mib = Buffer.byteLength(oldText) / MiB;
  const bench = `diff: ${mib.toFixed(2)} MiB, ${lines} lines`;
  const { ms, last } = await medianMs(5, () =>
    unifiedDiff(oldText, newText, { oldLabel: 'draft', newLabel: 'file' }),
  );
  return [
    atMost(
      bench,
      'unified diff',
      ms,
      'ms',
      TARGETS.diff.ms,
      `${edits} scattered edits, median of 5`,
    ),
    atLeast(bench, 'lines added', last.added, 'lines', 1),
  ];
}

export function signerThroughput(): Check[] {
  const body = JSON.stringify({
    name: 'orders-enrich',
    artifact: { kind: 'SQLSCRIPT', sqlArtifact: { sqlScript: sqlScript(40) } },
  });
  const credentials = { accessKeyId: 'LTAI5tBenchKeyId000000', accessKeySecret: 'bench-secret' };
  const date = new Date('2025-01-01T00:00:00Z');
  const nonce = randomUUID();
  const { ops, calls } = opsPerSecond(() => {
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
  }, 1000);
  const kib = Buffer.byteLength(body) / 1024;
  return [
    atLeast(
      'signer: PATCH of a draft',
      'signRequest',
      ops,
      'ops/s',
      TARGETS.signer.opsPerSecond,
      `${kib.toFixed(1)} KiB body, ${calls} calls`,
    ),
  ];
}
