// End to end, drafts the manifest no longer names: each write labels a draft with the repository,
// and a labelled draft whose entry was removed is reported `orphaned`, or deleted with
// `on-removed: delete`, unless the API refuses because it is deployed.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runAction } from './support/action-runner.js';
import { pullRequestEvent, pushEvent } from './support/events.js';
import { FakeVervericaApi } from './support/fake-ververica.js';
import { commitFiles, createBranch, initRepo, removeDir } from './support/git-repo.js';
import { keyInputs, manifestYaml, resultRows, sqlDraft } from './support/scenario.js';

const WS = 'a14bd5d90a0000';
const NS = 'default-namespace';
const KEY = { accessKeyId: 'LTAI5tOrphanKeyId0001', accessKeySecret: 'orphan-secret-1b7c3d' };
/** What the runner's GITHUB_REPOSITORY (octo-org/flink-jobs) on github.com makes of it. */
const REPOSITORY = 'github.com/octo-org/flink-jobs';
const LABEL = 'flink-draft-sync/repository';

const ID = {
  kept: 'b1b2c3d4-0000-4000-8000-000000000001',
  removed: 'b1b2c3d4-0000-4000-8000-000000000002',
  deployed: 'b1b2c3d4-0000-4000-8000-000000000003',
  foreign: 'b1b2c3d4-0000-4000-8000-000000000004',
  unlabelled: 'b1b2c3d4-0000-4000-8000-000000000005',
} as const;
const OLD = 'INSERT INTO sink SELECT 1 FROM source;\n';
const NEW = 'INSERT INTO sink SELECT 2 FROM source;\n';

describe('drafts the manifest no longer names, end to end', () => {
  let repo: string;
  let base: string;
  let head: string;

  const seed = async (): Promise<FakeVervericaApi> => {
    const api = await FakeVervericaApi.start({ credentials: [KEY] });
    const labelled = (id: string, repository?: string) =>
      sqlDraft({
        id,
        name: `draft-${id.slice(-1)}`,
        workspace: WS,
        namespace: NS,
        sqlScript: OLD,
        ...(repository ? { labels: { [LABEL]: repository } } : {}),
      });
    api.seedDraft(labelled(ID.kept, REPOSITORY));
    api.seedDraft(labelled(ID.removed, REPOSITORY));
    api.seedDraft(labelled(ID.deployed, REPOSITORY));
    api.seedDraft(labelled(ID.foreign, 'github.com/other-org/other-jobs'));
    api.seedDraft(labelled(ID.unlabelled));
    api.runJob(WS, NS, ID.deployed);
    return api;
  };

  beforeAll(async () => {
    repo = await initRepo();
    const all = [
      { file: 'sql/kept.sql', draftId: ID.kept },
      { file: 'sql/removed.sql', draftId: ID.removed },
      { file: 'sql/deployed.sql', draftId: ID.deployed },
    ];
    base = await commitFiles(
      repo,
      {
        'flink-drafts.yaml': manifestYaml(all, { workspace: WS, namespace: NS }),
        'sql/kept.sql': OLD,
        'sql/removed.sql': OLD,
        'sql/deployed.sql': OLD,
      },
      'three jobs',
    );
    await createBranch(repo, 'feature', base);
    head = await commitFiles(
      repo,
      {
        'flink-drafts.yaml': manifestYaml([all[0] as (typeof all)[0]], {
          workspace: WS,
          namespace: NS,
        }),
        'sql/kept.sql': NEW,
      },
      'retire two jobs',
    );
  }, 60_000);

  afterAll(async () => {
    await removeDir(repo);
  });

  const plan = (api: FakeVervericaApi, inputs: Record<string, string> = {}) =>
    runAction({
      workspace: repo,
      eventName: 'pull_request',
      event: pullRequestEvent({ base, head, number: 12 }),
      inputs: { ...keyInputs(api, KEY), ...inputs },
      env: { GITHUB_SHA: head },
    });

  it('reports the drafts of removed entries orphaned in the plan, and only those of this repository', async () => {
    const api = await seed();
    try {
      const run = await plan(api);
      expect(run.exitCode).toBe(0);
      expect(resultRows(run).map((r) => [r.draftId, r.status, r.file])).toEqual([
        [ID.kept, 'would-update', 'sql/kept.sql'],
        [ID.removed, 'orphaned', 'flink-drafts.yaml'],
        [ID.deployed, 'orphaned', 'flink-drafts.yaml'],
      ]);
      expect(run.summary).toContain('👻 orphaned');
      expect(run.outputs.orphaned).toBe('2');
      expect(api.calls.filter((c) => c.method === 'DELETE')).toEqual([]);
    } finally {
      await api.stop();
    }
  }, 60_000);

  it('with on-removed: delete, plans the deletes and makes none', async () => {
    const api = await seed();
    try {
      const run = await plan(api, { 'on-removed': 'delete' });
      expect(resultRows(run).map((r) => [r.draftId, r.status])).toEqual([
        [ID.kept, 'would-update'],
        [ID.removed, 'would-delete'],
        [ID.deployed, 'would-delete'],
      ]);
      expect(api.calls.filter((c) => c.method === 'DELETE')).toEqual([]);
    } finally {
      await api.stop();
    }
  }, 60_000);

  it('applies: labels what it writes, deletes the orphan under its lock, and leaves the deployed one', async () => {
    const api = await seed();
    try {
      const run = await runAction({
        workspace: repo,
        eventName: 'push',
        event: pushEvent({ before: base, after: head }),
        inputs: { ...keyInputs(api, KEY), 'on-removed': 'delete' },
        env: { GITHUB_SHA: head },
      });
      expect(run.exitCode).toBe(1);
      expect(resultRows(run).map((r) => [r.draftId, r.status, r.code])).toEqual([
        [ID.kept, 'updated', null],
        [ID.removed, 'deleted', null],
        [ID.deployed, 'failed', 'DeploymentDraftDeployed'],
      ]);
      expect(api.draft(WS, NS, ID.removed)).toBeUndefined();
      expect(api.draft(WS, NS, ID.deployed)).toBeDefined();
      expect(api.draft(WS, NS, ID.foreign)).toBeDefined();
      expect(api.draft(WS, NS, ID.unlabelled)).toBeDefined();
      expect(api.draft(WS, NS, ID.kept)?.labels?.[LABEL]).toBe(REPOSITORY);
      const deletes = api.calls.filter((c) => c.method === 'DELETE');
      expect(deletes.map((c) => c.draftId)).toEqual([ID.removed, ID.deployed]);
      // The lock was asked for before each delete.
      for (const call of deletes) {
        const lock = api.calls.findIndex(
          (c) => c.action === 'GetDeploymentDraftLock' && c.draftId === call.draftId,
        );
        expect(lock).toBeGreaterThanOrEqual(0);
        expect(lock).toBeLessThan(api.calls.indexOf(call));
      }
      expect(run.outputs.deleted).toBe('1');
    } finally {
      await api.stop();
    }
  }, 60_000);

  const apply = (api: FakeVervericaApi, killWhen?: (stdout: string) => boolean) =>
    runAction({
      workspace: repo,
      eventName: 'push',
      event: pushEvent({ before: base, after: head }),
      inputs: { ...keyInputs(api, KEY), 'on-removed': 'delete' },
      env: { GITHUB_SHA: head },
      killWhen,
    });

  it('a delete whose answer is lost is not reported failed: the retry finds the draft gone', async () => {
    const api = await seed();
    try {
      api.failNext(1, { kind: 'reset-after-apply' }, { method: 'DELETE', draftId: ID.removed });
      const run = await apply(api);
      const row = resultRows(run).find((r) => r.draftId === ID.removed);
      expect([row?.status, row?.code]).toEqual(['deleted', null]);
      expect(
        api.calls.filter((c) => c.method === 'DELETE' && c.draftId === ID.removed),
      ).toHaveLength(2);
      expect(api.draft(WS, NS, ID.removed)).toBeUndefined();
    } finally {
      await api.stop();
    }
  }, 60_000);

  it('a run killed as it deletes leaves each draft there or gone; the rerun finishes', async () => {
    const api = await seed();
    try {
      const killed = await apply(api, (stdout) => stdout.includes(`deleting draft ${ID.removed}`));
      expect(killed.signal).toBe('SIGKILL');
      const rerun = await apply(api);
      expect(api.draft(WS, NS, ID.removed)).toBeUndefined();
      expect(api.draft(WS, NS, ID.deployed)).toBeDefined();
      expect(api.draft(WS, NS, ID.foreign)).toBeDefined();
      const rows = resultRows(rerun).map((r) => [r.draftId, r.status]);
      expect(rows).toContainEqual([ID.deployed, 'failed']);
      // Deleted by the killed run or by the rerun: never reported failed.
      expect(
        rows.filter(([id]) => id === ID.removed).every(([, status]) => status === 'deleted'),
      ).toBe(true);
    } finally {
      await api.stop();
    }
  }, 60_000);
});
