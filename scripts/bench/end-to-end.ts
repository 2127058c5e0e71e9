// Benchmarks of the bundled action as a runner starts it, against the fake Ververica API.
import { Buffer } from 'node:buffer';
import { removeDir } from '../../__tests__/support/git-repo.js';
import { createDraftRepo, measuredSync, type DraftRepo, type SyncRun } from './action-run.js';
import { scatteredEdits, sqlScript } from './fixtures.js';
import { atLeast, atMost, median, type Check } from './measure.js';
import { TARGETS } from './targets.js';

const KiB_PER_MiB = 1024;

/** Every draft updated, byte for byte, and the step green: a fast run that did less is no pass. */
function correctness(bench: string, repo: DraftRepo, run: SyncRun): Check[] {
  const n = repo.files.length;
  const checks = [
    atLeast(bench, 'drafts updated', run.updated, 'drafts', n),
    atLeast(bench, 'drafts byte-identical', run.identical, 'drafts', n),
  ];
  if (run.exitCode !== 0) {
    checks.push(atMost(bench, 'exit code', run.exitCode ?? -1, '', 0, firstError(run)));
  }
  return checks;
}

/** The first error the step logged, so a failing benchmark says why without the whole log. */
function firstError(run: SyncRun): string {
  const lines = `${run.run.stdout}\n${run.run.stderr}`.split('\n');
  const line = lines.find((l) => l.startsWith('::error')) ?? lines.find((l) => l.trim()) ?? '';
  return line.length > 240 ? `${line.slice(0, 239)}…` : line;
}

/** A repository with one commit that changes every mapped file; shared by benchmarks 1 and 2. */
export function changedDrafts(count: number, lines: number): Promise<DraftRepo> {
  return createDraftRepo(
    Array.from({ length: count }, (_, i) => {
      const old = sqlScript(lines, `draft ${i}`);
      return { old, new: scatteredEdits(old, 25).text };
    }),
  );
}

export async function syncManyDrafts(repo: DraftRepo): Promise<Check[]> {
  const { runs } = TARGETS.endToEnd;
  const bench = `e2e: ${repo.files.length} drafts, latency 0, concurrency 4`;
  const measured: SyncRun[] = [];
  for (let i = 0; i < runs; i++) {
    measured.push(await measuredSync(repo, { latencyMs: 0, concurrency: 4 }));
  }
  const wall = median(measured.map((r) => r.wallMs)) / 1000;
  const rss = Math.max(...measured.map((r) => r.peakRssKb)) / KiB_PER_MiB;
  const method = measured[0]?.rssMethod ?? '';
  return dedupe([
    atMost(
      bench,
      'wall time',
      wall,
      's',
      TARGETS.endToEnd.wallSeconds,
      `median of ${runs} runs, process start to exit`,
    ),
    atMost(
      bench,
      'peak RSS',
      rss,
      'MiB',
      TARGETS.endToEnd.peakRssMiB,
      `largest of ${runs} runs, via ${method}`,
    ),
    ...measured.flatMap((run) => correctness(bench, repo, run)),
  ]);
}

export async function concurrencySpeedup(repo: DraftRepo): Promise<Check[]> {
  const { latencyMs, low, high } = TARGETS.concurrency;
  const bench = `e2e: ${repo.files.length} drafts, latency ${latencyMs} ms`;
  const serial = await measuredSync(repo, { latencyMs, concurrency: low });
  const parallel = await measuredSync(repo, { latencyMs, concurrency: high });
  const speedup = serial.wallMs / parallel.wallMs;
  return dedupe([
    atMost(
      bench,
      `wall, concurrency ${low}`,
      serial.wallMs / 1000,
      's',
      TARGETS.concurrency.serialSeconds,
    ),
    atMost(
      bench,
      `wall, concurrency ${high}`,
      parallel.wallMs / 1000,
      's',
      TARGETS.concurrency.parallelSeconds,
    ),
    atLeast(
      bench,
      `speedup ${low} → ${high}`,
      speedup,
      'x',
      TARGETS.concurrency.minSpeedup,
      `${serial.maxInFlight} vs ${parallel.maxInFlight} calls in flight at most`,
    ),
    atMost(bench, `calls in flight, concurrency ${high}`, parallel.maxInFlight, 'calls', high),
    ...correctness(bench, repo, serial),
    ...correctness(bench, repo, parallel),
  ]);
}

export async function largeScript(): Promise<Check[]> {
  const { lines } = TARGETS.largeScript;
  const old = sqlScript(lines, 'large');
  const changed = scatteredEdits(old, 100).text;
  const mib = Buffer.byteLength(changed) / (1024 * 1024);
  const bench = `e2e: one ${mib.toFixed(2)} MiB script`;
  const repo = await createDraftRepo([{ old, new: changed }]);
  try {
    const run = await measuredSync(repo, { latencyMs: 0, concurrency: 4 });
    return dedupe([
      atMost(bench, 'wall time', run.wallMs / 1000, 's', TARGETS.largeScript.wallSeconds),
      atMost(
        bench,
        'peak RSS',
        run.peakRssKb / KiB_PER_MiB,
        'MiB',
        TARGETS.largeScript.peakRssMiB,
        `via ${run.rssMethod}`,
      ),
      ...correctness(bench, repo, run),
    ]);
  } finally {
    await removeDir(repo.dir);
  }
}

/** Repeated runs repeat their correctness checks; one line each is enough, the worst kept. */
function dedupe(checks: Check[]): Check[] {
  const byKey = new Map<string, Check>();
  for (const check of checks) {
    const key = `${check.bench}\u0000${check.metric}`;
    const seen = byKey.get(key);
    if (!seen || (seen.pass && !check.pass)) byKey.set(key, check);
  }
  return [...byKey.values()];
}
