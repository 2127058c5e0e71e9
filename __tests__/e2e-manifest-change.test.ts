// End to end: a push that edits the manifest itself. An entry that is new, or now points at
// another draft, is synced even though its .sql file did not change; the manifest at the push's
// `before` tells which entries those are, in a full checkout and in a shallow one alike.
import { afterEach, describe, expect, it } from '@jest/globals';
import { runAction } from './support/action-runner.js';
import { pushEvent } from './support/events.js';
import { FakeVervericaApi } from './support/fake-ververica.js';
import {
  commitFiles,
  createRepoWithOrigin,
  push,
  removeDir,
  shallowClone,
} from './support/git-repo.js';
import { keyInputs, manifestYaml, resultRows, sqlDraft } from './support/scenario.js';

const WS = 'a14bd5d90a0000';
const NS = 'manifest-change';
const KEY = { accessKeyId: 'LTAI5tManifestKey00000', accessKeySecret: 'manifest-secret-7c1d' };
const DEFAULTS = { workspace: WS, namespace: NS };
const ORDERS = { file: 'sql/orders.sql', draftId: 'a0000000-0000-4000-8000-000000000001' };
const USERS = { file: 'sql/users.sql', draftId: 'a0000000-0000-4000-8000-000000000002' };
const OLD = 'SELECT 0;\n';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A repository whose second commit only adds USERS to the manifest; users.sql is unchanged. */
async function manifestOnlyPush(): Promise<{
  dir: string;
  origin: string;
  before: string;
  after: string;
}> {
  const repo = await createRepoWithOrigin({
    'flink-drafts.yaml': manifestYaml([ORDERS], DEFAULTS),
    'sql/orders.sql': 'SELECT 1;\n',
    'sql/users.sql': 'SELECT 2;\n',
  });
  cleanups.push(
    () => removeDir(repo.dir),
    () => removeDir(repo.origin),
  );
  const after = await commitFiles(repo.dir, {
    'flink-drafts.yaml': manifestYaml([ORDERS, USERS], DEFAULTS),
  });
  await push(repo.dir, 'main');
  return { dir: repo.dir, origin: repo.origin, before: repo.first, after };
}

async function syncIn(checkout: string, before: string, after: string) {
  const api = await FakeVervericaApi.start({ credentials: [KEY] });
  cleanups.push(() => api.stop());
  for (const entry of [ORDERS, USERS]) {
    api.seedDraft(sqlDraft({ id: entry.draftId, name: entry.file, ...DEFAULTS, sqlScript: OLD }));
  }
  const run = await runAction({
    workspace: checkout,
    eventName: 'push',
    event: pushEvent({ before, after }),
    inputs: keyInputs(api, KEY),
    env: { GITHUB_SHA: after },
  });
  return { run, api };
}

describe('a push that only edits the manifest', () => {
  it('syncs the entry it added, and leaves the others alone', async () => {
    const p = await manifestOnlyPush();

    const { run, api } = await syncIn(p.dir, p.before, p.after);

    expect(run.exitCode).toBe(0);
    expect(resultRows(run).map((r) => [r.draftId, r.status])).toEqual([[USERS.draftId, 'updated']]);
    expect(api.draft(WS, NS, USERS.draftId)?.artifact?.sqlArtifact?.sqlScript).toBe('SELECT 2;\n');
    expect(api.draft(WS, NS, ORDERS.draftId)?.artifact?.sqlArtifact?.sqlScript).toBe(OLD);
  });

  it('does the same in a shallow checkout that must fetch the before commit first', async () => {
    const p = await manifestOnlyPush();
    const clone = await shallowClone(p.origin);
    cleanups.push(() => removeDir(clone));

    const { run } = await syncIn(clone, p.before, p.after);

    expect(run.exitCode).toBe(0);
    expect(resultRows(run).map((r) => [r.draftId, r.status])).toEqual([[USERS.draftId, 'updated']]);
  });
});
