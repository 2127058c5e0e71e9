// Fault injection, end to end: the bundled action (dist/index.js) in a child process against the
// fake Ververica API misbehaving on purpose. Every random fault plan is seeded, and every case
// ends by checking each draft's bytes on the fake, not only what the action says it did.
import { afterEach, describe, expect, it } from '@jest/globals';
import { runAction, type ActionRun } from './support/action-runner.js';
import { pushEvent } from './support/events.js';
import {
  FakeVervericaApi,
  principalOf,
  type Fault,
  type FakeOptions,
  type RecordedCall,
} from './support/fake-ververica.js';
import { commitFiles, initRepo, removeDir } from './support/git-repo.js';
import {
  keyInputs,
  manifestYaml,
  resultRows,
  sqlDraft,
  type ResultRow,
} from './support/scenario.js';

const WS = 'a14bd5d90a0000';
const NS = 'default-namespace';
const KEY = { accessKeyId: 'LTAI5tFaultsKeyId00000', accessKeySecret: 'faults-secret-7c2e1b' };
const COMMIT_LABEL = 'flink-draft-sync/commit';

/** One repository with one push that changes `count` mapped files, and a fake holding their drafts. */
interface Scenario {
  repo: string;
  before: string;
  after: string;
  api: FakeVervericaApi;
  ids: string[];
  oldSql: string[];
  newSql: string[];
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function draftId(i: number): string {
  return `00000000-0000-4000-8000-${(i + 1).toString(16).padStart(12, '0')}`;
}

function pad(i: number): string {
  return String(i).padStart(3, '0');
}

/** Old and new scripts differ in every way a byte-exact sync must keep: CRLF, CJK, emoji, BOM. */
function scripts(i: number, padBytes: number): { before: string; after: string } {
  const filler = padBytes > 0 ? `-- ${'x'.repeat(padBytes)}\n` : '';
  return {
    before: `-- job ${i} v1\nINSERT INTO sink_${i} SELECT * FROM src_${i};\n${filler}`,
    after:
      (i % 7 === 0 ? '\uFEFF' : '') +
      `-- job ${i} v2 订单 🚀\r\nINSERT INTO sink_${i}\r\nSELECT id, amount FROM src_${i};\n${filler}`,
  };
}

async function scenario(
  count: number,
  options: {
    fake?: FakeOptions;
    padBytes?: number;
    seeded?: (i: number) => boolean;
    labels?: (i: number) => Record<string, string>;
  } = {},
): Promise<Scenario> {
  const ids = Array.from({ length: count }, (_, i) => draftId(i));
  const files = ids.map((_, i) => `sql/job_${pad(i)}.sql`);
  const texts = ids.map((_, i) => scripts(i, options.padBytes ?? 0));
  const oldSql = texts.map((t) => t.before);
  const newSql = texts.map((t) => t.after);
  const manifest = manifestYaml(
    ids.map((draftId, i) => ({ file: files[i] as string, draftId })),
    { workspace: WS, namespace: NS },
  );

  const repo = await initRepo();
  cleanups.push(() => removeDir(repo));
  const initial: Record<string, string> = { 'flink-drafts.yaml': manifest };
  files.forEach((file, i) => (initial[file] = oldSql[i] as string));
  const before = await commitFiles(repo, initial, 'initial');
  const changed: Record<string, string> = {};
  files.forEach((file, i) => (changed[file] = newSql[i] as string));
  const after = await commitFiles(repo, changed, `change ${count} jobs`);

  const api = await FakeVervericaApi.start({ credentials: [KEY], ...options.fake });
  cleanups.push(() => api.stop());
  ids.forEach((id, i) => {
    if (options.seeded && !options.seeded(i)) return;
    api.seedDraft(
      sqlDraft({
        id,
        name: `job-${pad(i)}`,
        workspace: WS,
        namespace: NS,
        engineVersion: 'vvr-8.0.9-flink-1.17',
        executionMode: 'STREAMING',
        sqlScript: oldSql[i] as string,
        additionalDependencies: [],
        labels: { team: 'data', ...options.labels?.(i) },
        createdAt: 1_760_000_000,
        modifiedAt: 1_760_000_000,
      }),
    );
  });
  return { repo, before, after, api, ids, oldSql, newSql };
}

function run(
  s: Scenario,
  inputs: Record<string, string> = {},
  extra: { key?: { accessKeyId: string; accessKeySecret: string } } & Pick<
    Parameters<typeof runAction>[0],
    'killWhen'
  > = {},
): Promise<ActionRun> {
  const key = extra.key ?? KEY;
  return runAction({
    workspace: s.repo,
    eventName: 'push',
    event: pushEvent({ before: s.before, after: s.after }),
    inputs: { ...keyInputs(s.api, key), ...inputs },
    env: { GITHUB_SHA: s.after },
    killWhen: extra.killWhen,
  });
}

function rows(result: ActionRun): ResultRow[] {
  return resultRows(result);
}

function scriptBytes(s: Scenario, i: number): Buffer {
  const draft = s.api.draft(WS, NS, s.ids[i] as string);
  return Buffer.from(draft?.artifact?.sqlArtifact?.sqlScript ?? '', 'utf8');
}

/** Which version of its script each draft holds now: exactly the old bytes, the new, or neither. */
function versions(s: Scenario): Array<'old' | 'new' | 'other'> {
  return s.ids.map((_, i) => {
    const bytes = scriptBytes(s, i);
    if (bytes.equals(Buffer.from(s.newSql[i] as string, 'utf8'))) return 'new';
    if (bytes.equals(Buffer.from(s.oldSql[i] as string, 'utf8'))) return 'old';
    return 'other';
  });
}

function callsTo(api: FakeVervericaApi, id: string, method?: string): RecordedCall[] {
  return api.calls.filter(
    (c) => c.path.endsWith(`/deployment-drafts/${id}`) && (!method || c.method === method),
  );
}

/** Every row is present, in the outputs and the summary, and failures are annotated on their file. */
function expectEveryDraftReported(s: Scenario, result: ActionRun): void {
  expect(rows(result).map((r) => r.draftId)).toEqual(s.ids);
  for (const id of s.ids) expect(result.summary).toContain(id);
  const failedFiles = rows(result)
    .filter((r) => r.status === 'failed')
    .map((r) => r.file);
  const annotated = result.annotations
    .filter((a) => a.level === 'error' && a.properties.file)
    .map((a) => a.properties.file);
  expect(annotated.sort()).toEqual(failedFiles.sort());
}

/** Waits for a condition on the fake's side; the test fails if it never comes. */
async function until(condition: () => boolean, limitMs = 10_000): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited >= limitMs) throw new Error('condition not met');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  // Let the fake finish the call it just woke up for.
  await new Promise((resolve) => setImmediate(resolve));
}

const SERVICE_UNAVAILABLE: Fault = { kind: 'status', status: 503, code: 'ServiceUnavailable' };
// Alibaba Cloud throttles with HTTP 400 as well as 429: the code alone must be enough.
const THROTTLED_400: Fault = { kind: 'status', status: 400, code: 'Throttling.User' };
const THROTTLED_429: Fault = { kind: 'status', status: 429, code: 'Throttling.User' };
const RESET: Fault = { kind: 'reset' };
const HANG: Fault = { kind: 'hang' };

describe('transient faults: 200 drafts converge', () => {
  // Uniform picks from this list: 30% 503, 20% throttling, 30% connection reset, 10% an answer
  // lost after the PATCH was applied, 10% a hang past the request timeout.
  const MIX: Fault[] = [
    SERVICE_UNAVAILABLE,
    SERVICE_UNAVAILABLE,
    SERVICE_UNAVAILABLE,
    THROTTLED_400,
    THROTTLED_429,
    RESET,
    RESET,
    RESET,
    { kind: 'reset-after-apply' },
    HANG,
  ];

  it('30% of calls failing: every draft ends exactly right, reported updated, exit 0', async () => {
    const s = await scenario(200);
    s.api.setRandomFaults(0.3, 20_251_125, MIX);
    const result = await run(s, {
      // A retry after a lost PATCH answer is a GET and a PATCH, so it fails about half the time at
      // this rate; 20 retries make a draft that never gets through vanishingly unlikely.
      'max-retries': '20',
      // The default backoff (0.5 s doubling to 20 s) makes the deepest of 200 retry chains, and
      // every throttling pause, cost tens of seconds; the same schedule, scaled down, proves the same.
      'retry-delay-seconds': '0.05',
      'retry-max-delay-seconds': '1',
      'request-timeout-seconds': '1',
      concurrency: '8',
    });

    expect(result.exitCode).toBe(0);
    expect(versions(s)).toEqual(s.ids.map(() => 'new'));
    expect(rows(result).map((r) => [r.draftId, r.status, r.code])).toEqual(
      s.ids.map((id) => [id, 'updated', null]),
    );
    expect(result.outputs).toMatchObject({ updated: '200', failed: '0' });
    expectEveryDraftReported(s, result);
    // Every kind in the mix was really injected.
    const injected = new Set(s.api.calls.map((c) => c.code ?? c.fault));
    for (const kind of [
      'ServiceUnavailable',
      'Throttling.User',
      'reset',
      'reset-after-apply',
      'hang',
    ])
      expect(injected).toContain(kind);
    // Each draft carries the commit it was synced from and the repository, and kept its other labels.
    for (const id of s.ids) {
      expect(s.api.draft(WS, NS, id)?.labels).toEqual({
        team: 'data',
        [COMMIT_LABEL]: s.after,
        'flink-draft-sync/lock-holder': principalOf(KEY).id,
        'flink-draft-sync/repository': 'github.com/octo-org/flink-jobs',
      });
    }
  }, 120_000);
});

describe('a PATCH whose answer is lost', () => {
  it('is looked up, not written again, when it landed: reported updated', async () => {
    const s = await scenario(4);
    for (const i of [1, 3]) {
      s.api.failNext(1, { kind: 'reset-after-apply' }, { method: 'PATCH', draftId: s.ids[i] });
    }
    const result = await run(s);

    expect(result.exitCode).toBe(0);
    expect(versions(s)).toEqual(['new', 'new', 'new', 'new']);
    expect(rows(result).map((r) => r.status)).toEqual(['updated', 'updated', 'updated', 'updated']);
    for (const i of [1, 3]) {
      const id = s.ids[i] as string;
      expect(callsTo(s.api, id).map((c) => [c.method, c.fault ?? null])).toEqual([
        ['GET', null],
        ['PATCH', 'reset-after-apply'],
        ['GET', null],
      ]);
    }
  });

  it('leaves a draft edited in the console before the retry alone: DraftChangedRemotely', async () => {
    const consoleEdit = '-- fixed by hand in the console\nSELECT 1;\n';
    const target = draftId(2);
    const fake: { api?: FakeVervericaApi } = {};
    let edited = false;
    // The fake calls this for every request, just after recording it and before answering: the
    // retry's GET of the target finds the console edit, made after the lost PATCH had landed.
    const beforeAnswer = async (): Promise<void> => {
      const { api } = fake;
      const call = api?.calls.at(-1);
      const lostPatch = api?.calls.some(
        (c) => c.method === 'PATCH' && c.draftId === target && c.fault === 'reset-after-apply',
      );
      if (api && !edited && lostPatch && call?.method === 'GET' && call.path.endsWith(target)) {
        api.editDraftScript(WS, NS, target, consoleEdit);
        edited = true;
      }
    };
    const s = await scenario(4, { fake: { latencyMs: 1, sleep: beforeAnswer } });
    fake.api = s.api;
    s.api.failNext(1, { kind: 'reset-after-apply' }, { method: 'PATCH', draftId: target });
    const result = await run(s);

    expect(result.exitCode).toBe(1);
    expect(scriptBytes(s, 2).equals(Buffer.from(consoleEdit))).toBe(true);
    expect(versions(s)).toEqual(['new', 'new', 'other', 'new']);
    const row = rows(result)[2];
    expect(row).toMatchObject({ draftId: target, status: 'failed', code: 'DraftChangedRemotely' });
    expect(callsTo(s.api, target, 'PATCH')).toHaveLength(1);
    expectEveryDraftReported(s, result);
  });
});

describe('permanent errors are reported with their code and never retried', () => {
  it('per draft: Forbidden.RAM, NoPermission, DeploymentDraftNotFound, InvalidParameter, DraftLocked', async () => {
    const s = await scenario(6, { seeded: (i) => i !== 2 });
    const [forbidden, noPermission, missing, invalid, locked, fine] = s.ids as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    // Queued five deep: a retry would meet the same error again, and show up as a second call.
    s.api.failNext(
      5,
      { kind: 'status', status: 403, code: 'Forbidden.RAM' },
      { draftId: forbidden },
    );
    s.api.failNext(
      5,
      { kind: 'status', status: 403, code: 'NoPermission' },
      { draftId: noPermission },
    );
    s.api.failNext(
      5,
      { kind: 'status', status: 400, code: 'InvalidParameter', envelope: true },
      { draftId: invalid, method: 'PATCH' },
    );
    s.api.lockDraft(WS, NS, locked, 'Li Wei');
    const result = await run(s, { 'max-retries': '8' });

    expect(result.exitCode).toBe(1);
    const expected: Array<[string, string, string | null, number, number]> = [
      // draft, status, code, GET calls, PATCH calls
      [forbidden, 'failed', 'Forbidden.RAM', 1, 0],
      [noPermission, 'failed', 'NoPermission', 1, 0],
      [missing, 'failed', 'DeploymentDraftNotFound', 1, 0],
      [invalid, 'failed', 'InvalidParameter', 1, 1],
      // Seen locked by a person in its read: neither the lock nor the draft is touched.
      [locked, 'failed', 'DraftLocked', 1, 0],
      [fine, 'updated', null, 1, 1],
    ];
    expect(
      rows(result).map((r) => [
        r.draftId,
        r.status,
        r.code,
        callsTo(s.api, r.draftId, 'GET').length,
        callsTo(s.api, r.draftId, 'PATCH').length,
      ]),
    ).toEqual(expected);
    expect(rows(result)[4]?.message).toContain('Li Wei');
    expect(versions(s)).toEqual(['old', 'old', 'other', 'old', 'old', 'new']);
    expect(s.api.draft(WS, NS, missing)).toBeUndefined();
    expectEveryDraftReported(s, result);
  });

  it.each([
    {
      name: 'a wrong secret',
      key: { accessKeyId: KEY.accessKeyId, accessKeySecret: 'not-the-secret-0000' },
      code: 'SignatureDoesNotMatch',
    },
    {
      name: 'an unknown access key ID',
      key: { accessKeyId: 'LTAI5tUnknownKeyId0000', accessKeySecret: KEY.accessKeySecret },
      code: 'InvalidAccessKeyId.NotFound',
    },
  ])('credentials: $name gives $code, one call per draft', async ({ key, code }) => {
    const s = await scenario(3);
    const result = await run(s, { 'max-retries': '8' }, { key });

    expect(result.exitCode).toBe(1);
    expect(rows(result).map((r) => [r.status, r.code])).toEqual(s.ids.map(() => ['failed', code]));
    for (const id of s.ids) {
      expect(callsTo(s.api, id).map((c) => [c.method, c.code])).toEqual([['GET', code]]);
    }
    expect(versions(s)).toEqual(['old', 'old', 'old']);
    expectEveryDraftReported(s, result);
  });
});

describe('the time budget runs out', () => {
  const budget = { 'timeout-minutes': '0.05', concurrency: '2' };

  it('slow answers: drafts not finished are failed with Timeout, none missing', async () => {
    // 16 drafts × (GET + PATCH) × 700 ms ÷ 2 in flight needs 11 s at the least; the budget is 3 s.
    const s = await scenario(16, { fake: { latencyMs: 700 } });
    const result = await run(s, { ...budget, 'request-timeout-seconds': '5' });

    expect(result.exitCode).toBe(1);
    const statuses = rows(result).map((r) => [r.status, r.code]);
    expect(statuses).toContainEqual(['failed', 'Timeout']);
    const held = versions(s);
    statuses.forEach(([status, code], i) => {
      // Finished means exactly right; anything else is a Timeout that left the draft untouched.
      if (status === 'updated') expect(held[i]).toBe('new');
      else expect([status, code, held[i]]).toEqual(['failed', 'Timeout', 'old']);
    });
    expect(result.outputs.failed).toBe(String(statuses.filter(([st]) => st === 'failed').length));
    expectEveryDraftReported(s, result);
  }, 60_000);

  it('hanging answers: drafts in flight at the deadline are failed with Timeout too', async () => {
    const s = await scenario(8);
    s.api.setRandomFaults(1, 7, [HANG]);
    const result = await run(s, { ...budget, 'request-timeout-seconds': '1', 'max-retries': '20' });

    expect(result.exitCode).toBe(1);
    expect(rows(result).map((r) => [r.status, r.code])).toEqual(
      s.ids.map(() => ['failed', 'Timeout']),
    );
    // Some drafts were being retried when the budget ran out, not only ones never started.
    const attempted = s.ids.filter((id) => callsTo(s.api, id).length > 0);
    expect(attempted.length).toBeGreaterThanOrEqual(2);
    for (const id of attempted) {
      expect(rows(result).find((r) => r.draftId === id)?.message).toContain('RequestTimeout');
    }
    expect(versions(s)).toEqual(s.ids.map(() => 'old'));
    expectEveryDraftReported(s, result);
  }, 60_000);
});

describe('a run killed with SIGKILL in the middle', () => {
  it('leaves every draft old or new, never anything else, and the next run converges', async () => {
    const count = 60;
    const marker = 24;
    // The marked draft's label is not a commit SHA, so the action warns when it reads that draft:
    // the kill lands after about `marker` drafts, while others are in flight.
    // Latency through a counted timer, so that the check below can wait until the fake has
    // finished with every call the killed process left behind.
    let sleeping = 0;
    const latency = async (ms: number): Promise<void> => {
      sleeping++;
      await new Promise((resolve) => setTimeout(resolve, ms));
      sleeping--;
    };
    const s = await scenario(count, {
      fake: { latencyMs: 50, sleep: latency },
      padBytes: 100_000,
      labels: (i): Record<string, string> => (i === marker ? { [COMMIT_LABEL]: 'by-hand' } : {}),
    });
    const warned = new RegExp(`^::warning::sql/job_${pad(marker)}\\.sql:`, 'm');
    const killed = await run(s, { concurrency: '4' }, { killWhen: (out) => warned.test(out) });

    expect(killed.signal).toBe('SIGKILL');
    await until(() => sleeping === 0);
    const atKill = versions(s);
    expect(atKill.filter((v) => v === 'other')).toEqual([]);
    // Drafts picked before the marked one were finished, except at most three still in flight.
    expect(atKill.slice(0, marker).filter((v) => v === 'new').length).toBeGreaterThanOrEqual(
      marker - 3,
    );
    expect(atKill).toContain('old');

    s.api.reset();
    s.api.setLatency(0);
    const again = await run(s, { concurrency: '4' });

    expect(again.exitCode).toBe(0);
    expect(versions(s)).toEqual(s.ids.map(() => 'new'));
    expect(rows(again).map((r) => r.status)).toEqual(
      atKill.map((v) => (v === 'new' ? 'unchanged' : 'updated')),
    );
    const patched = s.ids.filter((id) => callsTo(s.api, id, 'PATCH').length > 0);
    expect(patched).toEqual(s.ids.filter((_, i) => atKill[i] === 'old'));
  }, 120_000);
});
