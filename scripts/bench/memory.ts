// Memory: peak resident set size of the action's process syncing 1,000 changed drafts of 100 KiB.
import { removeDir } from '../../__tests__/support/git-repo.js';
import { measuredAction, type RssMethod } from './action-run.js';
import { runFailures, syncFailure } from './checks.js';
import {
  countCalls,
  createDraftRepo,
  describeCalls,
  seededFake,
  type CallCounts,
  type DraftRepo,
} from './drafts.js';
import { changedScripts } from './fixtures.js';
import { formatNumber } from './report.js';
import { makeRow, type Row } from './rows.js';
import { median } from './stats.js';
import type { Suite } from './suite.js';
import { MEMORY, UNITS } from './targets.js';

interface Sample {
  peakRssMB: number;
  wallMs: number;
  cpuMs: number;
  method: RssMethod;
  calls: CallCounts;
  failure?: string;
}

async function sample(node: string, repo: DraftRepo): Promise<Sample> {
  // No latency: the point is what the process holds, and more calls overlap without it.
  const api = await seededFake(repo.drafts, 0);
  try {
    const { measured, run } = await measuredAction({ node, repo, api });
    return {
      peakRssMB: (measured.peakRssKiB * 1024) / UNITS.MB,
      wallMs: measured.wallMs,
      cpuMs: measured.cpuMs,
      method: measured.rssMethod,
      calls: countCalls(api),
      failure: syncFailure(run, api, repo.drafts),
    };
  } finally {
    await api.stop();
  }
}

export const memory: Suite = {
  id: '5',
  name: 'memory',
  async run({ runs, node, log }): Promise<Row[]> {
    const repo = await createDraftRepo(changedScripts(MEMORY.drafts, MEMORY.scriptBytes));
    try {
      const samples: Sample[] = [];
      for (let round = 1; round <= runs; round++) {
        samples.push(await sample(node.path, repo));
        log(`run ${round}/${runs}: peak RSS ${formatNumber(samples.at(-1)?.peakRssMB ?? NaN)} MB`);
      }
      const scriptMB = repo.drafts.reduce((sum, d) => sum + Buffer.byteLength(d.new), 0) / UNITS.MB;
      return [
        makeRow({
          id: '5.1',
          section: 'Memory',
          measure: `peak RSS, ${MEMORY.drafts.toLocaleString('en-US')} changed drafts of 100 KiB`,
          unit: 'MB',
          values: samples.map((s) => s.peakRssMB),
          target: { bound: 'max', value: MEMORY.peakRssMB },
          verification: {
            runs,
            failures: runFailures(samples),
          },
          note:
            `${formatNumber(scriptMB)} MB of SQL in all; via ${samples[0]?.method ?? '?'}; ` +
            `latency 0, default concurrency; calls per run: ${describeCalls(samples.map((s) => s.calls))}; ` +
            `wall ${formatNumber(median(samples.map((s) => s.wallMs)))} ms, action process CPU ` +
            `${formatNumber(median(samples.map((s) => s.cpuMs)))} ms (medians); MB = 10⁶ bytes`,
        }),
      ];
    } finally {
      await removeDir(repo.dir);
    }
  },
};
