// Faults at every step of a rollout, against the fake's state machine through the real client: a
// lost answer, a server error, a refusal, a job that never comes up. Whatever fails, the job ends
// on its old version and running, on its new version and running, or stopped with a savepoint that
// the row names; it is never started without its state.
import { afterEach, describe, expect, it } from '@jest/globals';
import { rollOut, type RolloutOptions } from '../src/rollout/rollout.js';
import type { DraftResult } from '../src/results.js';
import { systemClock } from '../src/runtime/clock.js';
import type { RetryContext } from '../src/runtime/retry.js';
import { openDraftApi, type OpenedDraftApi } from '../src/ververica/draft-api.js';
import { FakeVervericaApi, type Fault, type FaultFilter } from './support/fake-ververica.js';

const WS = 'ws-faults';
const NS = 'ns-faults';
const DRAFT = 'f1b2c3d4-0000-4000-8000-000000000001';
const COMMIT = 'c'.repeat(40);
const BASE = 'b'.repeat(40);
const OLD = 'INSERT INTO sink SELECT 1 FROM source;\n';
const NEW = 'INSERT INTO sink SELECT 2 FROM source;\n';

interface Harness {
  fake: FakeVervericaApi;
  api: OpenedDraftApi;
  deploymentId: string;
  jobId: string;
  run(options?: Partial<RolloutOptions>, retry?: Partial<RetryContext>): Promise<DraftResult>;
}

const open: Array<{ fake: FakeVervericaApi; api: OpenedDraftApi }> = [];

afterEach(async () => {
  for (const { fake, api } of open.splice(0)) {
    await api.close();
    await fake.stop();
  }
});

async function harness(script = NEW): Promise<Harness> {
  const fake = await FakeVervericaApi.start();
  fake.setRolloutTiming({ ticketMs: 30, startMs: 60, stopMs: 30 });
  fake.seedDraft({
    deploymentDraftId: DRAFT,
    name: 'orders',
    workspace: WS,
    namespace: NS,
    artifact: { kind: 'SQLSCRIPT', sqlArtifact: { sqlScript: OLD } },
  });
  const { deploymentId, jobId } = fake.runJob(WS, NS, DRAFT);
  // What the sync left: the draft holds the file's script now.
  fake.editDraftScript(WS, NS, DRAFT, script);
  const api = openDraftApi({
    endpoint: new URL(fake.url),
    provider: {
      get: async () => ({ accessKeyId: 'LTAI-fake-id', accessKeySecret: 'fake-secret' }),
      secrets: () => [],
    },
    concurrency: 4,
    requestTimeoutMs: 1000,
    deadline: Date.now() + 60_000,
  });
  open.push({ fake, api });
  const row: DraftResult = {
    file: 'sql/orders.sql',
    draftId: DRAFT,
    workspace: WS,
    namespace: NS,
    status: 'updated',
  };
  return {
    fake,
    api,
    deploymentId,
    jobId,
    run: async (options = {}, retry = {}) => {
      const context: RetryContext = {
        policy: { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 20 },
        clock: systemClock,
        deadline: Date.now() + 60_000,
        ...retry,
      };
      const [result] = await rollOut(
        [{ row, text: script, restart: 'if-running' }],
        {
          mode: 'apply',
          commit: COMMIT,
          baseSha: BASE,
          deploymentTarget: 'default-queue',
          waitMs: 3000,
          onStartFailure: 'rollback',
          ...options,
        },
        { api, retry: context, info: () => undefined },
        4,
      );
      return result as DraftResult;
    },
  };
}

const scriptOf = (holder: { artifact?: { sqlArtifact?: { sqlScript?: string } } } | undefined) =>
  holder?.artifact?.sqlArtifact?.sqlScript;

function states(h: Harness): string[] {
  return h.fake.rollout.jobsOf(h.deploymentId).map((j) => j.state);
}

function actions(h: Harness, name: string): number {
  return h.fake.calls.filter((c) => c.action === name).length;
}

describe('a rollout under faults', () => {
  const lost: Fault = { kind: 'reset-after-apply' };
  const unavailable: Fault = { kind: 'status', status: 503, code: 'ServiceUnavailable' };

  it.each<[string, Fault, FaultFilter]>([
    ['the deploy answer is lost', lost, { action: 'DeployDeploymentDraftAsync' }],
    ['the ticket read fails once', unavailable, { action: 'GetDeployDeploymentDraftResult' }],
    ['the stop answer is lost', lost, { action: 'StopJob' }],
    ['the start answer is lost', lost, { action: 'StartJobWithParams' }],
    ['a job read fails once', unavailable, { action: 'GetJob' }],
    ['the savepoint listing fails once', unavailable, { action: 'ListSavepoints' }],
    ['the marker write answer is lost', lost, { action: 'UpdateDeploymentDraft' }],
  ])('%s: still restarted once, from the savepoint', async (_name, fault, filter) => {
    const h = await harness();
    h.fake.failNext(1, fault, filter);
    const row = await h.run();
    expect([row.status, row.code]).toEqual(['restarted', undefined]);
    expect(states(h)).toEqual(['CANCELLED', 'RUNNING']);
    expect(actions(h, 'StopJob')).toBeLessThanOrEqual(2);
    expect(h.fake.rollout.starts).toHaveLength(1);
    expect(h.fake.rollout.starts[0]?.restoreStrategy.kind).toBe('LATEST_SAVEPOINT');
    const [savepoint] = h.fake.rollout.savepointsOf(h.deploymentId);
    expect(row.rollout?.savepointId).toBe(savepoint?.savepointId);
  });

  it('a deploy refused for good leaves the job running on its old version', async () => {
    const h = await harness();
    h.fake.failNext(
      1,
      { kind: 'status', status: 403, code: 'Forbidden.RAM', envelope: true },
      {
        action: 'DeployDeploymentDraftAsync',
      },
    );
    const row = await h.run();
    expect([row.status, row.code]).toEqual(['failed', 'DeployFailed']);
    expect(row.message).toContain('Forbidden.RAM');
    expect(states(h)).toEqual(['RUNNING']);
    expect(actions(h, 'StopJob')).toBe(0);
  });

  it('a deploy to a queue that does not exist says so, and touches no job', async () => {
    const h = await harness();
    const row = await h.run({ deploymentTarget: 'no-such-queue' });
    expect([row.status, row.code]).toEqual(['failed', 'DeployFailed']);
    expect(row.message).toContain('DeploymentTargetNotFound');
    expect(states(h)).toEqual(['RUNNING']);
  });

  it('a stop refused for good leaves the job running, and starts nothing', async () => {
    const h = await harness();
    h.fake.failNext(
      1,
      { kind: 'status', status: 400, code: 'JobNotRunning', envelope: true },
      {
        action: 'StopJob',
      },
    );
    const row = await h.run();
    expect([row.status, row.code]).toEqual(['failed', 'JobNotRunning']);
    expect(row.message).toContain('keeps running its old version');
    expect(states(h)).toEqual(['RUNNING']);
    expect(h.fake.rollout.starts).toEqual([]);
  });

  it('a savepoint that fails leaves the job running its old version', async () => {
    const h = await harness();
    h.fake.rollout.failSavepoints(1, 'state backend timed out');
    const row = await h.run();
    expect([row.status, row.code]).toEqual(['failed', 'SavepointFailed']);
    expect(row.message).toContain('state backend timed out');
    expect(states(h)).toEqual(['RUNNING']);
    expect(scriptOf(h.fake.rollout.jobsOf(h.deploymentId)[0])).toBe(OLD);
    expect(h.fake.rollout.starts).toEqual([]);
  });

  it('a start refused for good leaves the job stopped, and names its savepoint', async () => {
    const h = await harness();
    h.fake.failNext(
      1,
      { kind: 'status', status: 400, code: 'QuotaExceeded', envelope: true },
      {
        action: 'StartJobWithParams',
      },
    );
    const row = await h.run();
    const [savepoint] = h.fake.rollout.savepointsOf(h.deploymentId);
    expect([row.status, row.code]).toEqual(['failed', 'QuotaExceeded']);
    expect(row.message).toContain(savepoint?.savepointId);
    expect(row.rollout?.savepointId).toBe(savepoint?.savepointId);
    expect(states(h)).toEqual(['CANCELLED']);
  });

  it('a job still starting when wait-minutes ends is cancelled and rolled back', async () => {
    const h = await harness();
    h.fake.setRolloutTiming({ startMs: 5000 });
    const slowStart = h.run({ waitMs: 400 });
    // The rollback's own start must come up: make starts quick again once the first has begun.
    const started = async (): Promise<void> => {
      while (h.fake.rollout.starts.length === 0) await new Promise((r) => setTimeout(r, 10));
      h.fake.setRolloutTiming({ startMs: 60 });
    };
    const [row] = await Promise.all([slowStart, started()]);
    expect([row.status, row.code]).toEqual(['rolled-back', 'RolledBack']);
    expect(row.message).toContain('still STARTING when wait-minutes ran out');
    expect(states(h)).toEqual(['CANCELLED', 'CANCELLED', 'RUNNING']);
    const jobs = h.fake.rollout.jobsOf(h.deploymentId);
    expect(scriptOf(jobs[2])).toBe(OLD);
    expect(h.fake.rollout.starts.map((s) => s.restoreStrategy.kind)).toEqual([
      'LATEST_SAVEPOINT',
      'FROM_SAVEPOINT',
    ]);
  });

  it('on-start-failure: leave keeps the failed job stopped and names the savepoint', async () => {
    const h = await harness(`${NEW}-- BOOM\n`);
    h.fake.failJobs({ match: 'BOOM', reason: 'TableNotFound', message: 'sink_v2 does not exist' });
    const row = await h.run({ onStartFailure: 'leave' });
    const [savepoint] = h.fake.rollout.savepointsOf(h.deploymentId);
    expect([row.status, row.code]).toEqual(['failed', 'StartFailed']);
    expect(row.message).toContain('sink_v2 does not exist');
    expect(row.message).toContain(savepoint?.savepointId);
    expect(states(h)).toEqual(['CANCELLED', 'FAILED']);
    expect(scriptOf(h.fake.draft(WS, NS, DRAFT))).toBe(`${NEW}-- BOOM\n`);
  });

  it('a rollback whose own start fails says so, and names the savepoint', async () => {
    const h = await harness(`${NEW}-- BOOM\n`);
    h.fake.failJobs({ match: 'BOOM', reason: 'TableNotFound', message: 'sink_v2 does not exist' });
    h.fake.failJobs({ match: 'SELECT 1', reason: 'OutOfMemory', message: 'the old one fails too' });
    const row = await h.run();
    const [savepoint] = h.fake.rollout.savepointsOf(h.deploymentId);
    expect([row.status, row.code]).toEqual(['failed', 'RollbackFailed']);
    expect(row.message).toContain('the old one fails too');
    expect(row.message).toContain(savepoint?.savepointId);
    expect(h.fake.rollout.starts.every((s) => s.restoreStrategy.kind !== 'NONE')).toBe(true);
  });

  it('a rollback labels the draft with the base commit, so that a rerun is not taken for drift', async () => {
    const h = await harness(`${NEW}-- BOOM\n`);
    h.fake.failJobs({ match: 'BOOM', reason: 'TableNotFound', message: 'sink_v2 does not exist' });
    const row = await h.run();
    expect(row.status).toBe('rolled-back');
    expect(h.fake.draft(WS, NS, DRAFT)?.labels?.['flink-draft-sync/commit']).toBe(BASE);
  });

  it('a rerun after a new job failed and the run was killed rolls back, taking the lock it needs', async () => {
    const h = await harness(`${NEW}-- BOOM\n`);
    h.fake.failJobs({ match: 'BOOM', reason: 'TableNotFound', message: 'sink_v2 does not exist' });
    // What the killed run left: the marker, the old job stopped with a savepoint, the new one failed.
    const where = { workspace: WS, namespace: NS };
    h.fake.setRolloutTiming({ stopMs: 0, startMs: 0 });
    h.fake.setLabels(WS, NS, DRAFT, { 'flink-draft-sync/restart': `${COMMIT}:${h.jobId}` });
    h.fake.unlockDraft(WS, NS, DRAFT);
    h.fake.rollout.stop(where, h.jobId, JSON.stringify({ stopStrategy: 'STOP_WITH_SAVEPOINT' }));
    h.fake.rollout.advance();
    // The deployment holds the new script, as the killed run's deploy left it.
    const deployment = h.fake.rollout.deployment(h.deploymentId);
    if (deployment) deployment.artifact = h.fake.draft(WS, NS, DRAFT)?.artifact;
    h.fake.rollout.start(
      where,
      JSON.stringify({
        deploymentId: h.deploymentId,
        restoreStrategy: { kind: 'LATEST_SAVEPOINT' },
      }),
    );
    h.fake.rollout.advance();
    expect(states(h)).toEqual(['CANCELLED', 'FAILED']);
    h.fake.setRolloutTiming({ stopMs: 30, startMs: 60 });

    const row = await h.run();
    expect([row.status, row.code]).toEqual(['rolled-back', 'RolledBack']);
    expect(states(h)).toEqual(['CANCELLED', 'FAILED', 'RUNNING']);
    expect(scriptOf(h.fake.rollout.jobsOf(h.deploymentId)[2])).toBe(OLD);
    expect(actions(h, 'GetDeploymentDraftLock')).toBe(1);
  });

  it('does not stop a job when less than wait-minutes of the budget is left', async () => {
    const h = await harness();
    const row = await h.run({ waitMs: 120_000 });
    expect([row.status, row.code]).toEqual(['failed', 'Timeout']);
    expect(row.message).toContain('keeps running its old version');
    expect(states(h)).toEqual(['RUNNING']);
  });

  it('leaves a draft that someone else has locked undeployed', async () => {
    const h = await harness();
    h.fake.lockDraft(WS, NS, DRAFT, 'Wang Wei');
    const row = await h.run();
    expect([row.status, row.code]).toEqual(['failed', 'DraftLocked']);
    expect(row.message).toContain('Wang Wei');
    expect(actions(h, 'DeployDeploymentDraftAsync')).toBe(0);
    expect(states(h)).toEqual(['RUNNING']);
  });

  it('survives seeded random faults on every call, and never leaves the job without a savepoint', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const h = await harness();
      h.fake.setRandomFaults(0.2, seed, [
        unavailable,
        lost,
        { kind: 'status', status: 429, code: 'Throttling.User' },
      ]);
      const row = await h.run();
      h.fake.setRandomFaults(0, 0, []);
      const jobs = h.fake.rollout.jobsOf(h.deploymentId);
      const running = jobs.filter((j) => j.state === 'RUNNING');
      const savepoints = h.fake.rollout
        .savepointsOf(h.deploymentId)
        .filter((s) => s.state === 'COMPLETED');
      // One of the three allowed ends, whatever the faults did.
      const onOld = running.length === 1 && scriptOf(running[0]) === OLD;
      const onNew = running.length === 1 && scriptOf(running[0]) === NEW;
      const stoppedWithSavepoint =
        running.length === 0 &&
        savepoints.length === 1 &&
        row.message?.includes(savepoints[0]?.savepointId as string);
      expect({ seed, ok: onOld || onNew || stoppedWithSavepoint }).toEqual({ seed, ok: true });
      if (onNew) expect(row.status).toBe('restarted');
      expect(h.fake.rollout.starts.every((s) => s.restoreStrategy.kind !== 'NONE')).toBe(true);
    }
  }, 60_000);
});
