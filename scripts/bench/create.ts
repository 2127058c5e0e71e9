// Drafts by name: the bundled action pushes 100 new entries named in 10 folders of a namespace that
// holds none of them, through a fake API that answers every call after 50 ms. Held against the
// calls the work cannot avoid: one listing, the folder walk and creation, and per draft a create and
// the write that records its lock, ⌈drafts / concurrency⌉ rounds deep.
import { measuredAction } from './action-run.js';
import { runFailures, stepFailure } from './checks.js';
import { CREDENTIAL, countCalls, describeCalls, type CallCounts } from './drafts.js';
import { NAMESPACE, WORKSPACE, sqlScriptOfBytes } from './fixtures.js';
import { buildRepo } from './git-fixture.js';
import { formatNumber } from './report.js';
import { makeRow, type Row } from './rows.js';
import { median } from './stats.js';
import type { Suite } from './suite.js';
import { CREATE, THROUGHPUT } from './targets.js';
import { removeDir } from '../../__tests__/support/git-repo.js';
import { FakeVervericaApi } from '../../__tests__/support/fake-ververica.js';

interface RunRecord {
  wallMs: number;
  failure?: string;
  calls: CallCounts;
}

function manifest(count: number, folders: number): string {
  const lines = [
    'version: 1',
    'defaults:',
    `  workspace: ${WORKSPACE}`,
    `  namespace: ${NAMESPACE}`,
    'drafts:',
  ];
  for (let i = 0; i < count; i++) {
    lines.push(
      `  - file: sql/job-${i}.sql`,
      `    name: job-${i}`,
      `    folder: team-${i % folders}/jobs`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export const create: Suite = {
  id: '8',
  name: 'drafts by name',
  async run({ runs, node, log }) {
    const { drafts, folders, concurrency } = CREATE;
    const files: Record<string, string> = { 'flink-drafts.yaml': manifest(drafts, folders) };
    for (let i = 0; i < drafts; i++)
      files[`sql/job-${i}.sql`] = sqlScriptOfBytes(THROUGHPUT.scriptBytes, String(i));
    const built = await buildRepo([{ 'README.md': 'jobs\n' }, files], { checkout: true });
    const [before = '', after = ''] = built.commits;
    const records: RunRecord[] = [];
    try {
      for (let round = 1; round <= runs; round++) {
        const api = await FakeVervericaApi.start({
          credentials: [CREDENTIAL],
          latencyMs: THROUGHPUT.latencyMs,
        });
        try {
          const { measured, run } = await measuredAction({
            node: node.path,
            repo: { dir: built.dir, before, after },
            api,
            inputs: { concurrency: String(concurrency) },
          });
          const made = Number(run.outputs.created ?? 0);
          const stored = api.drafts(WORKSPACE, NAMESPACE).length;
          records.push({
            wallMs: measured.wallMs,
            failure:
              stepFailure(run) ??
              (made !== drafts || stored !== drafts
                ? `created ${made} (stored ${stored}) of ${drafts}`
                : undefined),
            calls: countCalls(api),
          });
        } finally {
          await api.stop();
        }
        log(
          `round ${round}/${runs}: ${drafts} drafts created by name ${formatNumber(records.at(-1)?.wallMs ?? NaN)} ms`,
        );
      }
    } finally {
      await removeDir(built.dir);
    }
    // The listing, the root folder, the default engine version, then per folder path two creates
    // (team-N, then jobs) side by side: 5 calls deep; then per draft CreateDeploymentDraft and
    // the PATCH that records its lock, in rounds.
    const rounds = Math.ceil(drafts / concurrency);
    const floor = (5 + 2 * rounds) * THROUGHPUT.latencyMs;
    const target = Math.round(floor * CREATE.allowance);
    const walls = records.map((r) => r.wallMs);
    const row: Row = makeRow({
      id: '8.1',
      section: 'Drafts by name',
      measure: `${drafts} new drafts named in ${folders} folders, created with their folders, concurrency ${concurrency}: wall time`,
      unit: 'ms',
      values: walls,
      target: {
        bound: 'max',
        value: target,
        basis: `${CREATE.allowance}× the floor ${formatNumber(floor)} ms`,
      },
      verification: { runs: records.length, failures: runFailures(records) },
      note:
        `${(median(walls) / floor).toFixed(2)}× the floor (5 + 2 × ⌈${drafts}/${concurrency}⌉) calls × 50 ms deep; ` +
        `calls per run: ${describeCalls(records.map((r) => r.calls))}`,
    });
    return [row];
  },
};
