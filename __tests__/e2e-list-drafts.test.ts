// End to end, list-drafts: the bundled action (dist/index.js) in a child process reads the drafts it
// updates a page at a time, so that most drafts cost one call (the PATCH). Every case checks the
// fake's call log and each draft's bytes on the fake, not only what the action says it did.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { PAGE_SIZE, pageCount } from '../src/ververica/listing.js';
import { runAction, type ActionRun } from './support/action-runner.js';
import { pullRequestEvent, pushEvent } from './support/events.js';
import {
  FakeVervericaApi,
  type FakeOptions,
  type Fault,
  type RecordedCall,
} from './support/fake-ververica.js';
import { commitFiles, initRepo, removeDir } from './support/git-repo.js';
import { keyInputs, resultRows, sqlDraft, type ResultRow } from './support/scenario.js';

const WS = 'a14bd5d90a0000';
const KEY = { accessKeyId: 'LTAI5tListKeyId0000000', accessKeySecret: 'list-secret-5e8a2c' };
const COMMIT_LABEL = 'flink-draft-sync/commit';
const LIST = 'ListDeploymentDrafts';
const GET = 'GetDeploymentDraft';
const PATCH = 'UpdateDeploymentDraft';
const LOCK = 'GetDeploymentDraftLock';

interface Target {
  id: string;
  namespace: string;
  file: string;
  oldSql: string;
  newSql: string;
}

function draftId(namespaceIndex: number, i: number): string {
  return `0000000${namespaceIndex}-0000-4000-8000-${(i + 1).toString(16).padStart(12, '0')}`;
}

function targets(namespace: string, namespaceIndex: number, count: number): Target[] {
  return Array.from({ length: count }, (_, i) => ({
    id: draftId(namespaceIndex, i),
    namespace,
    file: `sql/${namespace}/job_${String(i).padStart(3, '0')}.sql`,
    oldSql: `-- ${namespace} job ${i} v1\nINSERT INTO sink_${i} SELECT * FROM src_${i};\n`,
    newSql:
      (i % 5 === 0 ? '\uFEFF' : '') +
      `-- ${namespace} job ${i} v2 订单 🚀\r\nINSERT INTO sink_${i}\r\nSELECT id FROM src_${i};\n`,
  }));
}

/** A manifest with each entry's own namespace, all in one workspace. */
function manifest(all: readonly Target[]): string {
  return [
    'version: 1',
    'defaults:',
    `  workspace: ${WS}`,
    'drafts:',
    ...all.flatMap((t) => [
      `  - file: ${t.file}`,
      `    draftId: ${t.id}`,
      `    namespace: ${t.namespace}`,
    ]),
    '',
  ].join('\n');
}

/** One repository with one push that changes every target's file. */
interface Push {
  repo: string;
  before: string;
  after: string;
}

async function push(all: readonly Target[]): Promise<Push> {
  const repo = await initRepo();
  const initial: Record<string, string> = { 'flink-drafts.yaml': manifest(all) };
  for (const t of all) initial[t.file] = t.oldSql;
  const before = await commitFiles(repo, initial, 'initial');
  const changed: Record<string, string> = {};
  for (const t of all) changed[t.file] = t.newSql;
  const after = await commitFiles(repo, changed, `change ${all.length} jobs`);
  return { repo, before, after };
}

function seedSql(
  api: FakeVervericaApi,
  t: Target,
  sqlScript: string,
  labels: Record<string, string> = {},
): void {
  api.seedDraft(
    sqlDraft({
      id: t.id,
      name: `draft-${t.id.slice(-4)}`,
      workspace: WS,
      namespace: t.namespace,
      engineVersion: 'vvr-8.0.9-flink-1.17',
      sqlScript,
      additionalDependencies: ['oss://b/udf.jar'],
      labels: { team: 'data', ...labels },
      createdAt: 1_760_000_000,
      modifiedAt: 1_760_000_000,
    }),
  );
}

function run(
  p: Push,
  api: FakeVervericaApi,
  inputs: Record<string, string> = {},
  eventName = 'push',
): Promise<ActionRun> {
  return runAction({
    workspace: p.repo,
    eventName,
    event:
      eventName === 'push'
        ? pushEvent({ before: p.before, after: p.after })
        : pullRequestEvent({ base: p.before, head: p.after }),
    inputs: { ...keyInputs(api, KEY), ...inputs },
    env: { GITHUB_SHA: p.after },
  });
}

function callsOf(api: FakeVervericaApi, action: string): RecordedCall[] {
  return api.calls.filter((c) => c.action === action);
}

function draftIdsOf(calls: readonly RecordedCall[]): string[] {
  return calls.map((c) => c.draftId ?? '').sort();
}

function scriptOf(api: FakeVervericaApi, t: Target): string | undefined {
  return api.draft(WS, t.namespace, t.id)?.artifact?.sqlArtifact?.sqlScript;
}

/** Holds exactly the new bytes, kept every other field, and records the commit it came from. */
function expectSynced(api: FakeVervericaApi, t: Target, after: string): void {
  const draft = api.draft(WS, t.namespace, t.id);
  expect(Buffer.from(scriptOf(api, t) ?? '', 'utf8').equals(Buffer.from(t.newSql, 'utf8'))).toBe(
    true,
  );
  expect(draft).toMatchObject({
    name: `draft-${t.id.slice(-4)}`,
    engineVersion: 'vvr-8.0.9-flink-1.17',
    createdAt: 1_760_000_000,
    labels: { team: 'data', [COMMIT_LABEL]: after },
  });
  expect(draft?.artifact?.sqlArtifact?.additionalDependencies).toEqual(['oss://b/udf.jar']);
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from }, (_, i) => from + i);

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The push for `all`, and a fake API accepting KEY; both are removed after the last test. */
async function pushAndFake(
  all: readonly Target[],
  options: Omit<FakeOptions, 'credentials'> = {},
): Promise<{ p: Push; api: FakeVervericaApi }> {
  const p = await push(all);
  const api = await FakeVervericaApi.start({ credentials: [KEY], ...options });
  cleanups.push(
    () => removeDir(p.repo),
    () => api.stop(),
  );
  return { p, api };
}

describe('a large push reads its drafts from pages: one PATCH per changed draft', () => {
  // ns-a holds 25 other drafts first, then its targets: its targets span two pages of 50.
  const nsA = targets('ns-a', 1, 41);
  const nsB = targets('ns-b', 2, 30);
  const all = [...nsA, ...nsB];
  const [jar, drifted, same, lost, missing] = nsA as [Target, Target, Target, Target, Target];
  const special = new Set([jar, drifted, same, lost, missing]);
  const consoleEdit = '-- fixed by hand in the console\nSELECT 1;\n';
  let p: Push;
  let api: FakeVervericaApi;
  let result: ActionRun;
  let rows: ResultRow[];
  const row = (t: Target) => rows.find((r) => r.draftId === t.id);

  beforeAll(async () => {
    ({ p, api } = await pushAndFake(all));
    for (const other of targets('ns-a', 9, 25)) seedSql(api, other, other.oldSql);
    for (const t of all) {
      if (t === missing) continue;
      if (t === jar) {
        api.seedDraft({
          deploymentDraftId: t.id,
          name: 'draft-jar',
          workspace: WS,
          namespace: t.namespace,
          artifact: { kind: 'JAR', jarArtifact: { jarUri: 'oss://b/app.jar' } },
        });
        continue;
      }
      // Every draft was last synced from the push's base, so the drift check reads each one.
      const script = t === drifted ? consoleEdit : t === same ? t.newSql : t.oldSql;
      seedSql(api, t, script, { [COMMIT_LABEL]: p.before });
    }
    api.failNext(1, { kind: 'reset-after-apply' }, { method: 'PATCH', draftId: lost.id });
    result = await run(p, api, { concurrency: '8' });
    rows = resultRows(result);
  });

  it('lists three pages, and reads one by one only the draft no page holds', () => {
    const lists = callsOf(api, LIST).map((c) => `${c.path.split('/')[4]} ${c.query.pageIndex}`);
    // ns-a: 25 other drafts, then 40 of its 41 targets; ns-b: its 30 targets. Every page is
    // worth reading: each holds targets still missing.
    const pages = (ns: string, total: number) =>
      range(1, pageCount(total) + 1).map((page) => `${ns} ${page}`);
    expect(lists.sort()).toEqual([...pages('ns-a', 25 + 40), ...pages('ns-b', 30)].sort());
    expect(lists.length).toBeLessThanOrEqual(Math.ceil(all.length / PAGE_SIZE) + 2);
    // The missing draft's GET, and the look before retrying the PATCH whose answer was lost.
    expect(draftIdsOf(callsOf(api, GET))).toEqual([lost.id, missing.id].sort());
    expect(api.calls.filter((c) => c.status !== 200 && c.fault === undefined)).toEqual(
      callsOf(api, GET).filter((c) => c.draftId === missing.id),
    );
  });

  it('writes each changed draft once, byte for byte, keeping its other fields', () => {
    const written = all.filter((t) => !special.has(t) || t === lost);
    expect(draftIdsOf(callsOf(api, PATCH))).toEqual(written.map((t) => t.id).sort());
    for (const t of written) expectSynced(api, t, p.after);
    expect(rows.filter((r) => r.status === 'updated')).toHaveLength(written.length);
  });

  it('reports every draft, with the same codes as reading each one would', () => {
    expect(rows.map((r) => r.draftId)).toEqual(all.map((t) => t.id));
    expect([jar, drifted, same, lost, missing].map((t) => [row(t)?.status, row(t)?.code])).toEqual([
      ['failed', 'DraftNotSqlScript'],
      ['failed', 'DraftDrifted'],
      ['unchanged', null],
      ['updated', null],
      ['failed', 'DeploymentDraftNotFound'],
    ]);
    expect(result.exitCode).toBe(1);
    expect(result.outputs).toMatchObject({ updated: String(all.length - 4), failed: '3' });
  });

  it('leaves the JAR, the drifted and the unchanged draft as they were', () => {
    expect(api.draft(WS, jar.namespace, jar.id)?.artifact).toEqual({
      kind: 'JAR',
      jarArtifact: { jarUri: 'oss://b/app.jar' },
    });
    expect(scriptOf(api, drifted)).toBe(consoleEdit);
    expect(row(drifted)?.message).toContain(
      `edited outside git since commit ${p.before.slice(0, 7)}`,
    );
    expect(scriptOf(api, same)).toBe(same.newSql);
    expect(api.draft(WS, same.namespace, same.id)?.labels?.[COMMIT_LABEL]).toBe(p.before);
  });

  it('gives a draft read from a page the request ID of its page', () => {
    const pageIds = callsOf(api, LIST).map((c) => c.requestId);
    for (const t of [jar, drifted, same]) expect(pageIds).toContain(row(t)?.requestId);
  });

  it('retries the PATCH whose answer was lost only after reading the draft: one write', () => {
    const forLost = api.calls.filter((c) => c.draftId === lost.id);
    expect(forLost.map((c) => [c.action, c.fault ?? null])).toEqual([
      [LOCK, null],
      [PATCH, 'reset-after-apply'],
      [GET, null],
    ]);
  });

  it('says in the log what listing did', () => {
    expect(result.stdout).toContain(
      `Listed 40 of 41 drafts of ${WS}/ns-a in ${pageCount(65)} call(s); 1 read one by one`,
    );
    expect(result.stdout).toContain(
      `Listed 30 of 30 drafts of ${WS}/ns-b in ${pageCount(30)} call(s); 0 read one by one`,
    );
  });
});

describe('reading drafts one by one', () => {
  let p: Push;
  let api: FakeVervericaApi;
  const all = targets('ns-c', 3, 20);

  beforeAll(async () => {
    ({ p, api } = await pushAndFake(all));
  });

  afterEach(() => api.reset());

  const seedOld = () => {
    for (const t of all) seedSql(api, t, t.oldSql);
  };

  it('list-drafts: false reads each draft with one GET before its PATCH', async () => {
    seedOld();
    const result = await run(p, api, { 'list-drafts': 'false' });
    expect(result.exitCode).toBe(0);
    expect(callsOf(api, LIST)).toEqual([]);
    expect(draftIdsOf(callsOf(api, GET))).toEqual(all.map((t) => t.id).sort());
    expect(draftIdsOf(callsOf(api, PATCH))).toEqual(all.map((t) => t.id).sort());
    for (const t of all) expectSynced(api, t, p.after);
  });

  it('plan mode never lists: its diff needs each script', async () => {
    seedOld();
    const result = await run(p, api, {}, 'pull_request');
    expect(result.exitCode).toBe(0);
    expect(callsOf(api, LIST)).toEqual([]);
    expect(draftIdsOf(callsOf(api, GET))).toEqual(all.map((t) => t.id).sort());
    expect(callsOf(api, PATCH)).toEqual([]);
    expect(resultRows(result).map((r) => r.status)).toEqual(all.map(() => 'would-update'));
  });

  it.each([
    {
      name: 'a permanent error is not retried',
      fault: { kind: 'status', status: 403, code: 'Forbidden.RAM' } as Fault,
      lists: 1,
    },
    {
      name: 'a transient error is retried twice',
      fault: { kind: 'status', status: 503, code: 'ServiceUnavailable' } as Fault,
      lists: 3,
    },
  ])(
    'a listing that keeps failing ($name) falls back to GETs: every draft updated',
    async ({ fault, lists }) => {
      seedOld();
      api.failNext(100, fault, { action: LIST });
      const result = await run(p, api, { 'retry-delay-seconds': '0.01' });
      expect(result.exitCode).toBe(0);
      expect(callsOf(api, LIST).map((c) => c.code)).toEqual(Array(lists).fill(fault.code));
      expect(draftIdsOf(callsOf(api, GET))).toEqual(all.map((t) => t.id).sort());
      expect(draftIdsOf(callsOf(api, PATCH))).toEqual(all.map((t) => t.id).sort());
      expect(resultRows(result).map((r) => r.status)).toEqual(all.map(() => 'updated'));
      for (const t of all) expectSynced(api, t, p.after);
      expect(result.stdout).toContain(`Listing the drafts of ${WS}/ns-c stopped at page 1`);
      // `::add-mask::` lines are commands to the runner, not log output.
      expect(result.stdout.replace(/^::add-mask::.*$/gm, '')).not.toContain(KEY.accessKeySecret);
    },
  );
});

describe('drafts are written while the later pages are still being read', () => {
  it('sends the first PATCH before the last page is answered, within the concurrency', async () => {
    const latencyMs = 50;
    const all = targets('ns-e', 5, 3 * PAGE_SIZE);
    const { p, api } = await pushAndFake(all, { latencyMs });
    for (const t of all) seedSql(api, t, t.oldSql);

    const result = await run(p, api, { concurrency: '4' });

    expect(result.exitCode).toBe(0);
    for (const t of all) expectSynced(api, t, p.after);
    const lists = callsOf(api, LIST);
    expect(lists.map((c) => c.query.pageIndex)).toEqual(['1', '2', '3']);
    expect(callsOf(api, GET)).toEqual([]);
    const firstPatch = callsOf(api, PATCH)[0] as RecordedCall;
    const lastList = lists.at(-1) as RecordedCall;
    // Waiting for every page would put the first PATCH after the last page's answer.
    expect(firstPatch.at).toBeLessThan(lastList.at + latencyMs);
    // Pages and PATCHes share the run's bound on calls at once.
    expect(api.maxInFlight).toBeLessThanOrEqual(4);
  });
});

describe('connections', () => {
  it('opens them while the first page is in flight, at most twice the concurrency', async () => {
    const all = targets('ns-f', 6, 40);
    const { p, api } = await pushAndFake(all, { latencyMs: 20 });
    for (const t of all) seedSql(api, t, t.oldSql);

    const result = await run(p, api, { concurrency: '4' });

    expect(result.exitCode).toBe(0);
    for (const t of all) expectSynced(api, t, p.after);
    const firstPatch = callsOf(api, PATCH)[0] as RecordedCall;
    // A call never waits for the connection that has just answered: one is always idle.
    expect(api.connections.length).toBe(8);
    // All of them set up before the writes start, not one by one as calls need them.
    expect(Math.max(...api.connections)).toBeLessThanOrEqual(firstPatch.at);
  });
});

describe('a PATCH retried after a listing compares with the listed modifiedAt', () => {
  it('writes again when nobody edited the draft, and leaves a console edit alone', async () => {
    const all = targets('ns-d', 4, 10);
    const [quiet, edited] = all as [Target, Target];
    const consoleEdit = '-- fixed by hand in the console\nSELECT 1;\n';
    const box: { api?: FakeVervericaApi } = {};
    // Called for every request once it has arrived, before its answer: the first PATCH of
    // `edited` meets a console edit made after the listing read the draft.
    const beforeAnswer = async (): Promise<void> => {
      const { api: fake } = box;
      // The fake names a call's draft only once it routes it, after this hook: go by the path.
      const isPatch = (c?: RecordedCall) =>
        c?.method === 'PATCH' && c.path.endsWith(`/deployment-drafts/${edited.id}`);
      const call = fake?.calls.at(-1);
      if (fake && isPatch(call) && fake.calls.filter(isPatch).length === 1) {
        fake.editDraftScript(WS, edited.namespace, edited.id, consoleEdit);
      }
    };
    const { p, api } = await pushAndFake(all, { latencyMs: 1, sleep: beforeAnswer });
    box.api = api;
    for (const t of all) seedSql(api, t, t.oldSql);
    const unavailable: Fault = { kind: 'status', status: 503, code: 'ServiceUnavailable' };
    for (const t of [quiet, edited])
      api.failNext(1, unavailable, { method: 'PATCH', draftId: t.id });
    const result = await run(p, api, { 'retry-delay-seconds': '0.01' });

    expect(callsOf(api, LIST)).toHaveLength(1);
    const callsFor = (t: Target) =>
      api.calls.filter((c) => c.draftId === t.id).map((c) => [c.action, c.code ?? null]);
    expect(callsFor(quiet)).toEqual([
      [LOCK, null],
      [PATCH, 'ServiceUnavailable'],
      [GET, null],
      [PATCH, null],
    ]);
    expect(callsFor(edited)).toEqual([
      [LOCK, null],
      [PATCH, 'ServiceUnavailable'],
      [GET, null],
    ]);
    const rows = resultRows(result);
    expect(rows.find((r) => r.draftId === quiet.id)?.status).toBe('updated');
    expect(rows.find((r) => r.draftId === edited.id)).toMatchObject({
      status: 'failed',
      code: 'DraftChangedRemotely',
    });
    expectSynced(api, quiet, p.after);
    expect(scriptOf(api, edited)).toBe(consoleEdit);
    expect(result.exitCode).toBe(1);
  });
});
