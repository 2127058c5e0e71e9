// End to end, entries that name their draft by `name` (and `folder`) instead of `draftId`: the
// plan says what the merge creates; the merge creates the draft and its folders with the declared
// fields; a rerun creates nothing; a lost create answer makes one draft, not two; a name that
// matches two drafts (a race, a console copy) is an error naming both.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runAction } from './support/action-runner.js';
import { pullRequestEvent, pushEvent } from './support/events.js';
import { FakeVervericaApi } from './support/fake-ververica.js';
import { commitFiles, createBranch, initRepo, removeDir } from './support/git-repo.js';
import { keyInputs, resultRows, sqlDraft } from './support/scenario.js';

const WS = 'a14bd5d90a0000';
const NS = 'default-namespace';
const KEY = { accessKeyId: 'LTAI5tCreateKeyId0001', accessKeySecret: 'create-secret-5e2f1a' };
const REPOSITORY = 'github.com/octo-org/flink-jobs';
const EXISTING = 'c1b2c3d4-0000-4000-8000-000000000001';
const TWIN_A = 'c1b2c3d4-0000-4000-8000-00000000000a';
const TWIN_B = 'c1b2c3d4-0000-4000-8000-00000000000b';
const NEW_SQL = 'CREATE TEMPORARY TABLE s (a INT);\nINSERT INTO sink SELECT a FROM s;\n';
const OLD = 'INSERT INTO sink SELECT 1 FROM source;\n';
const NEW = 'INSERT INTO sink SELECT 2 FROM source;\n';

const MANIFEST = [
  'version: 1',
  'defaults:',
  `  workspace: ${WS}`,
  `  namespace: ${NS}`,
  'drafts:',
  '  - file: sql/enrich.sql',
  '    name: orders-enrich',
  '    folder: orders/enrichment',
  '    localVariables:',
  '      region: eu-central-1',
  '  - file: sql/existing.sql',
  '    name: existing',
  '  - file: sql/twin.sql',
  '    name: twin',
  '',
].join('\n');

describe('drafts by name, end to end', () => {
  let repo: string;
  let base: string;
  let head: string;

  const seed = async (options: { lockCreator?: boolean } = {}): Promise<FakeVervericaApi> => {
    const api = await FakeVervericaApi.start({ credentials: [KEY], ...options });
    const draft = (id: string, name: string) =>
      sqlDraft({ id, name, workspace: WS, namespace: NS, sqlScript: OLD });
    api.seedDraft(draft(EXISTING, 'existing'));
    api.seedDraft(draft(TWIN_A, 'twin'));
    api.seedDraft(draft(TWIN_B, 'twin'));
    // A draft called `orders-enrich` elsewhere is not the entry's: the folder tells them apart.
    const elsewhere = api.seedFolder(WS, NS, 'archive');
    api.seedDraft({
      ...draft('c1b2c3d4-0000-4000-8000-0000000000ee', 'orders-enrich'),
      parentId: elsewhere,
    });
    return api;
  };

  beforeAll(async () => {
    repo = await initRepo();
    base = await commitFiles(repo, { 'README.md': 'jobs\n' }, 'empty');
    await createBranch(repo, 'feature', base);
    head = await commitFiles(
      repo,
      {
        'flink-drafts.yaml': MANIFEST,
        'sql/enrich.sql': NEW_SQL,
        'sql/existing.sql': NEW,
        'sql/twin.sql': NEW,
      },
      'three jobs by name',
    );
  }, 60_000);

  afterAll(async () => {
    await removeDir(repo);
  });

  const apply = (api: FakeVervericaApi) =>
    runAction({
      workspace: repo,
      eventName: 'push',
      event: pushEvent({ before: base, after: head }),
      inputs: keyInputs(api, KEY),
      env: { GITHUB_SHA: head },
    });

  it('plans: would-create with the diff and the folders to make, and makes nothing', async () => {
    const api = await seed();
    try {
      const run = await runAction({
        workspace: repo,
        eventName: 'pull_request',
        event: pullRequestEvent({ base, head, number: 7 }),
        inputs: keyInputs(api, KEY),
        env: { GITHUB_SHA: head },
      });
      expect(run.exitCode).toBe(1);
      const rows = resultRows(run);
      expect(rows.map((r) => [r.file, r.status, r.code])).toEqual([
        ['sql/enrich.sql', 'would-create', null],
        ['sql/existing.sql', 'would-update', null],
        ['sql/twin.sql', 'would-fail', 'DraftNameAmbiguous'],
      ]);
      expect(rows[0]?.message).toContain(
        'the merge creates it with engine vvr-8.0.11-flink-1.17, STREAMING (folders to create: orders/enrichment)',
      );
      expect(rows[1]?.draftId).toBe(EXISTING);
      expect(rows[2]?.message).toContain(`${TWIN_A} and ${TWIN_B}`);
      expect(run.summary).toContain('+INSERT INTO sink SELECT a FROM s;');
      expect(run.outputs.created).toBe('1');
      const writes = api.calls.filter(
        (c) => c.method !== 'GET' && c.action !== 'ValidateSqlStatement',
      );
      expect(writes).toEqual([]);
    } finally {
      await api.stop();
    }
  }, 60_000);

  it('applies: creates the folders and the draft with its fields and labels; a rerun creates nothing', async () => {
    const api = await seed();
    try {
      const run = await apply(api);
      expect(run.exitCode).toBe(1);
      const rows = resultRows(run);
      expect(rows.map((r) => [r.file, r.status, r.code])).toEqual([
        ['sql/enrich.sql', 'created', null],
        ['sql/existing.sql', 'updated', null],
        ['sql/twin.sql', 'failed', 'DraftNameAmbiguous'],
      ]);
      const id = rows[0]?.draftId as string;
      const created = api.draft(WS, NS, id);
      const folder = api.seedFolder(WS, NS, 'orders/enrichment');
      expect(created).toMatchObject({
        name: 'orders-enrich',
        parentId: folder,
        engineVersion: 'vvr-8.0.11-flink-1.17',
        executionMode: 'STREAMING',
        artifact: {
          kind: 'SQLSCRIPT',
          sqlArtifact: { sqlScript: NEW_SQL, additionalDependencies: [] },
        },
        localVariables: [{ name: 'region', value: 'eu-central-1' }],
      });
      expect(created?.labels).toMatchObject({
        'flink-draft-sync/commit': head,
        'flink-draft-sync/repository': REPOSITORY,
        'flink-draft-sync/lock-holder': created?.lock?.holderId,
      });
      expect(api.calls.filter((c) => c.action === 'CreateFolder')).toHaveLength(2);
      expect(run.outputs.created).toBe('1');

      api.reset();
      const rerun = await apply(api);
      expect(resultRows(rerun).map((r) => [r.file, r.status, r.draftId])).toEqual([
        ['sql/enrich.sql', 'unchanged', id],
        ['sql/existing.sql', 'unchanged', EXISTING],
        ['sql/twin.sql', 'failed', ''],
      ]);
      const made = api.calls.filter((c) =>
        ['CreateDeploymentDraft', 'CreateFolder'].includes(c.action ?? ''),
      );
      expect(made).toEqual([]);
      // One listing served both the name lookup and the sync's reads.
      expect(api.calls.filter((c) => c.action === 'ListDeploymentDrafts')).toHaveLength(1);
      expect(api.calls.filter((c) => c.action === 'GetDeploymentDraft')).toEqual([]);
    } finally {
      await api.stop();
    }
  }, 60_000);

  it('a create whose answer is lost makes one draft: the retry finds it first', async () => {
    const api = await seed();
    try {
      api.failNext(1, { kind: 'reset-after-apply' }, { action: 'CreateDeploymentDraft' });
      const run = await apply(api);
      const row = resultRows(run)[0];
      expect([row?.status, row?.code]).toEqual(['created', null]);
      expect(api.calls.filter((c) => c.action === 'CreateDeploymentDraft')).toHaveLength(1);
      expect(api.drafts(WS, NS).filter((d) => d.name === 'orders-enrich')).toHaveLength(2);
    } finally {
      await api.stop();
    }
  }, 60_000);

  it('a folder create whose answer is lost makes one folder: the retry finds it first', async () => {
    const api = await seed();
    try {
      api.failNext(1, { kind: 'reset-after-apply' }, { action: 'CreateFolder' });
      const run = await apply(api);
      expect(resultRows(run)[0]?.status).toBe('created');
      const root = api.rootFolder(WS, NS);
      const orders = api.catalog.get(WS, NS, root);
      const subs = orders.ok ? orders.value.subFolder.filter((f) => f.name === 'orders') : [];
      expect(subs).toHaveLength(1);
      // One lost (it landed), one for enrichment; orders is never asked for again.
      expect(api.calls.filter((c) => c.action === 'CreateFolder')).toHaveLength(2);
    } finally {
      await api.stop();
    }
  }, 60_000);

  it('a server that keeps the new draft unlocked: created, and the next run takes the lock as for any draft', async () => {
    const api = await seed({ lockCreator: false });
    try {
      const run = await apply(api);
      const id = resultRows(run)[0]?.draftId as string;
      expect(resultRows(run)[0]?.status).toBe('created');
      expect(api.draft(WS, NS, id)?.lock).toBeUndefined();
      expect(
        api.calls.filter((c) => c.action === 'UpdateDeploymentDraft' && c.draftId === id),
      ).toEqual([]);
    } finally {
      await api.stop();
    }
  }, 60_000);

  it('a run killed as it creates leaves no draft or one; the rerun ends with exactly one', async () => {
    const api = await seed();
    try {
      api.setLatency(150);
      const killed = await runAction({
        workspace: repo,
        eventName: 'push',
        event: pushEvent({ before: base, after: head }),
        inputs: keyInputs(api, KEY),
        env: { GITHUB_SHA: head },
        killWhen: (stdout) => stdout.includes('creating draft orders/enrichment/orders-enrich'),
      });
      expect(killed.signal).toBe('SIGKILL');
      api.setLatency(0);
      const rerun = await apply(api);
      expect(['created', 'unchanged']).toContain(resultRows(rerun)[0]?.status);
      const folder = api.seedFolder(WS, NS, 'orders/enrichment');
      const ours = () =>
        api.drafts(WS, NS).filter((d) => d.name === 'orders-enrich' && d.parentId === folder);
      expect(ours()).toHaveLength(1);
      expect(ours()[0]?.artifact?.sqlArtifact?.sqlScript).toBe(NEW_SQL);
      api.reset();
      const third = await apply(api);
      expect(resultRows(third)[0]?.status).toBe('unchanged');
      expect(api.calls.filter((c) => c.action === 'CreateDeploymentDraft')).toEqual([]);
    } finally {
      await api.stop();
    }
  }, 60_000);

  it('with deploy: true, a created draft is deployed in the same run', async () => {
    const api = await seed();
    try {
      const run = await runAction({
        workspace: repo,
        eventName: 'push',
        event: pushEvent({ before: base, after: head }),
        inputs: { ...keyInputs(api, KEY), deploy: 'true' },
        env: { GITHUB_SHA: head },
      });
      const row = resultRows(run)[0];
      expect(row?.status).toBe('deployed');
      expect((row?.rollout as { draft?: string } | null)?.draft).toBe('created');
      const id = row?.draftId as string;
      expect(api.draft(WS, NS, id)?.referencedDeploymentId).toBeTruthy();
      expect(run.outputs.created).toBe('1');
    } finally {
      await api.stop();
    }
  }, 60_000);

  it('a second draft of the same name made meanwhile (a racing run) is reported on the next listing, naming both', async () => {
    const api = await seed();
    try {
      const first = await apply(api);
      const id = resultRows(first)[0]?.draftId as string;
      const folder = api.seedFolder(WS, NS, 'orders/enrichment');
      const racer = 'c1b2c3d4-0000-4000-8000-0000000000ff';
      api.seedDraft({
        ...sqlDraft({
          id: racer,
          name: 'orders-enrich',
          workspace: WS,
          namespace: NS,
          sqlScript: NEW_SQL,
        }),
        parentId: folder,
      });
      const next = await apply(api);
      const row = resultRows(next)[0];
      expect([row?.status, row?.code]).toEqual(['failed', 'DraftNameAmbiguous']);
      expect(row?.message).toContain([id, racer].sort().join(' and '));
      expect(api.calls.filter((c) => c.action === 'CreateDeploymentDraft')).toHaveLength(1);
    } finally {
      await api.stop();
    }
  }, 60_000);
});

describe('declared fields, end to end', () => {
  const ID = 'd1b2c3d4-0000-4000-8000-000000000001';
  let repo: string;
  let base: string;
  let head: string;
  const manifest = (engineVersion: string) =>
    [
      'version: 1',
      'defaults:',
      `  workspace: ${WS}`,
      `  namespace: ${NS}`,
      'drafts:',
      '  - file: sql/a.sql',
      `    draftId: ${ID}`,
      `    engineVersion: ${engineVersion}`,
      '',
    ].join('\n');

  beforeAll(async () => {
    repo = await initRepo();
    base = await commitFiles(
      repo,
      { 'flink-drafts.yaml': manifest('vvr-8.0.9-flink-1.17'), 'sql/a.sql': OLD },
      'one job',
    );
    head = await commitFiles(
      repo,
      { 'flink-drafts.yaml': manifest('vvr-8.0.11-flink-1.17') },
      'a newer engine',
    );
  }, 60_000);
  afterAll(async () => {
    await removeDir(repo);
  });

  const seed = async (engineVersion: string) => {
    const api = await FakeVervericaApi.start({ credentials: [KEY] });
    api.seedDraft(
      sqlDraft({ id: ID, name: 'a', workspace: WS, namespace: NS, sqlScript: OLD, engineVersion }),
    );
    return api;
  };
  const run = (api: FakeVervericaApi, eventName: 'push' | 'pull_request', inputs = {}) =>
    runAction({
      workspace: repo,
      eventName,
      event:
        eventName === 'push'
          ? pushEvent({ before: base, after: head })
          : pullRequestEvent({ base, head, number: 3 }),
      inputs: { ...keyInputs(api, KEY), ...inputs },
      env: { GITHUB_SHA: head },
    });

  it('a changed declaration is planned as a field diff, then written, with the script left as it is', async () => {
    const api = await seed('vvr-8.0.9-flink-1.17');
    try {
      const plan = await run(api, 'pull_request');
      const row = resultRows(plan)[0];
      expect(row?.status).toBe('would-update');
      expect(plan.summary).toContain('-engineVersion: vvr-8.0.9-flink-1.17');
      expect(plan.summary).toContain('+engineVersion: vvr-8.0.11-flink-1.17');
      expect(plan.summary).not.toContain('edited outside git');
      const apply = await run(api, 'push');
      expect(resultRows(apply).map((r) => [r.status, r.drift ?? false])).toEqual([
        ['updated', false],
      ]);
      expect(api.draft(WS, NS, ID)).toMatchObject({
        engineVersion: 'vvr-8.0.11-flink-1.17',
        artifact: { sqlArtifact: { sqlScript: OLD } },
      });
      const again = await run(api, 'push');
      expect(resultRows(again)[0]?.status).toBe('unchanged');
    } finally {
      await api.stop();
    }
  }, 60_000);

  it('a console change of a declared field is drift: named, and with on-drift: fail left as it is', async () => {
    const api = await seed('vvr-6.0.7-flink-1.15');
    try {
      const apply = await run(api, 'push', { 'on-drift': 'fail' });
      const row = resultRows(apply)[0];
      expect([row?.status, row?.code]).toEqual(['failed', 'DraftDrifted']);
      expect(row?.message).toContain('engineVersion (vvr-6.0.7-flink-1.15)');
      expect(api.draft(WS, NS, ID)?.engineVersion).toBe('vvr-6.0.7-flink-1.15');
    } finally {
      await api.stop();
    }
  }, 60_000);
});

describe('drafts by name that the manifest no longer names', () => {
  let repo: string;
  let base: string;
  let head: string;
  const manifest = (names: string[]) =>
    [
      'version: 1',
      'defaults:',
      `  workspace: ${WS}`,
      `  namespace: ${NS}`,
      'drafts:',
      ...names.flatMap((n) => [`  - file: sql/${n}.sql`, `    name: ${n}`, '    folder: team']),
      '',
    ].join('\n');

  beforeAll(async () => {
    repo = await initRepo();
    base = await commitFiles(
      repo,
      { 'flink-drafts.yaml': manifest(['kept', 'gone']), 'sql/kept.sql': OLD, 'sql/gone.sql': OLD },
      'two jobs by name',
    );
    head = await commitFiles(
      repo,
      { 'flink-drafts.yaml': manifest(['kept']), 'sql/kept.sql': NEW, 'sql/gone.sql': null },
      'retire one',
    );
  }, 60_000);
  afterAll(async () => {
    await removeDir(repo);
  });

  it('reports the removed one orphaned, never the kept one, from one listing of the namespace', async () => {
    const api = await FakeVervericaApi.start({ credentials: [KEY] });
    try {
      const folder = api.seedFolder(WS, NS, 'team');
      const labels = { 'flink-draft-sync/repository': REPOSITORY };
      for (const [id, name] of [
        ['f1b2c3d4-0000-4000-8000-000000000001', 'kept'],
        ['f1b2c3d4-0000-4000-8000-000000000002', 'gone'],
      ] as const) {
        api.seedDraft({
          ...sqlDraft({ id, name, workspace: WS, namespace: NS, sqlScript: OLD, labels }),
          parentId: folder,
        });
      }
      const run = await runAction({
        workspace: repo,
        eventName: 'push',
        event: pushEvent({ before: base, after: head }),
        inputs: keyInputs(api, KEY),
        env: { GITHUB_SHA: head },
      });
      expect(resultRows(run).map((r) => [r.draftId, r.status])).toEqual([
        ['f1b2c3d4-0000-4000-8000-000000000001', 'updated'],
        ['f1b2c3d4-0000-4000-8000-000000000002', 'orphaned'],
      ]);
      expect(api.calls.filter((c) => c.action === 'ListDeploymentDrafts')).toHaveLength(1);
    } finally {
      await api.stop();
    }
  }, 60_000);
});
