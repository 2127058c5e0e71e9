// Deploy and restart: the bundled action syncs 50 changed drafts whose jobs run, deploys each and
// restarts each job from a savepoint at concurrency 8, through a fake API that answers every call
// after 50 ms and takes a fixed server time per ticket, stop and start. Held against the server's
// own time per round of `concurrency` drafts, plus one poll interval per round.
import { measuredAction } from './action-run.js';
import { runFailures, stepFailure } from './checks.js';
import {
  countCalls,
  createDraftRepo,
  describeCalls,
  seededFake,
  type CallCounts,
} from './drafts.js';
import { changedScripts, NAMESPACE, WORKSPACE } from './fixtures.js';
import { formatNumber } from './report.js';
import { makeRow, type Row } from './rows.js';
import { median } from './stats.js';
import type { Suite } from './suite.js';
import { ROLLOUT, THROUGHPUT } from './targets.js';
import { removeDir } from '../../__tests__/support/git-repo.js';
import type { FakeVervericaApi } from '../../__tests__/support/fake-ververica.js';
import { POLL } from '../../src/rollout/poll.js';

interface RunRecord {
  wallMs: number;
  cpuMs: number;
  failure?: string;
  calls: CallCounts;
  maxInFlight: number;
}

/** Every job must run the new script, restarted once from the savepoint of its stop. */
function rolloutFailure(
  api: FakeVervericaApi,
  deployments: readonly string[],
  expected: readonly string[],
): string | undefined {
  for (const [i, id] of deployments.entries()) {
    const jobs = api.rollout.jobsOf(id);
    const running = jobs.filter((j) => j.state === 'RUNNING');
    if (running.length !== 1) return `deployment ${id}: ${running.length} running jobs`;
    if (running[0]?.artifact?.sqlArtifact?.sqlScript !== expected[i])
      return `deployment ${id}: runs the old script`;
    const [savepoint] = api.rollout.savepointsOf(id);
    if (!savepoint || running[0]?.restoredFrom !== savepoint.savepointId)
      return `deployment ${id}: not started from its savepoint`;
  }
  return undefined;
}

export const rollout: Suite = {
  id: '7',
  name: 'deploy and restart',
  async run({ runs, node, log }) {
    const { drafts, concurrency, serverMs } = ROLLOUT;
    const repo = await createDraftRepo(changedScripts(drafts, THROUGHPUT.scriptBytes));
    const records: RunRecord[] = [];
    try {
      for (let round = 1; round <= runs; round++) {
        const api = await seededFake(repo.drafts, THROUGHPUT.latencyMs);
        try {
          api.setRolloutTiming(serverMs);
          const deployments = repo.drafts.map(
            (d) => api.runJob(WORKSPACE, NAMESPACE, d.draftId).deploymentId,
          );
          const { measured, run } = await measuredAction({
            node: node.path,
            repo,
            api,
            inputs: {
              concurrency: String(concurrency),
              deploy: 'true',
              restart: 'if-running',
              'wait-minutes': '5',
              'timeout-minutes': '30',
            },
          });
          const restarted = Number(run.outputs.restarted ?? 0);
          records.push({
            wallMs: measured.wallMs,
            cpuMs: measured.cpuMs,
            failure:
              stepFailure(run) ??
              (restarted !== drafts ? `restarted ${restarted} of ${drafts} jobs` : undefined) ??
              rolloutFailure(
                api,
                deployments,
                repo.drafts.map((d) => d.new),
              ),
            calls: countCalls(api),
            maxInFlight: api.maxInFlight,
          });
        } finally {
          await api.stop();
        }
        log(
          `round ${round}/${runs}: ${drafts}@${concurrency} deploy+restart ${formatNumber(records.at(-1)?.wallMs ?? NaN)} ms`,
        );
      }
    } finally {
      await removeDir(repo.dir);
    }
    const rounds = Math.ceil(drafts / concurrency);
    const server = serverMs.ticketMs + serverMs.stopMs + serverMs.startMs;
    // Polls overlap the server's time; every other call adds its latency to the draft's path.
    const calls = records.length > 0 ? median(records.map((r) => stepCalls(r.calls))) / drafts : 0;
    const floor = rounds * (server + Math.round(calls) * THROUGHPUT.latencyMs);
    const target = floor + rounds * POLL.maxMs;
    const walls = records.map((r) => r.wallMs);
    const row: Row = makeRow({
      id: '7.1',
      section: 'Deploy and restart',
      measure: `${drafts} drafts synced, deployed and restarted from a savepoint, concurrency ${concurrency}: wall time`,
      unit: 'ms',
      values: walls,
      target: {
        bound: 'max',
        value: target,
        basis: `floor ${formatNumber(floor)} ms + one poll interval (${POLL.maxMs} ms) per round`,
      },
      verification: { runs: records.length, failures: runFailures(records) },
      note:
        `${(median(walls) / floor).toFixed(2)}× the floor ⌈${drafts}/${concurrency}⌉ × (server ${server} ms: ticket ${serverMs.ticketMs} + stop ${serverMs.stopMs} + start ${serverMs.startMs}, ` +
        `+ ${Math.round(calls)} calls × 50 ms that are not polls); calls per run: ${describeCalls(records.map((r) => r.calls))}; ` +
        `at most ${Math.max(...records.map((r) => r.maxInFlight))} in flight; action process CPU ${formatNumber(median(records.map((r) => r.cpuMs)))} ms`,
    });
    return [row];
  },
};

/** Reads that wait on the server (a ticket, a job's state) and the listing, which runs ahead. */
const OVERLAPPED = new Set(['GetDeployDeploymentDraftResult', 'GetJob', 'ListDeploymentDrafts']);

function stepCalls(calls: CallCounts): number {
  return Object.entries(calls)
    .filter(([action]) => !OVERLAPPED.has(action))
    .reduce((sum, [, n]) => sum + n, 0);
}
