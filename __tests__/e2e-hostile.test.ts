// Hostile servers and racing runs, end to end: the bundled action (dist/index.js) in child
// processes against the fake API taught to lie about a listing, or to slow one run down while a
// newer run writes the same drafts. Every case checks each draft's bytes on the fake.
import { afterEach, describe, expect, it } from '@jest/globals';
import { runAction, type ActionRun } from './support/action-runner.js';
import { pushEvent } from './support/events.js';
import { FakeVervericaApi, type FakeCredential } from './support/fake-ververica.js';
import { commitFiles, fullClone, initRepo, removeDir, switchTo } from './support/git-repo.js';
import { keyInputs, manifestYaml, resultRows, sqlDraft } from './support/scenario.js';

const WS = 'a14bd5d90a0000';
const NS = 'default-namespace';
const COMMIT_LABEL = 'flink-draft-sync/commit';
/** Two keys of one RAM identity, as two workflow runs of one repository would hold. */
const PRINCIPAL = { id: '2000000000000042', name: 'flink-sync-ci' };
const OLD_KEY: FakeCredential = {
  accessKeyId: 'LTAI5tOlderRunKey000000',
  accessKeySecret: 'older-run-secret-4d1f',
  principal: PRINCIPAL,
};
const NEW_KEY: FakeCredential = {
  accessKeyId: 'LTAI5tNewerRunKey000000',
  accessKeySecret: 'newer-run-secret-9a3c',
  principal: PRINCIPAL,
};

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function draftId(i: number): string {
  return `0000000e-0000-4000-8000-${(i + 1).toString(16).padStart(12, '0')}`;
}

const file = (i: number) => `sql/job_${String(i).padStart(3, '0')}.sql`;
const sql = (i: number, version: number) => `-- job ${i} v${version}\nSELECT ${version} AS v;\n`;

/** Commits c0 → c1 → c2, each changing every file; the drafts hold c0's text. */
async function history(count: number) {
  const ids = Array.from({ length: count }, (_, i) => draftId(i));
  const repo = await initRepo();
  cleanups.push(() => removeDir(repo));
  const at = (version: number): Record<string, string> =>
    Object.fromEntries(ids.map((_, i) => [file(i), sql(i, version)]));
  const manifest = manifestYaml(
    ids.map((draftId, i) => ({ file: file(i), draftId })),
    { workspace: WS, namespace: NS },
  );
  const c0 = await commitFiles(repo, { 'flink-drafts.yaml': manifest, ...at(0) }, 'v0');
  const c1 = await commitFiles(repo, at(1), 'v1');
  const c2 = await commitFiles(repo, at(2), 'v2');
  const api = await FakeVervericaApi.start({ credentials: [OLD_KEY, NEW_KEY] });
  cleanups.push(() => api.stop());
  ids.forEach((id, i) =>
    api.seedDraft(
      sqlDraft({ id, name: `job-${i}`, workspace: WS, namespace: NS, sqlScript: sql(i, 0) }),
    ),
  );
  return { ids, repo, c0, c1, c2, api };
}

function push(
  repo: string,
  before: string,
  after: string,
  api: FakeVervericaApi,
  key: FakeCredential,
  inputs: Record<string, string> = {},
): Promise<ActionRun> {
  return runAction({
    workspace: repo,
    eventName: 'push',
    event: pushEvent({ before, after }),
    inputs: { ...keyInputs(api, key), ...inputs },
    env: { GITHUB_SHA: after },
  });
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 20_000) throw new Error(`${what} did not happen within 20 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('a listing that lies about its size', () => {
  it('falls back to GETs with a warning, and finishes inside a tiny budget', async () => {
    const h = await history(10);
    // Page 1 is empty but claims ten million drafts.
    h.api.failNext(
      1,
      {
        kind: 'raw',
        body: '{"success":true,"requestId":"r-lie","data":[],"pageIndex":1,"pageSize":25,"totalSize":10000000}',
      },
      { action: 'ListDeploymentDrafts' },
    );
    await switchTo(h.repo, h.c1);
    // A 6-second budget: a listing that spun on the lie would leave every draft a Timeout row.
    const run = await push(h.repo, h.c0, h.c1, h.api, NEW_KEY, { 'timeout-minutes': '0.1' });

    expect(run.exitCode).toBe(0);
    expect(resultRows(run).map((r) => r.status)).toEqual(h.ids.map(() => 'updated'));
    expect(h.api.calls.filter((c) => c.action === 'ListDeploymentDrafts')).toHaveLength(1);
    expect(h.api.calls.filter((c) => c.action === 'GetDeploymentDraft')).toHaveLength(10);
    const warnings = run.annotations.filter((a) => a.level === 'warning').map((a) => a.message);
    expect(warnings.some((w) => w.includes('makes no sense'))).toBe(true);
    h.ids.forEach((id, i) =>
      expect(h.api.draft(WS, NS, id)?.artifact?.sqlArtifact?.sqlScript).toBe(sql(i, 1)),
    );
  });
});

describe('two runs without a concurrency group', () => {
  it.each([['true'], ['false']])(
    'list-drafts %s: a slow run of an older push never rolls back a newer one, and says so',
    async (listDrafts) => {
      const count = 50;
      const h = await history(count);
      const newer = await fullClone(h.repo);
      cleanups.push(() => removeDir(newer));
      await switchTo(h.repo, h.c1);
      await switchTo(newer, h.c2);
      // The older run is slow: its first lock calls take 4 s, while the newer run does it all.
      h.api.failNext(
        4,
        { kind: 'delay', delayMs: 4000 },
        { action: 'GetDeploymentDraftLock', accessKeyId: OLD_KEY.accessKeyId },
      );
      const inputs = { 'list-drafts': listDrafts, concurrency: '4' };
      const older = push(h.repo, h.c0, h.c1, h.api, OLD_KEY, inputs);
      await until(
        () => h.api.calls.filter((c) => c.fault === 'delay').length === 4,
        'the older run reaching its slow lock calls',
      );
      const newerRun = await push(newer, h.c1, h.c2, h.api, NEW_KEY, { concurrency: '16' });
      const olderRun = await older;

      expect(newerRun.exitCode).toBe(0);
      expect(resultRows(newerRun).map((r) => r.status)).toEqual(h.ids.map(() => 'updated'));
      // Every draft holds the newer commit's text and label.
      h.ids.forEach((id, i) => {
        const draft = h.api.draft(WS, NS, id);
        expect(draft?.artifact?.sqlArtifact?.sqlScript).toBe(sql(i, 2));
        expect(draft?.labels?.[COMMIT_LABEL]).toBe(h.c2);
      });
      // The older run lost the race and says so, for every draft, and fails the step.
      expect(olderRun.exitCode).toBe(1);
      expect(resultRows(olderRun).map((r) => [r.status, r.code])).toEqual(
        h.ids.map(() => ['failed', 'DraftFromNewerCommit']),
      );
      expect(
        h.api.calls.filter(
          (c) =>
            c.action === 'UpdateDeploymentDraft' &&
            c.headers.authorization?.includes(OLD_KEY.accessKeyId),
        ),
      ).toEqual([]);
    },
    60_000,
  );
});

describe('a file of characters that JSON escapes', () => {
  it('of the largest size accepted is synced, and the next run reads it back: unchanged', async () => {
    const repo = await initRepo();
    cleanups.push(() => removeDir(repo));
    // Tabs, quotes and newlines: every byte doubles in the answer, past the old 8 MiB cap.
    const unit = '\t"\n';
    const script = unit.repeat(Math.floor((4 * 1024 * 1024) / unit.length));
    const manifest = manifestYaml([{ file: file(0), draftId: draftId(0) }], {
      workspace: WS,
      namespace: NS,
    });
    const c0 = await commitFiles(
      repo,
      { 'flink-drafts.yaml': manifest, [file(0)]: sql(0, 0) },
      'v0',
    );
    const c1 = await commitFiles(repo, { [file(0)]: script }, 'escaping');
    const api = await FakeVervericaApi.start({ credentials: [NEW_KEY] });
    cleanups.push(() => api.stop());
    api.seedDraft(
      sqlDraft({
        id: draftId(0),
        name: 'job-0',
        workspace: WS,
        namespace: NS,
        sqlScript: sql(0, 0),
      }),
    );

    const first = await push(repo, c0, c1, api, NEW_KEY);
    expect(resultRows(first).map((r) => [r.status, r.code])).toEqual([['updated', null]]);
    expect(api.draft(WS, NS, draftId(0))?.artifact?.sqlArtifact?.sqlScript === script).toBe(true);

    const again = await push(repo, c0, c1, api, NEW_KEY);
    expect(again.exitCode).toBe(0);
    expect(resultRows(again).map((r) => [r.status, r.code])).toEqual([['unchanged', null]]);
  }, 60_000);
});
