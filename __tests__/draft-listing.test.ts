// Reading drafts a page at a time: the decisions as tables, and the listing itself with the real
// client against the fake API on 127.0.0.1, on virtual time.
import { afterEach, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  ListedDrafts,
  listedRead,
  startListing,
  MIN_TARGETS,
  PAGE_SIZE,
  pageCount,
  pageProblem,
  pagesInFlight,
  scriptDigest,
  targetGroups,
  worthFetching,
  type ListingDeps,
} from '../src/ververica/listing.js';
import type { DeploymentDraft } from '../src/ververica/draft.js';
import type { PlanItem } from '../src/sync/plan.js';
import { ThrottleGate, type RetryClock } from '../src/runtime/retry.js';
import { VervericaClient } from '../src/ververica/client.js';
import {
  FakeVervericaApi,
  type RecordedCall,
  type StoredDraftInput,
} from './support/fake-ververica.js';

/** A listing run to its end: what the tests below look at once every page is read. */
async function listTargetDrafts(
  items: readonly PlanItem[],
  deps: ListingDeps,
): Promise<ListedDrafts> {
  // Nothing takes the drafts here, so nothing holds the pages back.
  const { listed, done } = startListing(items, { readAhead: Number.POSITIVE_INFINITY, ...deps });
  await done;
  return listed;
}

/** Waits (in real time) for the listing to reach a state; fails if it never does. */
async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 5) {
    if (waited > 5000) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const WS = 'ws-list';
const NS = 'ns-list';
const KEY = { accessKeyId: 'LTAI-list-id', accessKeySecret: 'list-secret-value' };

function id(i: number): string {
  return `1e000000-0000-4000-8000-${(i + 1).toString(16).padStart(12, '0')}`;
}

function item(draftId: string, { workspace = WS, namespace = NS, deleted = false } = {}): PlanItem {
  return {
    entry: { file: `sql/${draftId}.sql`, draftId, workspace, namespace },
    reason: 'file-changed',
    deleted,
  };
}

const script = (i: number): string =>
  `-- job ${i}\nINSERT INTO sink_${i} SELECT * FROM src_${i};\n`;

function sqlDraft(i: number, namespace = NS): StoredDraftInput {
  return {
    deploymentDraftId: id(i),
    name: `job-${i}`,
    workspace: WS,
    namespace,
    artifact: {
      kind: 'SQLSCRIPT',
      sqlArtifact: { sqlScript: script(i), additionalDependencies: ['oss://b/udf.jar'] },
    },
    labels: { team: 'data' },
    modifiedAt: 1_760_000_000 + i,
  };
}

describe('targetGroups', () => {
  const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => id(from + i));

  it.each([
    { name: 'below the threshold: nothing to list', items: ids(7).map((d) => item(d)), want: [] },
    {
      name: 'at the threshold: one group, in plan order',
      items: ids(8).map((d) => item(d)),
      want: [{ workspace: WS, namespace: NS, draftIds: ids(8) }],
    },
    {
      name: 'deleted files are not targets',
      items: [...ids(7).map((d) => item(d)), item(id(99), { deleted: true })],
      want: [],
    },
    {
      name: 'namespaces and workspaces are grouped apart',
      items: [
        ...ids(8).map((d) => item(d)),
        ...ids(8, 10).map((d) => item(d, { namespace: 'other' })),
        ...ids(3, 20).map((d) => item(d, { workspace: 'ws-2' })),
      ],
      want: [
        { workspace: WS, namespace: NS, draftIds: ids(8) },
        { workspace: WS, namespace: 'other', draftIds: ids(8, 10) },
      ],
    },
  ])('$name', ({ items, want }) => {
    expect(targetGroups(items)).toEqual(want);
  });

  it('counts a draft once, and takes the threshold as a parameter', () => {
    const items = [item(id(1)), item(id(1)), item(id(2))];
    expect(targetGroups(items, 2)).toEqual([
      { workspace: WS, namespace: NS, draftIds: [id(1), id(2)] },
    ]);
    expect(targetGroups(items, 3)).toEqual([]);
  });
});

describe('how many pages', () => {
  it.each([
    [0, 0],
    [1, 1],
    [PAGE_SIZE, 1],
    [PAGE_SIZE + 1, 2],
    [4 * PAGE_SIZE, 4],
  ])('%i drafts take %i page(s)', (total, pages) => {
    expect(pageCount(total)).toBe(pages);
  });

  it.each([
    // pages left, drafts still missing, fetch?
    [0, 5, false],
    [3, 0, false],
    [3, 3, false],
    [3, 4, true],
    [1, 2, true],
    [19, 28, true],
  ])('%i page(s) left for %i missing draft(s): %s', (pagesLeft, missing, fetch) => {
    expect(worthFetching(pagesLeft, missing)).toBe(fetch);
  });
});

describe('pages read at once', () => {
  const MiB = 1024 * 1024;
  it.each([
    // script text on a page, most allowed, pages at once
    [0, 4, 4],
    [25 * 1000, 4, 4],
    [25 * 1000, 2, 2],
    [MiB, 4, 4],
    [1.5 * MiB, 4, 2],
    [2.5 * MiB, 4, 1],
    [7 * MiB, 4, 1],
  ])('%i chars of script per page, at most %i: %i', (chars, most, want) => {
    expect(pagesInFlight(chars, most)).toBe(want);
  });
});

describe('listedRead', () => {
  const sql = (sqlArtifact: unknown): DeploymentDraft =>
    ({ deploymentDraftId: id(1), artifact: { kind: 'SQLSCRIPT', sqlArtifact } }) as DeploymentDraft;

  it('keeps the draft without its script, and knows the script by its digest', () => {
    const draft = sqlDraft(1);
    const read = listedRead(draft, 'req-1');
    expect(read?.requestId).toBe('req-1');
    expect(read?.draft).toEqual({
      ...draft,
      artifact: { kind: 'SQLSCRIPT', sqlArtifact: { additionalDependencies: ['oss://b/udf.jar'] } },
    });
    expect(JSON.stringify(read?.draft)).not.toContain('INSERT INTO');
    expect(read?.scriptEquals(script(1))).toBe(true);
    expect(read?.scriptEquals(script(2))).toBe(false);
    expect(read?.scriptEquals(`${script(1)}\n`)).toBe(false);
    // The listed draft itself is left as it was.
    expect(draft.artifact?.sqlArtifact?.sqlScript).toBe(script(1));
  });

  it.each([
    { name: 'no artifact', draft: { deploymentDraftId: id(1) } },
    { name: 'an artifact without a kind', draft: { deploymentDraftId: id(1), artifact: {} } },
    { name: 'a SQL draft without sqlArtifact (a summary)', draft: sql(undefined) },
    { name: 'a SQL draft without its script (a summary)', draft: sql({}) },
    { name: 'a script that is not a string', draft: sql({ sqlScript: 42 }) },
  ])('is not trusted with $name: the draft is read by GET', ({ draft }) => {
    expect(listedRead(draft as DeploymentDraft)).toBeUndefined();
  });

  it('trusts a JAR draft as it is: its kind is all the sync needs', () => {
    const jar = {
      deploymentDraftId: id(1),
      artifact: { kind: 'JAR', jarArtifact: { jarUri: 'oss://b/app.jar' } },
    };
    expect(listedRead(jar)?.draft).toEqual(jar);
  });

  it('tells apart scripts that differ only in a lone surrogate', () => {
    const read = listedRead(sql({ sqlScript: 'SELECT 1; -- \uD800' }));
    expect(read?.scriptEquals('SELECT 1; -- \uFFFD')).toBe(false);
    expect(read?.scriptEquals('SELECT 1; -- \uD800')).toBe(true);
  });

  it('tells texts of the same length apart by their digest', () => {
    const read = listedRead(sql({ sqlScript: 'SELECT 1;' }));
    expect(read?.scriptEquals('SELECT 2;')).toBe(false);
    expect(read?.scriptEquals('SELECT 1;')).toBe(true);
  });

  it('compares exactly as the text would (property)', () => {
    const text = fc.string({ unit: 'binary', maxLength: 40 });
    fc.assert(
      fc.property(text, text, (a, b) => {
        expect(listedRead(sql({ sqlScript: a }))?.scriptEquals(b)).toBe(a === b);
        expect(scriptDigest(a) === scriptDigest(b)).toBe(a === b);
      }),
    );
  });
});

describe('ListedDrafts', () => {
  const ref = (i: number, namespace = NS) => ({ workspace: WS, namespace, draftId: id(i) });
  const read = (i: number) =>
    listedRead(sqlDraft(i), `req-${i}`) as NonNullable<ReturnType<typeof listedRead>>;
  /** Whether a take has settled, looked at after every pending callback has run. */
  const settled = async (taking: unknown): Promise<boolean> => {
    let done = false;
    void Promise.resolve(taking).then(() => (done = true));
    await new Promise((resolve) => setImmediate(resolve));
    return done;
  };

  it('hands out a delivered draft once, at once', () => {
    const listed = new ListedDrafts();
    const delivered = read(1);
    listed.add(ref(1), delivered);
    expect(listed.size).toBe(1);
    expect(listed.take(ref(1))).toBe(delivered);
    expect(listed.take(ref(1))).toBeUndefined();
  });

  it('makes a take wait while its namespace is listed, until a page delivers the draft', async () => {
    const listed = new ListedDrafts();
    listed.open({ workspace: WS, namespace: NS });
    const taking = listed.take(ref(1));
    expect(await settled(taking)).toBe(false);
    const delivered = read(1);
    listed.add(ref(1), delivered);
    expect(await taking).toBe(delivered);
    // Handed to the waiting taker, not kept: the next take of it is a GET.
    expect(listed.size).toBe(0);
    listed.close({ workspace: WS, namespace: NS });
    expect(listed.take(ref(1))).toBeUndefined();
  });

  it('sends a waiting take to a GET when its namespace is listed without it', async () => {
    const listed = new ListedDrafts();
    listed.open({ workspace: WS, namespace: NS });
    const taking = listed.take(ref(1));
    // A second take of the same draft does not wait for the first one's page.
    expect(listed.take(ref(1))).toBeUndefined();
    listed.close({ workspace: WS, namespace: 'other' });
    expect(await settled(taking)).toBe(false);
    listed.close({ workspace: WS, namespace: NS });
    expect(await taking).toBeUndefined();
  });

  it('never makes a draft of a namespace that is not being listed wait', () => {
    const listed = new ListedDrafts();
    listed.open({ workspace: WS, namespace: NS });
    expect(listed.take(ref(1, 'other'))).toBeUndefined();
    expect(listed.take({ workspace: 'ws-2', namespace: NS, draftId: id(1) })).toBeUndefined();
  });
});

/** Virtual time: a sleep moves the clock to its wake time on the next turn. */
class VirtualClock implements RetryClock {
  constructor(private time: number) {}
  now(): number {
    return this.time;
  }
  random(): number {
    return 0.5;
  }
  sleep(ms: number): Promise<void> {
    const at = this.time + ms;
    return new Promise((resolve) =>
      setImmediate(() => {
        this.time = Math.max(this.time, at);
        resolve();
      }),
    );
  }
}

interface Rig {
  api: FakeVervericaApi;
  client: VervericaClient;
  logs: string[];
  deps(overrides?: Partial<ListingDeps>): ListingDeps;
  lists(): Array<{ namespace: string; pageIndex?: string; code?: string }>;
}

const rigs: Rig[] = [];
afterEach(async () => {
  for (const rig of rigs.splice(0)) {
    await rig.client.close();
    await rig.api.stop();
  }
});

async function rig(
  drafts: StoredDraftInput[],
  options: {
    latencyMs?: number;
    maxResponseBytes?: number;
    /** Called for every request once it has arrived, before the fake decides its answer. */
    beforeAnswer?: (call: RecordedCall, api: FakeVervericaApi) => void;
  } = {},
): Promise<Rig> {
  const clock = new VirtualClock(Date.now());
  const { latencyMs = 0, beforeAnswer } = options;
  const box: { api?: FakeVervericaApi } = {};
  const api = await FakeVervericaApi.start({
    credentials: [KEY],
    // Latency 1 only gets the hook called; real waiting only when a test asks for it.
    latencyMs: beforeAnswer ? Math.max(1, latencyMs) : latencyMs,
    sleep: async (ms) => {
      const call = box.api?.calls.at(-1);
      if (call && box.api) beforeAnswer?.(call, box.api);
      if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, ms));
    },
  });
  box.api = api;
  for (const d of drafts) api.seedDraft(d);
  const client = new VervericaClient({
    endpoint: new URL(api.url),
    credentials: async () => KEY,
    requestTimeoutMs: 5000,
    maxResponseBytes: options.maxResponseBytes,
  });
  const logs: string[] = [];
  const made: Rig = {
    api,
    client,
    logs,
    deps: (overrides = {}) => ({
      api: client,
      retry: {
        policy: { maxRetries: 4, baseDelayMs: 500, maxDelayMs: 20_000 },
        clock,
        deadline: clock.now() + 600_000,
        gate: new ThrottleGate(clock),
      },
      concurrency: 8,
      log: (message) => logs.push(message),
      warn: (message) => logs.push(`warning: ${message}`),
      ...overrides,
    }),
    lists: () =>
      api.calls
        .filter((c) => c.action === 'ListDeploymentDrafts')
        .map((c) => ({
          namespace: c.path.split('/')[4] ?? '',
          pageIndex: c.query.pageIndex,
          ...(c.code ? { code: c.code } : {}),
        })),
  };
  rigs.push(made);
  return made;
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from }, (_, i) => from + i);

describe('listTargetDrafts against the API', () => {
  it('reads every page when that is cheaper, and keeps only the targets, without scripts', async () => {
    const r = await rig(range(0, 120).map((i) => sqlDraft(i)));
    const targets = range(10, 110);
    const listed = await listTargetDrafts(
      targets.map((i) => item(id(i))),
      r.deps(),
    );

    const pages = pageCount(120);
    expect(pages).toBeGreaterThan(1);
    expect(r.lists().map((c) => c.pageIndex)).toEqual(range(1, pages + 1).map(String));
    expect(r.api.calls.filter((c) => c.action !== 'ListDeploymentDrafts')).toEqual([]);
    expect(listed.size).toBe(targets.length);
    for (const i of targets) {
      const read = await listed.take({ workspace: WS, namespace: NS, draftId: id(i) });
      expect(read?.draft.artifact?.sqlArtifact).toEqual({
        additionalDependencies: ['oss://b/udf.jar'],
      });
      expect(read?.draft.modifiedAt).toBe(1_760_000_000 + i);
      expect(read?.scriptEquals(script(i))).toBe(true);
      expect(read?.requestId).toEqual(expect.any(String));
    }
    // Drafts that are not targets are not kept, and a taken draft is handed out only once.
    expect(listed.size).toBe(0);
    expect(listed.take({ workspace: WS, namespace: NS, draftId: id(0) })).toBeUndefined();
    expect(r.logs).toEqual([
      `Listed 100 of 100 drafts of ${WS}/${NS} in ${pages} call(s); 0 read one by one`,
    ]);
  });

  it.each([
    {
      name: 'targets spread thinly over many pages: page 1 only',
      total: 500,
      targets: range(0, 10).map((i) => i * 50),
      pages: ['1'],
      found: 1,
    },
    {
      name: 'all targets on page 1: no further page, however many there are',
      total: 500,
      targets: range(0, 10),
      pages: ['1'],
      found: 10,
    },
    {
      name: 'targets on the first two pages: stops once none is missing',
      total: 8 * PAGE_SIZE,
      targets: range(PAGE_SIZE - 10, PAGE_SIZE + 10),
      pages: ['1', '2'],
      found: 20,
    },
    {
      name: 'fewer targets than the threshold: no listing',
      total: 60,
      targets: range(0, MIN_TARGETS - 1),
      pages: [],
      found: 0,
    },
  ])('$name', async ({ total, targets, pages, found }) => {
    const r = await rig(range(0, total).map((i) => sqlDraft(i)));
    // One page in flight, so the decision before each page sees every page read before it.
    const listed = await listTargetDrafts(
      targets.map((i) => item(id(i))),
      r.deps({ concurrency: 1 }),
    );
    expect(r.lists().map((c) => c.pageIndex)).toEqual(pages);
    expect(listed.size).toBe(found);
  });

  it('lists each namespace on its own', async () => {
    const r = await rig([
      ...range(0, 10).map((i) => sqlDraft(i, 'ns-a')),
      ...range(10, 20).map((i) => sqlDraft(i, 'ns-b')),
    ]);
    const items = [
      ...range(0, 10).map((i) => item(id(i), { namespace: 'ns-a' })),
      ...range(10, 20).map((i) => item(id(i), { namespace: 'ns-b' })),
    ];
    const listed = await listTargetDrafts(items, r.deps());
    expect(
      r
        .lists()
        .map((c) => c.namespace)
        .sort(),
    ).toEqual(['ns-a', 'ns-b']);
    expect(listed.take({ workspace: WS, namespace: 'ns-a', draftId: id(3) })).toBeDefined();
    // A draft is found only in its own namespace.
    expect(listed.take({ workspace: WS, namespace: 'ns-a', draftId: id(13) })).toBeUndefined();
    expect(listed.take({ workspace: WS, namespace: 'ns-b', draftId: id(13) })).toBeDefined();
  });

  it('leaves out drafts the listing gives as summaries', async () => {
    const summaries = new Set([2, 5]);
    const r = await rig(
      range(0, 10).map((i) =>
        summaries.has(i) ? { ...sqlDraft(i), artifact: { kind: 'SQLSCRIPT' } } : sqlDraft(i),
      ),
    );
    const listed = await listTargetDrafts(
      range(0, 10).map((i) => item(id(i))),
      r.deps(),
    );
    expect(listed.size).toBe(8);
    for (const i of summaries) {
      expect(listed.take({ workspace: WS, namespace: NS, draftId: id(i) })).toBeUndefined();
    }
  });

  it('reads at most four pages at once, and no more than the run concurrency', async () => {
    const drafts = range(0, 12 * PAGE_SIZE).map((i) => sqlDraft(i));
    const targets = range(0, 12 * PAGE_SIZE).map((i) => item(id(i)));
    for (const [concurrency, most] of [
      [8, 4],
      [2, 2],
    ] as const) {
      const r = await rig(drafts, { latencyMs: 20 });
      const listed = await listTargetDrafts(targets, r.deps({ concurrency }));
      expect(listed.size).toBe(drafts.length);
      expect(r.lists()).toHaveLength(12);
      expect(r.api.maxInFlight).toBe(most);
    }
  });

  it('hands out the drafts of the first page before the last page is read', async () => {
    const drafts = range(0, 3 * PAGE_SIZE).map((i) => sqlDraft(i));
    const r = await rig(drafts, { latencyMs: 40 });
    const { listed, done } = startListing(
      drafts.map((d) => item(d.deploymentDraftId)),
      r.deps({ concurrency: 1 }),
    );
    let finished = false;
    void done.then(() => (finished = true));

    const first = await listed.take({ workspace: WS, namespace: NS, draftId: id(0) });
    expect(first?.scriptEquals(script(0))).toBe(true);
    // Pages 2 and 3, one at a time, are still to come.
    expect(finished).toBe(false);
    expect(r.lists().length).toBeLessThan(3);

    const last = await listed.take({
      workspace: WS,
      namespace: NS,
      draftId: id(3 * PAGE_SIZE - 1),
    });
    expect(last?.scriptEquals(script(3 * PAGE_SIZE - 1))).toBe(true);
    await done;
    expect(r.lists()).toHaveLength(3);
  });

  it('sends the drafts still waiting to GETs when a later page fails', async () => {
    const drafts = range(0, 3 * PAGE_SIZE).map((i) => sqlDraft(i));
    const r = await rig(drafts, {
      beforeAnswer: (call, api) => {
        if (call.action === 'ListDeploymentDrafts' && call.query.pageIndex === '2') {
          api.failNext(1, { kind: 'status', status: 403, code: 'Forbidden.RAM' });
        }
      },
    });
    const { listed, done } = startListing(
      drafts.map((d) => item(d.deploymentDraftId)),
      r.deps({ concurrency: 1 }),
    );
    const ref = (i: number) => ({ workspace: WS, namespace: NS, draftId: id(i) });
    // Taken before any page has arrived: one is on page 1, the others on pages 2 and 3.
    const [first, second, third] = await Promise.all([
      listed.take(ref(0)),
      listed.take(ref(PAGE_SIZE)),
      listed.take(ref(2 * PAGE_SIZE)),
    ]);
    await done;
    expect(first?.scriptEquals(script(0))).toBe(true);
    expect(second).toBeUndefined();
    expect(third).toBeUndefined();
    expect(r.lists()).toEqual([
      { namespace: NS, pageIndex: '1' },
      { namespace: NS, pageIndex: '2', code: 'Forbidden.RAM' },
    ]);
    expect(r.logs[0]).toMatch(/stopped at page 2 \(Forbidden\.RAM: /);
  });

  it('reads pages of large scripts one at a time', async () => {
    const big = 'x'.repeat(180 * 1024);
    const count = 4 * PAGE_SIZE;
    const drafts = range(0, count).map((i) => {
      const d = sqlDraft(i);
      return { ...d, artifact: { kind: 'SQLSCRIPT', sqlArtifact: { sqlScript: `${i}${big}` } } };
    });
    const r = await rig(drafts, { latencyMs: 20 });
    const listed = await listTargetDrafts(
      range(0, count).map((i) => item(id(i))),
      r.deps(),
    );
    expect(listed.size).toBe(count);
    expect(r.lists()).toHaveLength(4);
    expect(r.api.maxInFlight).toBe(1);
    const read = await listed.take({ workspace: WS, namespace: NS, draftId: id(7) });
    expect(read?.scriptEquals(`7${big}`)).toBe(true);
  });

  describe('a listing that fails hands every draft it did not deliver to GETs, and says why', () => {
    const drafts = range(0, 3 * PAGE_SIZE).map((i) => sqlDraft(i));
    const items = range(0, 3 * PAGE_SIZE).map((i) => item(id(i)));

    it('a permanent error is not retried', async () => {
      const r = await rig(drafts);
      r.api.failNext(
        1,
        { kind: 'status', status: 403, code: 'Forbidden.RAM' },
        { action: 'ListDeploymentDrafts' },
      );
      const listed = await listTargetDrafts(items, r.deps());
      expect(listed.size).toBe(0);
      expect(r.lists()).toEqual([{ namespace: NS, pageIndex: '1', code: 'Forbidden.RAM' }]);
      expect(r.logs[0]).toMatch(/stopped at page 1 \(Forbidden\.RAM: /);
      expect(r.logs.join('\n')).not.toContain(KEY.accessKeySecret);
    });

    it("a transient error gets two retries, not the run's four", async () => {
      const r = await rig(drafts);
      r.api.failNext(
        10,
        { kind: 'status', status: 503, code: 'ServiceUnavailable' },
        { action: 'ListDeploymentDrafts' },
      );
      const listed = await listTargetDrafts(items, r.deps());
      expect(listed.size).toBe(0);
      expect(r.lists().map((c) => c.code)).toEqual([
        'ServiceUnavailable',
        'ServiceUnavailable',
        'ServiceUnavailable',
      ]);
    });

    it('a later page failing keeps what the earlier pages found, and reads no more', async () => {
      const r = await rig(drafts, {
        // Page 2 is answered with a permanent error, decided once the call has arrived.
        beforeAnswer: (call, api) => {
          if (call.query.pageIndex !== '2') return;
          api.failNext(1, {
            kind: 'status',
            status: 400,
            code: 'InvalidParameter',
            envelope: true,
          });
        },
      });
      const listed = await listTargetDrafts(items, r.deps({ concurrency: 1 }));
      expect(r.lists()).toEqual([
        { namespace: NS, pageIndex: '1' },
        { namespace: NS, pageIndex: '2', code: 'InvalidParameter' },
      ]);
      expect(listed.size).toBe(PAGE_SIZE);
      expect(listed.take({ workspace: WS, namespace: NS, draftId: id(0) })).toBeDefined();
      expect(listed.take({ workspace: WS, namespace: NS, draftId: id(PAGE_SIZE) })).toBeUndefined();
    });

    it('a page larger than the response cap', async () => {
      const r = await rig(drafts, { maxResponseBytes: 2048 });
      const listed = await listTargetDrafts(items, r.deps());
      expect(listed.size).toBe(0);
      expect(r.lists()).toHaveLength(1);
      expect(r.logs[0]).toContain('ResponseTooLarge');
    });

    it('an answer that is not a list of drafts', async () => {
      const r = await rig(drafts);
      r.api.failNext(
        1,
        { kind: 'malformed-json', status: 200 },
        { action: 'ListDeploymentDrafts' },
      );
      const listed = await listTargetDrafts(items, r.deps());
      expect(listed.size).toBe(0);
      expect(r.logs[0]).toContain('InvalidResponse');
    });

    it('a time budget already spent: no call at all', async () => {
      const r = await rig(drafts);
      const deps = r.deps();
      const listed = await listTargetDrafts(items, {
        ...deps,
        retry: { ...deps.retry, deadline: deps.retry.clock.now() },
      });
      expect(listed.size).toBe(0);
      expect(r.lists()).toEqual([]);
      expect(r.logs[0]).toContain('Timeout');
    });
  });

  describe('a listing that lies about its size', () => {
    const drafts = range(0, 3 * PAGE_SIZE).map((i) => sqlDraft(i));
    const items = range(0, 3 * PAGE_SIZE).map((i) => item(id(i)));
    const lie = (totalSize: unknown, data = '[]') => ({
      kind: 'raw' as const,
      body: `{"success":true,"requestId":"r-lie","data":${data},"pageIndex":1,"pageSize":25,"totalSize":${JSON.stringify(totalSize)}}`,
    });

    it.each([
      ['an empty first page and ten million drafts', 10_000_000],
      ['a total that is not a whole number', 12.5],
      ['a negative total', -3],
    ])('%s: no page beyond the first, a warning, every draft left to GETs', async (_n, total) => {
      const r = await rig(drafts);
      r.api.failNext(1, lie(total), { action: 'ListDeploymentDrafts' });
      const started = Date.now();
      const listed = await listTargetDrafts(items, r.deps());
      expect(Date.now() - started).toBeLessThan(30_000); // bounded by the test timeout anyway
      expect(listed.size).toBe(0);
      expect(r.lists()).toHaveLength(1);
      expect(r.logs.some((l) => l.startsWith('warning: ') && l.includes('makes no sense'))).toBe(
        true,
      );
    });

    it('a later page shorter than its total says: stops there, keeps nothing from it', async () => {
      const r = await rig(drafts, {
        beforeAnswer: (call, api) => {
          if (call.query.pageIndex === '2') api.failNext(1, lie(3 * PAGE_SIZE, '[]'));
        },
      });
      const listed = await listTargetDrafts(items, r.deps({ concurrency: 1 }));
      expect(r.lists().map((c) => c.pageIndex)).toEqual(['1', '2']);
      expect(listed.size).toBe(PAGE_SIZE);
      expect(r.logs.some((l) => l.includes('page 2 holds 0 drafts'))).toBe(true);
    });
  });

  it('reads pages only as the writes want them, and stops once the sync is over', async () => {
    const drafts = range(0, 6 * PAGE_SIZE).map((i) => sqlDraft(i));
    const r = await rig(drafts);
    const { listed, done } = startListing(
      drafts.map((d) => item(d.deploymentDraftId)),
      r.deps({ concurrency: 2 }),
    );
    // Nobody takes anything: after page 1 (25 drafts, more than twice the concurrency), no page.
    await until(() => r.lists().length === 1 && listed.size === PAGE_SIZE);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(r.lists()).toHaveLength(1);
    // Taking drafts until fewer than four are waiting makes the next page wanted.
    for (let i = 0; i < PAGE_SIZE - 3; i++) {
      await listed.take({ workspace: WS, namespace: NS, draftId: id(i) });
    }
    await until(() => r.lists().length === 2);
    listed.finish();
    await done;
    expect(r.lists().length).toBeLessThanOrEqual(3);
  });
});

describe('pageProblem', () => {
  it.each<[string, number, { drafts: unknown[]; totalSize?: number }, string | undefined]>([
    ['a full page with more to come', 1, { drafts: Array(25), totalSize: 60 }, undefined],
    ['the last page, partly full', 3, { drafts: Array(10), totalSize: 60 }, undefined],
    ['no total at all', 1, { drafts: [] }, undefined],
    ['an empty namespace', 1, { drafts: [], totalSize: 0 }, undefined],
    ['an empty page where drafts should be', 1, { drafts: [], totalSize: 1e7 }, 'holds 0 drafts'],
    ['a short page before the last', 2, { drafts: Array(3), totalSize: 60 }, 'means 25'],
    ['a page past the end holding drafts', 4, { drafts: Array(1), totalSize: 60 }, 'means 0'],
    ['more drafts than the page size', 1, { drafts: Array(26), totalSize: 60 }, 'more than'],
    ['a fractional total', 1, { drafts: [], totalSize: 1.5 }, 'not a count'],
    ['an unsafe total', 1, { drafts: [], totalSize: 2 ** 60 }, 'not a count'],
  ])('%s', (_n, pageIndex, page, problem) => {
    const found = pageProblem(pageIndex, page, 25);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });
});
