// Throughput: the bundled action syncing 50, 200 and 1,000 changed drafts of 20 KiB through a
// fake API that answers every call after 50 ms, at concurrency 4, 8 and 16, held against the
// physical floor; and the same work done one draft at a time with the official SDK core.
import { measuredAction } from './action-run.js';
import { measuredBaseline } from './baseline-run.js';
import { runFailures, stepFailure, syncFailure } from './checks.js';
import {
  countCalls,
  createDraftRepo,
  describeCalls,
  seededFake,
  wrongDrafts,
  type CallCounts,
  type DraftRepo,
} from './drafts.js';
import { changedScripts } from './fixtures.js';
import { makeRow, type Row } from './rows.js';
import { formatNumber } from './report.js';
import { CALLS_PER_DRAFT, median, pairedRatios, physicalFloorMs } from './stats.js';
import { BASELINE, THROUGHPUT } from './targets.js';
import type { Suite } from './suite.js';
import { removeDir } from '../../__tests__/support/git-repo.js';
import type { ActionRun } from '../../__tests__/support/action-runner.js';

interface RunRecord {
  wallMs: number;
  /** CPU time of the measured process (user + system). */
  cpuMs: number;
  /** Why the run's result was wrong; undefined for a correct run. */
  failure?: string;
  calls: CallCounts;
  maxInFlight: number;
}

interface Cell {
  drafts: number;
  concurrency: number;
  /** The drafts are already locked by the action, as after an earlier sync: no lock calls. */
  locked?: boolean;
  /** A plan with the server's SQL check: a read and a ValidateSqlStatement per draft, no write. */
  plan?: boolean;
  records: RunRecord[];
}

async function actionRun(
  node: string,
  repo: DraftRepo,
  concurrency: number,
  locked = false,
  plan = false,
): Promise<RunRecord> {
  const api = await seededFake(repo.drafts, THROUGHPUT.latencyMs, { lockedByAction: locked });
  try {
    const { measured, run } = await measuredAction({
      node,
      repo,
      api,
      inputs: { concurrency: String(concurrency), ...(plan ? { mode: 'plan' } : {}) },
    });
    const calls = countCalls(api);
    const relocked = locked && (calls.GetDeploymentDraftLock ?? 0) > 0;
    return {
      wallMs: measured.wallMs,
      cpuMs: measured.cpuMs,
      failure: plan
        ? planFailure(run, calls, repo.drafts.length)
        : (syncFailure(run, api, repo.drafts) ??
          (relocked ? 'asked for locks the action already held' : undefined)),
      calls,
      maxInFlight: api.maxInFlight,
    };
  } finally {
    await api.stop();
  }
}

async function baselineRun(node: string, repo: DraftRepo): Promise<RunRecord> {
  const api = await seededFake(repo.drafts, THROUGHPUT.latencyMs);
  try {
    const { measured, failure } = await measuredBaseline(node, repo, api);
    return {
      wallMs: measured.wallMs,
      cpuMs: measured.cpuMs,
      failure: failure ?? wrongDrafts(api, repo.drafts),
      calls: countCalls(api),
      maxInFlight: api.maxInFlight,
    };
  } finally {
    await api.stop();
  }
}

/** A plan must check every draft once and write none. */
function planFailure(run: ActionRun, calls: CallCounts, drafts: number): string | undefined {
  const failed = stepFailure(run);
  if (failed) return failed;
  const planned = Number(run.outputs.updated ?? 0);
  if (planned !== drafts) return `planned ${planned} of ${drafts} drafts to update`;
  const checked = calls.ValidateSqlStatement ?? 0;
  if (checked !== drafts) return `checked the SQL of ${checked} of ${drafts} drafts`;
  const written = (calls.UpdateDeploymentDraft ?? 0) + (calls.GetDeploymentDraftLock ?? 0);
  return written > 0 ? `a plan made ${written} lock or write calls` : undefined;
}

function cellRow(id: string, cell: Cell): Row {
  const { drafts, concurrency, records, locked, plan } = cell;
  // A draft whose lock the action holds needs only its read and its write; a plan reads and checks.
  const calls = locked || plan ? CALLS_PER_DRAFT - 1 : CALLS_PER_DRAFT;
  const floor = physicalFloorMs(drafts, concurrency, THROUGHPUT.latencyMs, calls);
  const walls = records.map((r) => r.wallMs);
  const ratio = median(walls) / floor;
  return makeRow({
    id,
    section: 'Throughput',
    measure: plan
      ? `plan of ${drafts} changed drafts with the SQL check, concurrency ${concurrency}: wall time`
      : `${drafts} drafts${locked ? ' already locked by the action' : ''}, concurrency ${concurrency}: wall time`,
    unit: 'ms',
    values: walls,
    target: {
      bound: 'max',
      value: THROUGHPUT.maxFloorRatio * floor,
      basis: `${THROUGHPUT.maxFloorRatio} × floor ${formatNumber(floor)} ms`,
    },
    verification: { runs: records.length, failures: runFailures(records) },
    note:
      `${ratio.toFixed(2)}× the floor ⌈${drafts}/${concurrency}⌉ × (${Array(calls).fill(50).join(' + ')}) ms; ` +
      `calls per run: ${describeCalls(records.map((r) => r.calls))}; at most ${Math.max(...records.map((r) => r.maxInFlight))} in flight; ` +
      `action process CPU ${formatNumber(median(records.map((r) => r.cpuMs)))} ms`,
  });
}

function baselineRows(baseline: readonly RunRecord[], compared: Cell | undefined): Row[] {
  const walls = baseline.map((r) => r.wallMs);
  const calls = CALLS_PER_DRAFT * BASELINE.drafts;
  const perCall = (median(walls) - calls * THROUGHPUT.latencyMs) / calls;
  const wallRow = makeRow({
    id: '2.1',
    section: 'Baseline',
    measure: `official SDK core (callApi, ROA), ${BASELINE.drafts} drafts one by one: wall time`,
    unit: 'ms',
    values: walls,
    verification: { runs: baseline.length, failures: runFailures(baseline) },
    note:
      `calls per run: ${describeCalls(baseline.map((r) => r.calls))}; ${perCall.toFixed(1)} ms per call beyond ` +
      `the 50 ms latency, process start-up included; SDK process CPU ` +
      `${formatNumber(median(baseline.map((r) => r.cpuMs)))} ms`,
  });
  const actionWalls = compared?.records.map((r) => r.wallMs) ?? [];
  const speedupRow = makeRow({
    id: '2.2',
    section: 'Baseline',
    measure: `speed-up of the action at concurrency ${BASELINE.concurrency}, ${BASELINE.drafts} drafts`,
    unit: '×',
    values: pairedRatios(walls, actionWalls),
    target: { bound: 'min', value: BASELINE.minSpeedup },
    verification: {
      runs: baseline.length,
      failures: [...runFailures(baseline), ...runFailures(compared?.records ?? [])],
    },
    note:
      `baseline wall / action wall, run by run: ${formatNumber(median(walls))} ms against ` +
      `${formatNumber(median(actionWalls))} ms (medians); against a sequential client with no ` +
      `cost of its own (${calls} calls × 50 ms = ${formatNumber(calls * THROUGHPUT.latencyMs)} ms) ` +
      `the action is ${((calls * THROUGHPUT.latencyMs) / median(actionWalls)).toFixed(1)}× faster`,
  });
  return [wallRow, speedupRow];
}

export const throughput: Suite = {
  id: '1',
  name: 'throughput and the official-SDK baseline',
  async run({ runs, node, log }) {
    const repos = new Map<number, DraftRepo>();
    try {
      for (const n of THROUGHPUT.drafts) {
        repos.set(n, await createDraftRepo(changedScripts(n, THROUGHPUT.scriptBytes)));
      }
      const cells: Cell[] = [
        ...THROUGHPUT.drafts.flatMap((drafts) =>
          THROUGHPUT.concurrency.map((concurrency) => ({ drafts, concurrency, records: [] })),
        ),
        // The steady state: every later sync of a draft finds the lock already held.
        { ...THROUGHPUT.steadyState, locked: true, records: [] },
        // A pull request's plan with validate: plan, the default.
        { ...THROUGHPUT.validatedPlan, plan: true, records: [] },
      ];
      const baseline: RunRecord[] = [];
      const baselineRepo = repos.get(BASELINE.drafts) as DraftRepo;
      // Rounds, not one cell after another: a machine that slows down part-way through then
      // spreads the slowdown over every cell instead of failing one of them.
      for (let round = 1; round <= runs; round++) {
        for (const cell of cells) {
          const repo = repos.get(cell.drafts) as DraftRepo;
          cell.records.push(
            await actionRun(node.path, repo, cell.concurrency, cell.locked, cell.plan),
          );
        }
        baseline.push(await baselineRun(node.path, baselineRepo));
        log(
          `round ${round}/${runs}: ` +
            cells
              .map(
                (c) =>
                  `${c.drafts}@${c.concurrency}${c.locked ? ' locked' : ''}${c.plan ? ' plan' : ''} ` +
                  `${formatNumber(c.records.at(-1)?.wallMs ?? NaN)} ms`,
              )
              .join(', ') +
            `; baseline ${formatNumber(baseline.at(-1)?.wallMs ?? NaN)} ms`,
        );
      }
      const compared = cells.find(
        (c) =>
          !c.locked &&
          !c.plan &&
          c.drafts === BASELINE.drafts &&
          c.concurrency === BASELINE.concurrency,
      );
      return [
        ...cells.map((cell, i) => cellRow(`1.${i + 1}`, cell)),
        ...baselineRows(baseline, compared),
      ];
    } finally {
      for (const repo of repos.values()) await removeDir(repo.dir);
    }
  },
};
