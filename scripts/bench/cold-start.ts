// Cold start of the bundled action under Node 24: from spawning it to the first API call the fake
// receives; the whole run of a push that changes no mapped file with 1,000 manifest entries; and
// the size of the bundle.
import { stat } from 'node:fs/promises';
import { BUNDLE } from '../../__tests__/support/action-runner.js';
import { removeDir } from '../../__tests__/support/git-repo.js';
import { measuredAction, measuredScript } from './action-run.js';
import { runFailures, stepFailure } from './checks.js';
import { seededFake, wrongDrafts, type DraftFile } from './drafts.js';
import { draftId, manifestText, sqlPath, sqlScriptOfBytes } from './fixtures.js';
import { buildRepo, type BuiltRepo, type CommitFiles } from './git-fixture.js';
import { formatNumber } from './report.js';
import { makeRow, type Row } from './rows.js';
import { median } from './stats.js';
import type { Suite } from './suite.js';
import { COLD_START, UNITS } from './targets.js';

interface Fixture {
  drafts: DraftFile[];
  /** Push 1 → 2 changes only README.md: nothing to sync. Checked out at 2. */
  noOp: BuiltRepo;
  /** Push 2 → 3 also changes the first draft's file. Checked out at 3. */
  oneChange: BuiltRepo;
}

async function fixture(): Promise<Fixture> {
  const drafts: DraftFile[] = Array.from({ length: COLD_START.manifestEntries }, (_, i) => {
    const old = sqlScriptOfBytes(COLD_START.scriptBytes, `draft ${i}`);
    return { file: sqlPath(i), draftId: draftId(i), old, new: old };
  });
  const changed = drafts[0] as DraftFile;
  changed.new = `${changed.old}-- changed\n`;
  const first: CommitFiles = {
    'flink-drafts.yaml': manifestText(drafts.map((d) => d.file)),
    'README.md': '# Flink jobs\n',
  };
  for (const d of drafts) first[d.file] = d.old;
  const readme: CommitFiles = { 'README.md': '# Flink jobs\n\nSee flink-drafts.yaml.\n' };
  const noOp = await buildRepo([first, readme], { checkout: true });
  try {
    const oneChange = await buildRepo([first, readme, { [changed.file]: changed.new }], {
      checkout: true,
    });
    return { drafts, noOp, oneChange };
  } catch (error) {
    await removeDir(noOp.dir);
    throw error;
  }
}

function push(repo: BuiltRepo, from: number): { dir: string; before: string; after: string } {
  return { dir: repo.dir, before: repo.commits[from] ?? '', after: repo.commits[from + 1] ?? '' };
}

interface Sample {
  ms: number;
  failure?: string;
}

async function coldStart(node: string, f: Fixture): Promise<Sample> {
  const api = await seededFake(f.drafts, 0);
  try {
    const { measured, run } = await measuredAction({ node, repo: push(f.oneChange, 1), api });
    const first = api.calls[0];
    const failure =
      stepFailure(run) ?? (first ? wrongDrafts(api, f.drafts) : 'the action made no API call');
    return { ms: first ? first.at - measured.startedAt : Number.NaN, failure };
  } finally {
    await api.stop();
  }
}

async function noOpRun(node: string, f: Fixture): Promise<Sample & { notice: string }> {
  const api = await seededFake([], 0);
  try {
    const { measured, run } = await measuredAction({ node, repo: push(f.noOp, 0), api });
    const failure =
      stepFailure(run) ??
      (api.calls.length > 0
        ? `${api.calls.length} API calls for a push that changes no mapped file`
        : undefined);
    const notice = run.stdout.split('\n').find((l) => /manifest entries/.test(l)) ?? '';
    return { ms: measured.wallMs, failure, notice };
  } finally {
    await api.stop();
  }
}

export const coldStartSuite: Suite = {
  id: '3',
  name: 'cold start, no-op run and bundle size',
  async run({ runs, node, log }): Promise<Row[]> {
    const f = await fixture();
    try {
      const starts: Sample[] = [];
      const noOps: (Sample & { notice: string })[] = [];
      const bare: number[] = [];
      for (let round = 1; round <= runs; round++) {
        starts.push(await coldStart(node.path, f));
        noOps.push(await noOpRun(node.path, f));
        bare.push((await measuredScript(node.path, ['-e', '0'], f.noOp.dir)).measured.wallMs);
        log(
          `round ${round}/${runs}: first call ${formatNumber(starts.at(-1)?.ms ?? NaN)} ms, ` +
            `no-op ${formatNumber(noOps.at(-1)?.ms ?? NaN)} ms`,
        );
      }
      const bytes = (await stat(BUNDLE)).size;
      const entries = COLD_START.manifestEntries.toLocaleString('en-US');
      return [
        makeRow({
          id: '3.1',
          section: 'Cold start',
          measure: `spawn to the first API call (Node ${node.version}, ${entries} manifest entries)`,
          unit: 'ms',
          values: starts.map((s) => s.ms),
          verification: { runs, failures: runFailures(starts) },
          note: 'a push that changes one mapped file; the draft is checked after each run',
        }),
        makeRow({
          id: '3.2',
          section: 'Cold start',
          measure: `no-op run, ${entries} manifest entries, no mapped file changed: wall time`,
          unit: 'ms',
          values: noOps.map((s) => s.ms),
          target: { bound: 'max', value: COLD_START.noOpMs },
          verification: { runs, failures: runFailures(noOps) },
          note:
            `spawn to exit under Node ${node.version}, which alone starts and exits in ` +
            `${formatNumber(median(bare))} ms (node -e 0); the action logged "${noOps.at(-1)?.notice.trim() ?? ''}"`,
        }),
        makeRow({
          id: '3.3',
          section: 'Cold start',
          measure: 'bundle size (dist/index.js)',
          unit: 'MB',
          values: [bytes / UNITS.MB],
          target: { bound: 'max', value: COLD_START.bundleMB },
          note: `${bytes.toLocaleString('en-US')} bytes; MB = 10⁶ bytes`,
        }),
      ];
    } finally {
      await removeDir(f.noOp.dir);
      await removeDir(f.oneChange.dir);
    }
  },
};
