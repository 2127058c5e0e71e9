// syncDrafts with the real Ververica client against the fake API on 127.0.0.1. Time is virtual:
// the retry clock, the client's x-acs-date and the fake's own clock all read the same
// VirtualClock, so backoff, throttling pauses and the deadline cost no real waiting.
import { afterEach, describe, expect, it } from '@jest/globals';
import type { DeploymentDraft } from '../src/ververica/draft.js';
import type { PlanItem } from '../src/sync/plan.js';
import { ThrottleGate, type RetryClock } from '../src/runtime/retry.js';
import { MAX_READ_AGE_MS, syncDrafts, type SyncDeps, type SyncOptions } from '../src/sync/sync.js';
import { VervericaClient } from '../src/ververica/client.js';
import { decodeSql } from '../src/checkout/files.js';
import {
  FakeVervericaApi,
  principalOf,
  type Fault,
  type LockConflict,
  type RecordedCall,
  type StoredDraftInput,
} from './support/fake-ververica.js';

const WS = 'ws-sync';
const NS = 'ns-sync';
const KEY = { accessKeyId: 'LTAI-sync-id', accessKeySecret: 'sync-secret-value' };
const SHA = 'f'.repeat(40);
const OLD = '-- v1\nSELECT 1;\n';
const NEW = '\uFEFF-- v2 订单\r\nSELECT 2;\n';
const EDIT = '-- edited in the console\nSELECT 3;\n';

/**
 * Virtual time. Unheld, a sleep resolves on the next turn and moves the clock to its wake time
 * (overlapping sleeps overlap, as on a real clock). Held, sleepers park until `release`, so a test
 * can look at who is waiting, and for how long, before time moves on.
 */
class VirtualClock implements RetryClock {
  readonly sleeps: number[] = [];
  readonly parked: Array<{ at: number; ms: number; wake: () => void }> = [];
  hold = false;

  constructor(
    private time: number,
    private readonly jitter = 0.5,
  ) {}

  now(): number {
    return this.time;
  }

  random(): number {
    return this.jitter;
  }

  advance(ms: number): void {
    this.time += ms;
  }

  sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    const at = this.time + ms;
    return new Promise((resolve) => {
      const wake = (): void => {
        this.time = Math.max(this.time, at);
        resolve();
      };
      if (this.hold) this.parked.push({ at, ms, wake });
      else setImmediate(wake);
    });
  }

  /** Stops holding, and wakes the parked sleepers in the order of their wake times. */
  release(): void {
    this.hold = false;
    for (const sleeper of this.parked.splice(0).sort((a, b) => a.at - b.at)) sleeper.wake();
  }
}

/** Waits (in real time) for something the sync does in the background; fails if it never does. */
async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 5) {
    if (waited > 5000) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function id(i: number): string {
  return `5e000000-0000-4000-8000-${(i + 1).toString(16).padStart(12, '0')}`;
}

function item(i: number, deleted = false): PlanItem {
  return {
    entry: { file: `sql/q${i}.sql`, draftId: id(i), workspace: WS, namespace: NS },
    reason: 'file-changed',
    deleted,
  };
}

function draft(i: number, overrides: Partial<StoredDraftInput> = {}): StoredDraftInput {
  return {
    deploymentDraftId: id(i),
    name: `q${i}`,
    workspace: WS,
    namespace: NS,
    artifact: { kind: 'SQLSCRIPT', sqlArtifact: { sqlScript: OLD } },
    labels: { team: 'data' },
    modifiedAt: 1_760_000_000,
    ...overrides,
  };
}

/** The fake API, a client for it and one virtual clock, with syncDrafts wired to all three. */
class Harness {
  readonly clock = new VirtualClock(Date.now());
  /** Called for every request the fake receives, before it answers. */
  onCall: (call: RecordedCall) => Promise<void> | void = () => undefined;

  private constructor(
    readonly api: FakeVervericaApi,
    readonly client: VervericaClient,
  ) {}

  static async start(
    options: { drafts?: StoredDraftInput[]; latencyMs?: number; requestTimeoutMs?: number } = {},
  ): Promise<Harness> {
    const latencyMs = options.latencyMs ?? 0;
    const box: { h?: Harness } = {};
    const api = await FakeVervericaApi.start({
      credentials: [KEY],
      now: () => box.h?.clock.now() ?? Date.now(),
      // Latency 1 only gets this hook called; real waiting only when a test asks for it.
      latencyMs: Math.max(1, latencyMs),
      sleep: async () => {
        const call = api.calls.at(-1);
        if (call && box.h) await box.h.onCall(call);
        if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
      },
    });
    for (const d of options.drafts ?? []) api.seedDraft(d);
    const client = new VervericaClient({
      endpoint: new URL(api.url),
      credentials: async () => KEY,
      requestTimeoutMs: options.requestTimeoutMs ?? 5000,
      now: () => new Date(box.h?.clock.now() ?? Date.now()),
    });
    box.h = new Harness(api, client);
    open.push(box.h);
    return box.h;
  }

  /** Every file holds NEW. */
  run(
    items: PlanItem[],
    options: Partial<SyncOptions> = {},
    deps: Partial<SyncDeps> = {},
  ): ReturnType<typeof syncDrafts> {
    const { clock } = this;
    return syncDrafts(
      items,
      { mode: 'apply', onDrift: 'fail', commitSha: SHA, concurrency: 4, ...options },
      {
        api: this.client,
        readSql: (file) => decodeSql(file, Buffer.from(NEW)),
        fileAtCommit: async () => undefined,
        retry: {
          policy: { maxRetries: 4, baseDelayMs: 500, maxDelayMs: 20_000 },
          clock,
          deadline: clock.now() + 600_000,
          gate: new ThrottleGate(clock),
        },
        warn: () => undefined,
        ...deps,
      },
    );
  }

  script(i: number): string | undefined {
    return this.api.draft(WS, NS, id(i))?.artifact?.sqlArtifact?.sqlScript;
  }

  /** Draft i's calls (its lock call included) as [method, injected fault or its code]. */
  calls(i: number): Array<[string, string | null]> {
    return this.api.calls
      .filter((c) => c.draftId === id(i))
      .map((c) => [c.method, c.fault === 'status' ? (c.code ?? null) : (c.fault ?? null)]);
  }
}

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) {
    h.clock.release();
    await h.client.close();
    await h.api.stop();
  }
});

const harness = Harness.start;

describe('concurrency', () => {
  it.each([1, 3, 8])('at most %i drafts in flight, and that many are used', async (limit) => {
    const count = 12;
    const h = await harness({
      drafts: Array.from({ length: count }, (_, i) => draft(i)),
      latencyMs: 20,
    });
    const items = Array.from({ length: count }, (_, i) => item(i));
    const results = await h.run(items, { concurrency: limit });

    expect(results.map((r) => r.status)).toEqual(items.map(() => 'updated'));
    expect(h.api.maxInFlight).toBe(Math.min(limit, count));
  });
});

describe('results', () => {
  it('come back in plan order, whatever order the drafts finish in', async () => {
    const h = await harness({
      drafts: [0, 1, 2, 3, 4].map((i) =>
        draft(
          i,
          i === 3 ? { artifact: { kind: 'SQLSCRIPT', sqlArtifact: { sqlScript: NEW } } } : {},
        ),
      ),
    });
    // Draft 0's first read is answered only once every other draft is done.
    h.onCall = async (call) => {
      if (call.method === 'GET' && call.path.endsWith(id(0)) && h.calls(0).length === 1) {
        await until(() => h.api.calls.filter((c) => c.method === 'PATCH').length === 2);
      }
    };
    const items = [item(0), item(1), item(2, true), item(3), item(4)];
    const results = await h.run(items, { concurrency: 5 });

    expect(results.map((r) => [r.draftId, r.status, r.code])).toEqual([
      [id(0), 'updated', undefined],
      [id(1), 'updated', undefined],
      [id(2), 'skipped', 'FileDeleted'],
      [id(3), 'unchanged', undefined],
      [id(4), 'updated', undefined],
    ]);
    expect(h.api.calls.filter((c) => c.method === 'PATCH').at(-1)?.path).toContain(id(0));
    expect(results[0]).toMatchObject({ file: 'sql/q0.sql', draftName: 'q0', workspace: WS });
  });

  it('unchanged: a byte-identical script is not written', async () => {
    const h = await harness({
      drafts: [draft(0, { artifact: { kind: 'SQLSCRIPT', sqlArtifact: { sqlScript: NEW } } })],
    });
    const results = await h.run([item(0)]);

    expect(results.map((r) => r.status)).toEqual(['unchanged']);
    expect(h.calls(0)).toEqual([['GET', null]]);
  });

  it.each<[string, DeploymentDraft['artifact']]>([
    ['JAR', { kind: 'JAR', jarArtifact: { jarUri: 'oss://b/app.jar' } }],
    ['PYTHON', { kind: 'PYTHON', pythonArtifact: { pythonArtifactUri: 'oss://b/a.py' } }],
    ['CDCYAML', { kind: 'CDCYAML', cdcYamlArtifact: { cdcYaml: 'source:\n  type: mysql\n' } }],
    ['draft without an artifact', undefined],
  ])('DraftNotSqlScript: a %s draft is reported, not written', async (kind, artifact) => {
    const h = await harness({ drafts: [draft(0, { artifact })] });
    const [applied] = await h.run([item(0)]);
    const [planned] = await h.run([item(0)], { mode: 'plan' });

    expect(applied).toMatchObject({ status: 'failed', code: 'DraftNotSqlScript' });
    expect(applied?.message).toContain(kind);
    expect(planned).toMatchObject({ status: 'would-fail', code: 'DraftNotSqlScript' });
    expect(h.api.calls.filter((c) => c.method === 'PATCH')).toEqual([]);
    expect(h.api.draft(WS, NS, id(0))?.artifact).toEqual(artifact);
  });
});

describe('plan mode', () => {
  it('reads every draft and writes none', async () => {
    const h = await harness({
      drafts: [
        draft(0),
        draft(1, { artifact: { kind: 'SQLSCRIPT', sqlArtifact: { sqlScript: NEW } } }),
        draft(2, { artifact: { kind: 'JAR' } }),
      ],
    });
    const results = await h.run([item(0), item(1), item(2), item(3)], { mode: 'plan' });

    expect(results.map((r) => [r.status, r.code])).toEqual([
      ['would-update', undefined],
      ['unchanged', undefined],
      ['would-fail', 'DraftNotSqlScript'],
      ['would-fail', 'DeploymentDraftNotFound'],
    ]);
    expect(results[0]?.diff).toContain('SELECT 2;');
    expect(h.api.calls.map((c) => c.method)).toEqual(['GET', 'GET', 'GET', 'GET']);
    expect(h.script(0)).toBe(OLD);
  });

  it('says a draft someone else has locked would fail, and takes no lock', async () => {
    const h = await harness({ drafts: [draft(0), draft(1)] });
    h.api.lockDraft(WS, NS, id(0), 'Li Wei');
    const results = await h.run([item(0), item(1)], { mode: 'plan' });

    expect(results.map((r) => [r.status, r.code])).toEqual([
      ['would-fail', 'DraftLocked'],
      ['would-update', undefined],
    ]);
    expect(results[0]?.message).toContain('Li Wei');
    expect(h.api.calls.map((c) => c.action)).toEqual(['GetDeploymentDraft', 'GetDeploymentDraft']);
    expect(h.api.draft(WS, NS, id(1))?.lock).toBeUndefined();
  });
});

describe('the time budget', () => {
  it.each<['apply' | 'plan', string]>([
    ['apply', 'failed'],
    ['plan', 'would-fail'],
  ])('%s: a budget already spent gives Timeout rows and makes no call', async (mode, failed) => {
    const h = await harness({ drafts: [draft(0), draft(1)] });
    const results = await h.run(
      [item(0), item(1, true), item(2)],
      { mode },
      {
        retry: {
          policy: { maxRetries: 4, baseDelayMs: 500, maxDelayMs: 20_000 },
          clock: h.clock,
          deadline: h.clock.now(),
        },
      },
    );

    expect(results.map((r) => [r.draftId, r.status, r.code])).toEqual([
      [id(0), failed, 'Timeout'],
      [id(1), 'skipped', 'FileDeleted'],
      [id(2), failed, 'Timeout'],
    ]);
    expect(h.api.calls).toEqual([]);
  });

  // Each call costs one virtual second; the budget is 3.5 s, one draft at a time.
  async function slowCalls(): Promise<Harness> {
    const h = await harness({ drafts: [draft(0), draft(1), draft(2)] });
    h.onCall = () => h.clock.advance(1000);
    return h;
  }
  const budget = (h: Harness, maxRetries = 4): Partial<SyncDeps> => ({
    retry: {
      policy: { maxRetries, baseDelayMs: 1000, maxDelayMs: 20_000 },
      clock: h.clock,
      deadline: h.clock.now() + 3500,
    },
  });

  it('runs out mid-run: finished drafts stay updated, every other one is a Timeout row', async () => {
    const h = await slowCalls();
    const results = await h.run([item(0), item(1), item(2)], { concurrency: 1 }, budget(h));

    expect(results.map((r) => [r.status, r.code])).toEqual([
      ['updated', undefined],
      ['failed', 'Timeout'],
      ['failed', 'Timeout'],
    ]);
    // Draft 1 was read before the budget ran out, but its write could not start in time.
    expect([h.calls(0), h.calls(1), h.calls(2)]).toEqual([
      [
        ['GET', null],
        ['POST', null],
        ['PATCH', null],
      ],
      [['GET', null]],
      [],
    ]);
    expect([h.script(0), h.script(1), h.script(2)]).toEqual([NEW, OLD, OLD]);
  });

  it.each([
    { retries: 4, code: 'Timeout', why: 'retries left, cut short by the budget' },
    { retries: 0, code: 'ServiceUnavailable', why: 'no retries left' },
  ])('a transient failure with $why is reported as $code', async ({ retries, code }) => {
    const h = await slowCalls();
    h.api.failNext(1, { kind: 'status', status: 503 }, { method: 'PATCH', draftId: id(0) });
    // The PATCH fails at +3 s; the backoff (500 ms at jitter 0.5) would end exactly at the deadline.
    const [first] = await h.run([item(0)], { concurrency: 1 }, budget(h, retries));

    expect(first).toMatchObject({ status: 'failed', code });
    expect(first?.message).toContain('Injected ServiceUnavailable');
    expect(first?.requestId).toEqual(expect.any(String));
    expect(h.calls(0)).toEqual([
      ['GET', null],
      ['POST', null],
      ['PATCH', 'ServiceUnavailable'],
    ]);
  });
});

describe('a failed PATCH is retried only after reading the draft again', () => {
  const cases: Array<{
    name: string;
    patchFault: Fault;
    /** A fault for the retry's read, once the PATCH has failed. */
    readFault?: Fault;
    edit?: boolean;
    status: string;
    code?: string;
    calls: Array<[string, string | null]>;
    script: string;
  }> = [
    {
      name: 'answer lost after the write landed: read, found right, not written again',
      patchFault: { kind: 'reset-after-apply' },
      status: 'updated',
      calls: [
        ['GET', null],
        ['POST', null],
        ['PATCH', 'reset-after-apply'],
        ['GET', null],
      ],
      script: NEW,
    },
    {
      name: 'connection reset before the write: read, still old, written again',
      patchFault: { kind: 'reset' },
      status: 'updated',
      calls: [
        ['GET', null],
        ['POST', null],
        ['PATCH', 'reset'],
        ['GET', null],
        ['PATCH', null],
      ],
      script: NEW,
    },
    {
      name: '503 and then a 503 on the read: read again, then written',
      patchFault: { kind: 'status', status: 503 },
      readFault: { kind: 'status', status: 503 },
      status: 'updated',
      calls: [
        ['GET', null],
        ['POST', null],
        ['PATCH', 'ServiceUnavailable'],
        ['GET', 'ServiceUnavailable'],
        ['GET', null],
        ['PATCH', null],
      ],
      script: NEW,
    },
    {
      name: 'write landed, then a console edit: DraftChangedRemotely, the edit stays',
      patchFault: { kind: 'reset-after-apply' },
      edit: true,
      status: 'failed',
      code: 'DraftChangedRemotely',
      calls: [
        ['GET', null],
        ['POST', null],
        ['PATCH', 'reset-after-apply'],
        ['GET', null],
      ],
      script: EDIT,
    },
    {
      name: 'write lost, then a console edit: DraftChangedRemotely, the edit stays',
      patchFault: { kind: 'reset' },
      edit: true,
      status: 'failed',
      code: 'DraftChangedRemotely',
      calls: [
        ['GET', null],
        ['POST', null],
        ['PATCH', 'reset'],
        ['GET', null],
      ],
      script: EDIT,
    },
  ];

  it.each(cases)('$name', async ({ patchFault, readFault, edit, status, code, calls, script }) => {
    const h = await harness({ drafts: [draft(0)] });
    h.api.failNext(1, patchFault, { method: 'PATCH' });
    h.onCall = (call) => {
      if (call.method === 'PATCH' && readFault) h.api.failNext(1, readFault, { method: 'GET' });
      // Someone saves the draft in the console between the failed PATCH and the retry's read.
      if (call.method === 'GET' && edit && h.calls(0).some(([m]) => m === 'PATCH')) {
        h.api.editDraftScript(WS, NS, id(0), EDIT);
      }
    };
    const [result] = await h.run([item(0)]);

    expect([result?.status, result?.code]).toEqual([status, code]);
    expect(h.calls(0)).toEqual(calls);
    expect(h.script(0)).toBe(script);
    if (code) expect(result?.message).toMatch(/modifiedAt/);
  });

  it('a PATCH that hangs past the request timeout is read again, then written', async () => {
    const h = await harness({ drafts: [draft(0)], requestTimeoutMs: 200 });
    h.api.failNext(1, { kind: 'hang' }, { method: 'PATCH', draftId: id(0) });
    const [result] = await h.run([item(0)]);

    expect(result?.status).toBe('updated');
    expect(h.calls(0)).toEqual([
      ['GET', null],
      ['POST', null],
      ['PATCH', 'hang'],
      ['GET', null],
      ['PATCH', null],
    ]);
    expect(h.script(0)).toBe(NEW);
  });
});

describe('the edit lock', () => {
  const lockCalls = (h: Harness) =>
    h.api.calls.filter((c) => c.action === 'GetDeploymentDraftLock').map((c) => c.draftId);

  it('is taken just before the write, only for drafts that change, and recorded on the draft', async () => {
    const h = await harness({
      drafts: [
        draft(0),
        draft(1, { artifact: { kind: 'SQLSCRIPT', sqlArtifact: { sqlScript: NEW } } }),
      ],
    });
    const results = await h.run([item(0), item(1)]);

    expect(results.map((r) => r.status)).toEqual(['updated', 'unchanged']);
    expect(h.calls(0)).toEqual([
      ['GET', null],
      ['POST', null],
      ['PATCH', null],
    ]);
    expect(h.calls(1)).toEqual([['GET', null]]);
    const stored = h.api.draft(WS, NS, id(0));
    expect(stored?.lock?.holderId).toBe(principalOf(KEY).id);
    expect(stored?.labels).toEqual({
      team: 'data',
      'flink-draft-sync/commit': SHA,
      'flink-draft-sync/lock-holder': principalOf(KEY).id,
    });
    expect(h.api.draft(WS, NS, id(1))?.lock).toBeUndefined();
  });

  it('is not asked for again when an earlier sync recorded that the action holds it', async () => {
    const h = await harness({ drafts: [draft(0)] });
    await h.run([item(0)]);
    h.api.editDraftScript(WS, NS, id(0), OLD, principalOf(KEY).id);
    h.api.reset();
    const [second] = await h.run([item(0)], { onDrift: 'overwrite' });

    expect(second?.status).toBe('updated');
    expect(lockCalls(h)).toEqual([]);
  });

  it('recognises its own lock on a draft without the label, from another draft of the run', async () => {
    const holderId = principalOf(KEY).id;
    const h = await harness({
      drafts: [draft(0, { labels: { 'flink-draft-sync/lock-holder': holderId } }), draft(1)],
    });
    // Both locked by the action; only draft 0 says so (draft 1's run was killed after its lock).
    for (const i of [0, 1]) h.api.lockDraft(WS, NS, id(i), principalOf(KEY).name, holderId);
    // Draft 1 comes first: it waits for the end of the run, by when draft 0 has shown the holder.
    const results = await h.run([item(1), item(0)], { concurrency: 1 });

    expect(results.map((r) => r.status)).toEqual(['updated', 'updated']);
    expect(lockCalls(h)).toEqual([]);
  });

  it('recognises its own label-less lock once a lock granted in the run shows who it is', async () => {
    const holderId = principalOf(KEY).id;
    const h = await harness({ drafts: [draft(0), draft(1)] });
    h.api.lockDraft(WS, NS, id(0), principalOf(KEY).name, holderId);
    const results = await h.run([item(0), item(1)], { concurrency: 1 });

    expect(results.map((r) => r.status)).toEqual(['updated', 'updated']);
    expect(lockCalls(h)).toEqual([id(1)]);
  });

  it("with nothing to tell its own identity by, reports a label-less lock as someone else's", async () => {
    const h = await harness({ drafts: [draft(0)] });
    h.api.lockDraft(WS, NS, id(0), principalOf(KEY).name, principalOf(KEY).id);
    const [result] = await h.run([item(0)]);
    expect(result).toMatchObject({ status: 'failed', code: 'DraftLocked' });
    expect(result?.message).toContain(principalOf(KEY).name);
    expect(h.script(0)).toBe(OLD);
  });

  it('of another holder, seen in the read, is never taken: DraftLocked, nothing written', async () => {
    const h = await harness({ drafts: [draft(0)] });
    h.api.lockDraft(WS, NS, id(0), 'Li Wei');
    const before = h.api.draft(WS, NS, id(0));
    const [result] = await h.run([item(0)]);

    expect(result).toMatchObject({ status: 'failed', code: 'DraftLocked', draftName: 'q0' });
    expect(result?.message).toMatch(/locked for editing by Li Wei/);
    expect(result?.message?.match(/Li Wei/g)).toHaveLength(1);
    expect(h.calls(0)).toEqual([['GET', null]]);
    expect(h.api.draft(WS, NS, id(0))).toEqual(before);
  });

  it.each<[LockConflict]>([['refuse'], ['report-holder']])(
    'taken by a person between the read and the lock call (%s): DraftLocked, nothing written',
    async (conflict) => {
      const h = await harness({ drafts: [draft(0)] });
      h.api.setLockConflict(conflict);
      h.onCall = (call) => {
        if (call.action === 'GetDeploymentDraftLock') h.api.lockDraft(WS, NS, id(0), 'Li Wei');
      };
      const [result] = await h.run([item(0)]);

      expect(result).toMatchObject({ status: 'failed', code: 'DraftLocked' });
      expect(result?.message).toContain('Li Wei');
      expect(h.script(0)).toBe(OLD);
      expect(h.api.draft(WS, NS, id(0))?.lock?.holderName).toBe('Li Wei');
    },
  );

  it('answered for another holder once the run knows its own: DraftLocked before any write', async () => {
    const h = await harness({ drafts: [draft(0), draft(1)] });
    h.api.setLockConflict('report-holder');
    h.onCall = (call) => {
      if (call.action === 'GetDeploymentDraftLock' && call.draftId === id(1)) {
        h.api.lockDraft(WS, NS, id(1), 'Li Wei');
      }
    };
    const results = await h.run([item(0), item(1)], { concurrency: 1 });

    expect(results.map((r) => [r.status, r.code])).toEqual([
      ['updated', undefined],
      ['failed', 'DraftLocked'],
    ]);
    expect(h.calls(1)).toEqual([
      ['GET', null],
      ['POST', null],
    ]);
  });

  it.each<[string, Fault, string]>([
    ['no permission', { kind: 'status', status: 403, code: 'Forbidden.RAM' }, 'Forbidden.RAM'],
    [
      'a conflict code the table knows',
      { kind: 'status', status: 400, code: 'DeploymentDraftLocked', envelope: true },
      'DraftLocked',
    ],
  ])('call failing with %s: the row says so and nothing is written', async (_n, fault, code) => {
    const h = await harness({ drafts: [draft(0)] });
    h.api.failNext(1, fault, { action: 'GetDeploymentDraftLock' });
    const [result] = await h.run([item(0)]);

    expect(result).toMatchObject({ status: 'failed', code });
    expect(h.calls(0)).toEqual([
      ['GET', null],
      ['POST', fault.code ?? null],
    ]);
    expect(h.script(0)).toBe(OLD);
  });

  it('is retried like any call when the API is briefly unavailable', async () => {
    const h = await harness({ drafts: [draft(0)] });
    h.api.failNext(1, { kind: 'status', status: 503 }, { action: 'GetDeploymentDraftLock' });
    const [result] = await h.run([item(0)]);

    expect(result?.status).toBe('updated');
    expect(h.calls(0)).toEqual([
      ['GET', null],
      ['POST', 'ServiceUnavailable'],
      ['POST', null],
      ['PATCH', null],
    ]);
  });

  it('an unlocked draft that fails is not said to be locked', async () => {
    const h = await harness({ drafts: [draft(0)] });
    h.api.failNext(
      1,
      { kind: 'status', status: 400, code: 'InvalidParameter', envelope: true },
      { method: 'PATCH' },
    );
    const [result] = await h.run([item(0)]);

    expect(result).toMatchObject({ status: 'failed', code: 'InvalidParameter' });
    expect(result?.message).not.toContain('locked');
  });
});

describe('a read too old to write on', () => {
  const NEWER = 'e'.repeat(40);

  /** A listing that hands out draft 0 as it was `ageMs` ago, before a newer run wrote it. */
  function staleListing(h: Harness, ageMs: number): Partial<SyncDeps> {
    const old = h.api.draft(WS, NS, id(0)) as DeploymentDraft;
    h.api.lockDraft(WS, NS, id(0), principalOf(KEY).name, principalOf(KEY).id);
    h.api.editDraftScript(WS, NS, id(0), '-- written by a newer run\n', principalOf(KEY).id);
    h.api.setLabels(WS, NS, id(0), { 'flink-draft-sync/commit': NEWER });
    const readAt = h.clock.now() - ageMs;
    return {
      listed: {
        take: () => ({ draft: old, readAt, scriptEquals: (text) => text === OLD }),
      },
      isAncestor: async (ancestor, descendant) => ancestor === SHA && descendant === NEWER,
    };
  }

  it('is read again before the write, so an older run never rolls back a newer one', async () => {
    const h = await harness({ drafts: [draft(0)] });
    const [result] = await h.run([item(0)], {}, staleListing(h, MAX_READ_AGE_MS + 1));

    expect(result).toMatchObject({ status: 'failed', code: 'DraftFromNewerCommit' });
    expect(h.script(0)).toBe('-- written by a newer run\n');
    expect(h.api.calls.map((c) => c.action)).toEqual([
      'GetDeploymentDraftLock',
      'GetDeploymentDraft',
    ]);
  });

  it('is written on as it is while still fresh', async () => {
    const h = await harness({ drafts: [draft(0)] });
    const [result] = await h.run([item(0)], {}, staleListing(h, 0));

    // Within the bound the guard can only judge what was read: the window the README names.
    expect(result?.status).toBe('updated');
    expect(h.api.calls.map((c) => c.action)).toEqual([
      'GetDeploymentDraftLock',
      'UpdateDeploymentDraft',
    ]);
  });
});

describe('throttling slows the whole run down', () => {
  // Draft A is throttled (Retry-After 5 s) on its first read. Draft B, never throttled itself, is
  // read only after that, then must wait out the same pause before its write.
  it.each([
    { gate: true, bWaits: true },
    { gate: false, bWaits: false },
  ])('with a shared gate $gate, B waits for A’s pause: $bWaits', async ({ gate, bWaits }) => {
    const h = await harness({ drafts: [draft(0), draft(1)] });
    const start = h.clock.now();
    h.clock.hold = true;
    h.api.failNext(
      1,
      { kind: 'status', status: 400, code: 'Throttling.User', retryAfterSeconds: 5 },
      { draftId: id(0) },
    );
    let answerB: () => void = () => undefined;
    const bMayGo = new Promise<void>((resolve) => (answerB = resolve));
    h.onCall = async (call) => {
      if (call.method === 'GET' && call.path.endsWith(id(1)) && h.calls(1).length === 1) {
        await bMayGo;
      }
    };
    const running = h.run(
      [item(0), item(1)],
      { concurrency: 2 },
      {
        retry: {
          policy: { maxRetries: 4, baseDelayMs: 500, maxDelayMs: 20_000 },
          clock: h.clock,
          deadline: start + 600_000,
          ...(gate ? { gate: new ThrottleGate(h.clock) } : {}),
        },
      },
    );

    await until(() => h.clock.parked.length === 1); // A, backing off for 5 s
    answerB();
    if (bWaits) {
      await until(() => h.clock.parked.length === 2);
      expect(h.clock.parked[1]?.ms).toBe(5000);
      expect(h.calls(1)).toEqual([['GET', null]]);
    } else {
      await until(() => h.calls(1).some(([method]) => method === 'PATCH'));
      expect(h.clock.parked).toHaveLength(1);
    }
    h.clock.release();
    const results = await running;

    expect(results.map((r) => r.status)).toEqual(['updated', 'updated']);
    const patchB = h.api.calls.find((c) => c.method === 'PATCH' && c.path.endsWith(id(1)));
    expect((patchB?.at ?? 0) - start >= 5000).toBe(bWaits);
    const retryA = h.api.calls.filter((c) => c.path.endsWith(id(0)))[1];
    expect((retryA?.at ?? 0) - start).toBeGreaterThanOrEqual(5000);
  });
});

describe('without credentials', () => {
  it('checks the file only, and says why the draft was not compared', async () => {
    const h = await harness({ drafts: [draft(0)] });
    const results = await h.run([item(0)], { mode: 'plan' }, { api: undefined });

    expect(results).toMatchObject([{ status: 'skipped', code: 'NoCredentials' }]);
    expect(h.api.calls).toEqual([]);
  });
});

describe('the SQL check (validate)', () => {
  const BAD = 'SELECT 1;\r\nSELEC 订单 FROM t;\n';
  const withScript = (text: string) => ({
    readSql: (file: string) => decodeSql(file, Buffer.from(text)),
  });
  const validations = (h: Harness) =>
    h.api.calls.filter((c) => c.action === 'ValidateSqlStatement');

  it("plan: checks each draft that would change, in the draft's own context", async () => {
    const h = await harness({
      drafts: [
        draft(0, { executionMode: 'BATCH', engineVersion: 'vvr-8.0.9-flink-1.17' }),
        draft(1, { artifact: { kind: 'SQLSCRIPT', sqlArtifact: { sqlScript: NEW } } }),
      ],
    });
    const results = await h.run([item(0), item(1)], { mode: 'plan', validate: 'plan' });

    expect(results.map((r) => [r.status, r.sqlCheck?.verdict])).toEqual([
      ['would-update', 'valid'],
      ['unchanged', undefined],
    ]);
    expect(results[0]?.sqlCheck).toEqual({
      verdict: 'valid',
      result: 'VALIDATION_RESULT_VALID_SELECT_QUERY',
      engineVersion: 'vvr-8.0.9-flink-1.17',
    });
    const [call] = validations(h);
    expect(validations(h)).toHaveLength(1);
    expect(call?.method).toBe('POST');
    expect(call?.path).toBe(`/api/v2/namespaces/${NS}/sql-statement/validate`);
    expect(call?.headers.workspace).toBe(WS);
    expect(JSON.parse(call?.body ?? '')).toEqual({
      statement: NEW,
      batchMode: true,
      versionName: 'vvr-8.0.9-flink-1.17',
    });
    // A static check: plan mode still takes no lock and writes nothing.
    expect(h.api.calls.map((c) => c.action)).not.toContain('GetDeploymentDraftLock');
    expect(h.script(0)).toBe(OLD);
  });

  it('plan: an invalid script would fail with SqlInvalid, at its line and column', async () => {
    const h = await harness({ drafts: [draft(0)] });
    const [row] = await h.run([item(0)], { mode: 'plan', validate: 'plan' }, withScript(BAD));

    expect(row).toMatchObject({
      status: 'would-fail',
      code: 'SqlInvalid',
      message: expect.stringContaining("Unknown statement keyword 'SELEC'"),
      sqlCheck: {
        verdict: 'invalid',
        result: 'VALIDATION_RESULT_INVALID',
        span: { line: 2, column: 1, endColumn: 5 },
      },
    });
    expect(row?.diff).toContain('SELEC 订单');
  });

  it('apply with always: an invalid script is not written, and no lock is taken for it', async () => {
    const h = await harness({ drafts: [draft(0), draft(1)] });
    const results = await h.run(
      [item(0), item(1)],
      { validate: 'always' },
      {
        readSql: (file) => decodeSql(file, Buffer.from(file === item(0).entry.file ? BAD : NEW)),
      },
    );

    expect(results.map((r) => [r.status, r.code])).toEqual([
      ['failed', 'SqlInvalid'],
      ['updated', undefined],
    ]);
    expect(h.script(0)).toBe(OLD);
    expect(h.script(1)).toBe(NEW);
    const locked = h.api.calls.filter((c) => c.action === 'GetDeploymentDraftLock');
    expect(locked.map((c) => c.query.deploymentDraftId)).toEqual([id(1)]);
  });

  it.each(['plan', 'never'] as const)('apply with %s: no check, the write as before', async (v) => {
    const h = await harness({ drafts: [draft(0)] });
    const [row] = await h.run([item(0)], { validate: v }, withScript(BAD));
    expect(row?.status).toBe('updated');
    expect(row?.sqlCheck).toBeUndefined();
    expect(validations(h)).toEqual([]);
  });

  it('plan with never: no check', async () => {
    const h = await harness({ drafts: [draft(0)] });
    const [row] = await h.run([item(0)], { mode: 'plan', validate: 'never' }, withScript(BAD));
    expect(row?.status).toBe('would-update');
    expect(validations(h)).toEqual([]);
  });

  it('retries a transient failure of the check like any call', async () => {
    const h = await harness({ drafts: [draft(0)] });
    h.api.failNext(1, { kind: 'status', status: 503 }, { action: 'ValidateSqlStatement' });
    const [row] = await h.run([item(0)], { mode: 'plan', validate: 'plan' });
    expect(row).toMatchObject({ status: 'would-update', sqlCheck: { verdict: 'valid' } });
    expect(validations(h)).toHaveLength(2);
  });

  it('a check that fails for good fails the row: never a silent pass', async () => {
    const h = await harness({ drafts: [draft(0)] });
    h.api.failNext(
      9,
      { kind: 'status', status: 403, code: 'Forbidden.RAM' },
      {
        action: 'ValidateSqlStatement',
      },
    );
    const [planned] = await h.run([item(0)], { mode: 'plan', validate: 'plan' });
    const [applied] = await h.run([item(0)], { validate: 'always' });
    expect(planned).toMatchObject({ status: 'would-fail', code: 'Forbidden.RAM' });
    expect(applied).toMatchObject({ status: 'failed', code: 'Forbidden.RAM' });
    expect(h.script(0)).toBe(OLD);
  });

  it('a result it does not know is a warning naming it, not a pass or a failure', async () => {
    const h = await harness({ drafts: [draft(0)] });
    const body = JSON.stringify({
      requestId: 'r-unknown',
      success: true,
      data: { success: true, validationResult: 'VALIDATION_RESULT_NEW_KIND', message: '' },
    });
    h.api.failNext(1, { kind: 'raw', body }, { action: 'ValidateSqlStatement' });
    const warnings: string[] = [];
    const [row] = await h.run(
      [item(0)],
      { mode: 'plan', validate: 'plan' },
      { warn: (m) => void warnings.push(m) },
    );
    expect(row).toMatchObject({
      status: 'would-update',
      sqlCheck: { verdict: 'unknown', result: 'VALIDATION_RESULT_NEW_KIND' },
    });
    expect(warnings).toEqual([expect.stringContaining('VALIDATION_RESULT_NEW_KIND')]);
  });

  it('without credentials: the row says the server check did not run, and why', async () => {
    const h = await harness({ drafts: [draft(0)] });
    const [row] = await h.run([item(0)], { mode: 'plan', validate: 'plan' }, { api: undefined });
    expect(row).toMatchObject({
      status: 'skipped',
      sqlCheck: { verdict: 'not-run', reason: 'no credentials are available' },
    });
  });
});
