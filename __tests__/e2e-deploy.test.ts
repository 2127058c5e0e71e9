// End to end, from a merged change to a running job: the bundled action syncs each draft, deploys
// it, restarts a running job from the savepoint its stop takes, and rolls back a job that does not
// come up. Each draft meets one of the outcomes the fake's state machine can produce.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runAction, type ActionRun } from './support/action-runner.js';
import { pullRequestEvent, pushEvent } from './support/events.js';
import { FakeVervericaApi } from './support/fake-ververica.js';
import { commitFiles, createBranch, initRepo, removeDir } from './support/git-repo.js';
import { keyInputs, manifestYaml, resultRows, sqlDraft } from './support/scenario.js';

const WS = 'a14bd5d90a0000';
const NS = 'default-namespace';
const KEY = { accessKeyId: 'LTAI5tDeployKeyId0001', accessKeySecret: 'deploy-secret-4c2b9e' };

const ID = {
  fresh: 'd1b2c3d4-0000-4000-8000-000000000001',
  running: 'd1b2c3d4-0000-4000-8000-000000000002',
  broken: 'd1b2c3d4-0000-4000-8000-000000000003',
  crashy: 'd1b2c3d4-0000-4000-8000-000000000004',
  nosave: 'd1b2c3d4-0000-4000-8000-000000000005',
  quiet: 'd1b2c3d4-0000-4000-8000-000000000006',
} as const;
type Key = keyof typeof ID;
const KEYS = Object.keys(ID) as Key[];
const file = (key: Key): string => `sql/${key}.sql`;

const OLD = 'INSERT INTO sink SELECT * FROM source;\n';
const CHANGED: Record<Key, string> = {
  fresh: 'INSERT INTO sink SELECT id FROM source;\n',
  running: 'INSERT INTO sink SELECT id, amount FROM source;\n',
  // Line 2, column 8: the '(' that is never closed.
  broken: 'INSERT INTO sink\nSELECT (id FROM source;\n',
  // Valid SQL that the fake's jobs fail on a moment after they start.
  crashy: "INSERT INTO sink SELECT id, 'BOOM' FROM source;\n",
  nosave: 'INSERT INTO sink SELECT amount FROM source;\n',
  quiet: 'INSERT INTO sink SELECT 2 FROM source;\n',
};

const script = (holder: { artifact?: { sqlArtifact?: { sqlScript?: string } } } | undefined) =>
  holder?.artifact?.sqlArtifact?.sqlScript;

describe('deploy and restart, end to end through dist/index.js', () => {
  let repo: string;
  let api: FakeVervericaApi;
  let base: string;
  let head: string;
  const deployments: Partial<Record<Key, string>> = {};
  const firstJobs: Partial<Record<Key, string>> = {};
  let planned: ActionRun;
  let applied: ActionRun;
  let planCalls: FakeVervericaApi['calls'] = [];

  const inputs = (extra: Record<string, string> = {}) => ({
    ...keyInputs(api, KEY),
    deploy: 'true',
    restart: 'if-running',
    'wait-minutes': '0.2',
    ...extra,
  });

  beforeAll(async () => {
    repo = await initRepo();
    const entries = KEYS.map((key) => ({ file: file(key), draftId: ID[key] }));
    const manifest = manifestYaml(entries, { workspace: WS, namespace: NS }).replace(
      `    draftId: ${ID.quiet}\n`,
      `    draftId: ${ID.quiet}\n    restart: never\n`,
    );
    const initial: Record<string, string> = { 'flink-drafts.yaml': manifest };
    for (const key of KEYS) initial[file(key)] = OLD;
    base = await commitFiles(repo, initial, 'initial');
    await createBranch(repo, 'feature', base);
    head = await commitFiles(
      repo,
      Object.fromEntries(KEYS.map((key) => [file(key), CHANGED[key]])),
      'feature: new SQL',
    );

    api = await FakeVervericaApi.start({ credentials: [KEY] });
    api.setRolloutTiming({ ticketMs: 150, startMs: 300, stopMs: 150 });
    // The server's cause echoes the caller's secret, as a hostile or careless server might.
    api.failJobs({
      match: 'BOOM',
      reason: 'RuntimeException',
      message: `sink rejected the row (signed with ${KEY.accessKeySecret})`,
    });
    for (const key of KEYS) {
      api.seedDraft(
        sqlDraft({
          id: ID[key],
          name: `draft-${key}`,
          workspace: WS,
          namespace: NS,
          sqlScript: OLD,
        }),
      );
      if (key === 'fresh') continue;
      const seeded = api.runJob(WS, NS, ID[key]);
      deployments[key] = seeded.deploymentId;
      firstJobs[key] = seeded.jobId;
    }
    api.rollout.failSavepoints(1, 'checkpoint storage is unreachable', deployments.nosave);

    planned = await runAction({
      workspace: repo,
      eventName: 'pull_request',
      event: pullRequestEvent({ base, head, number: 9 }),
      inputs: inputs(),
      env: { GITHUB_SHA: head },
    });
    planCalls = [...api.calls];
    applied = await runAction({
      workspace: repo,
      eventName: 'push',
      event: pushEvent({ before: base, after: head }),
      inputs: inputs(),
      env: { GITHUB_SHA: head },
    });
  }, 120_000);

  afterAll(async () => {
    await api?.stop();
    await removeDir(repo);
  });

  it('plans, for each job, exactly what the merge will do to it, and touches nothing', () => {
    const rows = Object.fromEntries(resultRows(planned).map((r) => [r.file, r]));
    const plan = (key: Key) => (rows[file(key)]?.rollout as { plan?: string } | null)?.plan;
    expect(plan('fresh')).toBe(
      'deploy the new script only; no job is running, so none is started (restart: if-running)',
    );
    expect(plan('running')).toBe(
      `deploy the new script, then stop job ${firstJobs.running} with a savepoint and start the new version from it`,
    );
    expect(plan('quiet')).toBe(
      `deploy the new script only; job ${firstJobs.quiet} keeps running its old version until it is restarted (restart: never)`,
    );
    expect(planned.summary).toContain('🧭 merge will deploy the new script, then stop job');
    const actions = new Set(planCalls.map((c) => c.action));
    for (const write of [
      'GetDeploymentDraftLock',
      'UpdateDeploymentDraft',
      'DeployDeploymentDraftAsync',
      'StopJob',
      'StartJobWithParams',
    ]) {
      expect(actions).not.toContain(write);
    }
    expect(actions).toContain('ListJobs');
  });

  it('reports one row per draft, and fails the step for the drafts that did not make it', () => {
    expect(applied.exitCode).toBe(1);
    // In manifest order.
    expect(resultRows(applied).map((r) => [r.file, r.status, r.code])).toEqual([
      [file('fresh'), 'deployed', null],
      [file('running'), 'restarted', null],
      [file('broken'), 'failed', 'DeployFailed'],
      [file('crashy'), 'rolled-back', 'RolledBack'],
      [file('nosave'), 'failed', 'SavepointFailed'],
      [file('quiet'), 'deployed', null],
    ]);
    expect(applied.outputs.deployed).toBe('3');
    expect(applied.outputs.restarted).toBe('1');
    expect(applied.outputs['rolled-back']).toBe('1');
  });

  it('deploys a draft that had no deployment, and starts nothing', () => {
    const draft = api.draft(WS, NS, ID.fresh);
    const deploymentId = draft?.referencedDeploymentId as string;
    expect(script(api.rollout.deployment(deploymentId))).toBe(CHANGED.fresh);
    expect(api.rollout.jobsOf(deploymentId)).toEqual([]);
  });

  it('restarts a running job from the savepoint its stop took, on the new version', () => {
    const deploymentId = deployments.running as string;
    const jobs = api.rollout.jobsOf(deploymentId);
    expect(jobs.map((j) => j.state)).toEqual(['CANCELLED', 'RUNNING']);
    const [savepoint] = api.rollout.savepointsOf(deploymentId);
    expect(savepoint).toMatchObject({ jobId: firstJobs.running, state: 'COMPLETED' });
    expect(jobs[1]?.restoredFrom).toBe(savepoint?.savepointId);
    expect(script(jobs[1])).toBe(CHANGED.running);
    const row = resultRows(applied).find((r) => r.file === file('running'));
    expect(row?.rollout).toMatchObject({
      deploymentId,
      jobId: jobs[1]?.jobId,
      stoppedJobId: firstJobs.running,
      savepointId: savepoint?.savepointId,
      restore: { kind: 'LATEST_SAVEPOINT' },
    });
  });

  it('never touches the job of a draft whose deploy failed, and annotates the error at its place', () => {
    const jobs = api.rollout.jobsOf(deployments.broken as string);
    expect(jobs.map((j) => [j.jobId, j.state])).toEqual([[firstJobs.broken, 'RUNNING']]);
    expect(script(api.rollout.deployment(deployments.broken as string))).toBe(OLD);
    const annotation = applied.annotations.find(
      (a) => a.level === 'error' && a.properties.file === file('broken'),
    );
    expect(annotation?.properties).toMatchObject({ line: '2', col: '8' });
  });

  it('rolls back a job that fails after its start: old script, deployed, from the same savepoint', () => {
    const deploymentId = deployments.crashy as string;
    const jobs = api.rollout.jobsOf(deploymentId);
    expect(jobs.map((j) => j.state)).toEqual(['CANCELLED', 'FAILED', 'RUNNING']);
    const [savepoint] = api.rollout.savepointsOf(deploymentId);
    expect(jobs[1]?.restoredFrom).toBe(savepoint?.savepointId);
    expect(jobs[2]?.restoredFrom).toBe(savepoint?.savepointId);
    expect(script(jobs[2])).toBe(OLD);
    expect(script(api.draft(WS, NS, ID.crashy))).toBe(OLD);
    expect(script(api.rollout.deployment(deploymentId))).toBe(OLD);
    const row = resultRows(applied).find((r) => r.file === file('crashy'));
    expect(row?.message).toContain('sink rejected the row');
    // `::add-mask::` is how the action tells the runner to mask the secret: the one allowed line.
    const log = applied.stdout.replace(/^::add-mask::.*$/gm, '');
    for (const text of [log, applied.stderr, applied.summary, applied.outputFile]) {
      expect(text).not.toContain(KEY.accessKeySecret);
    }
    expect(row?.message).toContain(savepoint?.savepointId);
  });

  it('leaves a job running on its old version when its savepoint fails', () => {
    const jobs = api.rollout.jobsOf(deployments.nosave as string);
    expect(jobs.map((j) => [j.jobId, j.state])).toEqual([[firstJobs.nosave, 'RUNNING']]);
    expect(script(jobs[0])).toBe(OLD);
    const row = resultRows(applied).find((r) => r.file === file('nosave'));
    expect(row?.message).toContain('checkpoint storage is unreachable');
  });

  it('never starts a job without its state', () => {
    const kinds = api.rollout.starts.map((s) => s.restoreStrategy.kind);
    expect(kinds.length).toBeGreaterThan(0);
    expect(kinds).not.toContain('NONE');
  });

  it('a rerun of the same commit restarts nothing that already runs the new version', async () => {
    const startsBefore = api.rollout.starts.length;
    const rerun = await runAction({
      workspace: repo,
      eventName: 'push',
      event: pushEvent({ before: base, after: head }),
      inputs: inputs(),
      env: { GITHUB_SHA: head },
    });
    const rows = Object.fromEntries(resultRows(rerun).map((r) => [r.file, r]));
    expect(rows[file('running')]?.status).toBe('unchanged');
    expect(rows[file('fresh')]?.status).toBe('unchanged');
    const restartedAgain = api.rollout.starts
      .slice(startsBefore)
      .filter((s) => s.deploymentId === deployments.running);
    expect(restartedAgain).toEqual([]);
  }, 60_000);
});
