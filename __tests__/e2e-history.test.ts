// Drift detection reads git history: a draft that matches the push's base commit is not drift, and
// a re-run of an older workflow run never rolls back a draft synced from a newer commit.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { runAction } from './support/action-runner.js';
import { pushEvent } from './support/events.js';
import { FakeVervericaApi } from './support/fake-ververica.js';
import { commitFiles, initRepo, removeDir, switchTo } from './support/git-repo.js';
import { keyInputs, manifestYaml, resultRows, sqlDraft } from './support/scenario.js';

const WS = 'a14bd5d90a0000';
const NS = 'history-ns';
const DRAFT = 'c84d73be-40ad-4627-8bdd-fa1eba51b234';
const KEY = { accessKeyId: 'LTAI5tHistoryKey000000', accessKeySecret: 'history-secret-value' };
const FILE = 'sql/orders.sql';
const MANIFEST = manifestYaml([{ file: FILE, draftId: DRAFT }], { workspace: WS, namespace: NS });

describe('drift detection against git history', () => {
  let repo: string;
  let api: FakeVervericaApi;
  let root: string;

  beforeEach(async () => {
    repo = await initRepo();
    root = await commitFiles(repo, { 'README.md': 'jobs\n' }, 'root');
    api = await FakeVervericaApi.start({ credentials: [KEY] });
    api.seedDraft(
      sqlDraft({
        id: DRAFT,
        name: 'orders',
        workspace: WS,
        namespace: NS,
        sqlScript: '',
        modifiedAt: 1_760_000_000,
      }),
    );
  });

  afterEach(async () => {
    await api.stop();
    await removeDir(repo);
  });

  const push = (before: string, after: string) =>
    runAction({
      workspace: repo,
      eventName: 'push',
      event: pushEvent({ before, after }),
      inputs: keyInputs(api, KEY),
    });
  const script = () => api.draft(WS, NS, DRAFT)?.artifact?.sqlArtifact?.sqlScript;
  const result = (run: Awaited<ReturnType<typeof push>>) => resultRows(run)[0];

  it('does not call a console edit that git later adopted drift', async () => {
    const a = await commitFiles(repo, { 'flink-drafts.yaml': MANIFEST, [FILE]: 'SELECT 1;\n' });
    expect((await push(root, a)).exitCode).toBe(0);
    // Someone tries a change in the console, then commits exactly that text.
    api.editDraftScript(WS, NS, DRAFT, 'SELECT 2;\n');
    const b = await commitFiles(repo, { [FILE]: 'SELECT 2;\n' });
    const adopted = await push(a, b);
    expect(result(adopted)?.status).toBe('unchanged');
    // The label still names a; the draft equals the file at b, the next push's base.
    const c = await commitFiles(repo, { [FILE]: 'SELECT 3;\n' });
    const next = await push(b, c);
    expect(result(next)).toMatchObject({ status: 'updated', code: null });
    expect(script()).toBe('SELECT 3;\n');
  });

  it('still reports a console edit that git never had', async () => {
    const a = await commitFiles(repo, { 'flink-drafts.yaml': MANIFEST, [FILE]: 'SELECT 1;\n' });
    expect((await push(root, a)).exitCode).toBe(0);
    api.editDraftScript(WS, NS, DRAFT, 'SELECT 99; -- hotfix\n');
    const b = await commitFiles(repo, { [FILE]: 'SELECT 2;\n' });
    const run = await push(a, b);
    expect(result(run)).toMatchObject({ status: 'failed', code: 'DraftDrifted' });
    expect(script()).toBe('SELECT 99; -- hotfix\n');
  });

  it('refuses to roll a draft back when an older run is re-run', async () => {
    const a = await commitFiles(repo, { 'flink-drafts.yaml': MANIFEST, [FILE]: 'SELECT 1;\n' });
    const b = await commitFiles(repo, { [FILE]: 'SELECT 2;\n' });
    expect((await push(a, b)).exitCode).toBe(0);
    expect(script()).toBe('SELECT 2;\n');
    api.reset();
    await switchTo(repo, a); // the re-run checks out the older commit
    const rerun = await push(root, a);
    expect(rerun.exitCode).toBe(1);
    expect(result(rerun)).toMatchObject({ status: 'failed', code: 'DraftFromNewerCommit' });
    expect(String(result(rerun)?.message)).toContain(b.slice(0, 7));
    expect(api.calls.filter((c) => c.method === 'PATCH')).toHaveLength(0);
    expect(script()).toBe('SELECT 2;\n');
  });
});
