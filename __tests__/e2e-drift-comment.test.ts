// End to end: drift detection through the commit label, and the results comment on the pull request,
// with the bundled action against the fake Ververica API and the fake GitHub REST API.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { runAction, type ActionRun } from './support/action-runner.js';
import { pullRequestEvent, pushEvent } from './support/events.js';
import { FakeGitHub, type FakeRoute } from './support/fake-github.js';
import { FakeVervericaApi, principalOf } from './support/fake-ververica.js';
import { commitFiles, createBranch, initRepo, removeDir, switchTo } from './support/git-repo.js';
import {
  keyInputs,
  manifestYaml,
  resultRows,
  sqlDraft,
  type ResultRow,
} from './support/scenario.js';

const WS = 'a14bd5d90a0000';
const NS = 'default-namespace';
const KEY = { accessKeyId: 'LTAI5tDriftKeyId000000', accessKeySecret: 'drift-secret-value-19b7e' };
const GH_TOKEN = 'ghs_FakeInstallationToken0123456789abcd';
const LABEL = 'flink-draft-sync/commit';
const MARKER = '<!-- flink-draft-sync -->';

const ORDERS = 'c84d73be-40ad-4627-8bdd-fa1eba51b234';
const BIG_IDS = [
  '0b8f1c2e-5d4a-4f3b-9e21-7a6c5d4e3f21',
  '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9',
  '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
];
const FILE = 'sql/orders.sql';
const bigFile = (i: number): string => `sql/big_${i}.sql`;

const V0 = '-- v0\nSELECT id FROM orders;\n';
const V1 = '-- v1\nSELECT id, amount FROM orders;\n';
const V2 = '-- v2\nSELECT id, amount, currency FROM orders;\n';
const V3 = '-- v3\nSELECT id, amount, currency, region FROM orders;\n';
const CONSOLE = '-- hotfix made in the console\nSELECT id, amount FROM orders WHERE amount > 0;\n';
const bigText = (i: number): string =>
  Array.from(
    { length: 3000 },
    (_, n) =>
      `INSERT INTO sink_${i}_${n} SELECT id, amount, currency, created_at FROM source_${i};\n`,
  ).join('');

function manifest(): string {
  const entries = [
    { file: FILE, draftId: ORDERS },
    ...BIG_IDS.map((draftId, i) => ({ file: bigFile(i), draftId })),
  ];
  return manifestYaml(entries, { workspace: WS, namespace: NS });
}

/** Puts every draft back as it was before any sync: script V0 (big ones empty), no commit label. */
function seedFresh(api: FakeVervericaApi): void {
  const seed = (id: string, sqlScript: string) =>
    api.seedDraft(
      sqlDraft({
        id,
        name: `draft-${id.slice(0, 8)}`,
        workspace: WS,
        namespace: NS,
        sqlScript,
        labels: { team: 'data' },
        modifiedAt: 1_760_000_000,
      }),
    );
  seed(ORDERS, V0);
  for (const id of BIG_IDS) seed(id, '');
}

function rowOf(run: ActionRun, file = FILE): ResultRow | undefined {
  return resultRows(run).find((r) => r.file === file);
}

function writes(api: FakeVervericaApi): string[] {
  // The SQL check is a POST but no write: it runs nothing and changes no draft.
  return api.calls
    .filter((c) => c.method !== 'GET' && c.action !== 'ValidateSqlStatement')
    .map((c) => `${c.method} ${c.draftId}`);
}

const short = (sha: string): string => sha.slice(0, 7);

/** History shared by every scenario: c0 → c1 → c2 on main, each changing sql/orders.sql. */
interface History {
  repo: string;
  c0: string;
  c1: string;
  c2: string;
}

async function buildHistory(): Promise<History> {
  const repo = await initRepo();
  const c0 = await commitFiles(repo, { 'flink-drafts.yaml': manifest(), [FILE]: V0 }, 'initial');
  const c1 = await commitFiles(repo, { [FILE]: V1 }, 'v1');
  const c2 = await commitFiles(repo, { [FILE]: V2 }, 'v2');
  return { repo, c0, c1, c2 };
}

describe('drift: a draft edited in the console since the last sync', () => {
  let h: History;
  let api: FakeVervericaApi;

  const push = async (
    before: string,
    after: string,
    inputs: Record<string, string> = {},
  ): Promise<ActionRun> => {
    await switchTo(h.repo, after);
    return runAction({
      workspace: h.repo,
      eventName: 'push',
      event: pushEvent({ before, after }),
      inputs: { ...keyInputs(api, KEY), ...inputs },
      env: { GITHUB_SHA: after },
    });
  };

  const prPlan = async (inputs: Record<string, string> = {}): Promise<ActionRun> => {
    await switchTo(h.repo, h.c2);
    return runAction({
      workspace: h.repo,
      eventName: 'pull_request',
      event: pullRequestEvent({ base: h.c1, head: h.c2, number: 5 }),
      inputs: { ...keyInputs(api, KEY), ...inputs },
      env: { GITHUB_SHA: h.c2 },
    });
  };

  const script = (): string | undefined =>
    api.draft(WS, NS, ORDERS)?.artifact?.sqlArtifact?.sqlScript;
  const label = (): string | undefined => api.draft(WS, NS, ORDERS)?.labels?.[LABEL];

  /** First sync records c1 in the label; then someone saves a hotfix in the console. */
  async function syncThenEditInConsole(): Promise<void> {
    seedFresh(api);
    api.reset();
    const first = await push(h.c0, h.c1);
    expect(rowOf(first)?.status).toBe('updated');
    expect(label()).toBe(h.c1);
    expect(api.draft(WS, NS, ORDERS)?.labels?.team).toBe('data');
    api.editDraftScript(WS, NS, ORDERS, CONSOLE);
    api.reset();
  }

  const driftWarnings = (run: ActionRun) =>
    run.annotations.filter((a) => a.level === 'warning' && a.message.includes('outside git'));

  beforeAll(async () => {
    h = await buildHistory();
    api = await FakeVervericaApi.start({ credentials: [KEY] });
  });

  afterAll(async () => {
    await api?.stop();
    if (h?.repo) await removeDir(h.repo);
  });

  it('updates without any drift remark when nobody edited the draft', async () => {
    seedFresh(api);
    await push(h.c0, h.c1);
    api.reset();
    const second = await push(h.c1, h.c2);
    expect(second.exitCode).toBe(0);
    expect(rowOf(second)?.status).toBe('updated');
    expect(script()).toBe(V2);
    expect(label()).toBe(h.c2);
    expect(driftWarnings(second)).toEqual([]);
    expect(second.summary).not.toContain('edited outside git');
  });

  it('on-drift: fail (the default) reports DraftDrifted and leaves the draft alone', async () => {
    await syncThenEditInConsole();
    const run = await push(h.c1, h.c2); // no on-drift input: the action.yml default
    expect(run.exitCode).toBe(1);
    expect(rowOf(run)).toMatchObject({ status: 'failed', code: 'DraftDrifted' });
    expect(rowOf(run)?.message).toContain(`edited outside git since commit ${short(h.c1)}`);
    expect(rowOf(run)?.message).toContain('console-user');
    expect(Buffer.from(script() ?? '').equals(Buffer.from(CONSOLE))).toBe(true);
    expect(label()).toBe(h.c1);
    expect(writes(api)).toEqual([]);
    expect(run.summary).toContain('🔀 edited outside git');
    const onFile = run.annotations.find((a) => a.level === 'error' && a.properties.file === FILE);
    expect(onFile?.message).toContain('DraftDrifted');
  });

  it('on-drift: fail set explicitly behaves the same', async () => {
    await syncThenEditInConsole();
    const run = await push(h.c1, h.c2, { 'on-drift': 'fail' });
    expect(rowOf(run)).toMatchObject({ status: 'failed', code: 'DraftDrifted' });
    expect(script()).toBe(CONSOLE);
  });

  it('on-drift: warn updates the draft and warns', async () => {
    await syncThenEditInConsole();
    const run = await push(h.c1, h.c2, { 'on-drift': 'warn' });
    expect(run.exitCode).toBe(0);
    expect(rowOf(run)).toMatchObject({ status: 'updated', code: null });
    expect(Buffer.from(script() ?? '').equals(Buffer.from(V2))).toBe(true);
    expect(label()).toBe(h.c2);
    expect(writes(api)).toEqual([`PATCH ${ORDERS}`]);
    const warnings = driftWarnings(run);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toBe(
      `${FILE}: Draft was edited outside git since commit ${short(h.c1)} ` +
        '(last modified by console-user); on-drift: warn, so it is overwritten',
    );
    expect(run.summary).toContain('🔀 edited outside git');
  });

  it('on-drift: overwrite updates the draft without checking', async () => {
    await syncThenEditInConsole();
    const run = await push(h.c1, h.c2, { 'on-drift': 'overwrite' });
    expect(run.exitCode).toBe(0);
    expect(rowOf(run)).toMatchObject({ status: 'updated', code: null });
    expect(script()).toBe(V2);
    expect(label()).toBe(h.c2);
    expect(driftWarnings(run)).toEqual([]);
    expect(run.summary).not.toContain('edited outside git');
  });

  it('shows drift in plan mode as would-fail, and writes nothing', async () => {
    await syncThenEditInConsole();
    const run = await prPlan();
    expect(run.exitCode).toBe(1);
    expect(rowOf(run)).toMatchObject({ status: 'would-fail', code: 'DraftDrifted' });
    expect(run.summary).toContain('🔀 edited outside git');
    expect(run.stdout).toContain('draft(s) would fail');
    expect(writes(api)).toEqual([]);
    expect(script()).toBe(CONSOLE);
  });

  it('shows drift in plan mode with on-drift: warn as a flagged would-update with its diff', async () => {
    await syncThenEditInConsole();
    const run = await prPlan({ 'on-drift': 'warn' });
    expect(run.exitCode).toBe(0);
    expect(rowOf(run)).toMatchObject({ status: 'would-update', code: null });
    expect(run.summary).toContain('🔀 edited outside git');
    expect(driftWarnings(run)).toHaveLength(1);
    // The diff is against what the draft holds now: the console's hotfix.
    expect(run.summary).toMatch(/^-SELECT id, amount FROM orders WHERE amount > 0;$/m);
    expect(run.summary).toMatch(/^\+SELECT id, amount, currency FROM orders;$/m);
    expect(writes(api)).toEqual([]);
  });

  it('warns and updates when the labelled commit is not in the checkout', async () => {
    seedFresh(api);
    api.seedDraft(
      sqlDraft({
        id: ORDERS,
        name: 'draft-orders',
        workspace: WS,
        namespace: NS,
        sqlScript: CONSOLE,
        labels: { [LABEL]: 'deadbeef'.repeat(5) },
      }),
    );
    api.reset();
    const run = await push(h.c1, h.c2);
    expect(rowOf(run)).toMatchObject({ status: 'updated', code: null });
    expect(script()).toBe(V2);
    const warning = run.annotations.find(
      (a) => a.level === 'warning' && a.message.includes('deadbee'),
    );
    expect(warning?.message).toContain('drift not checked');
    expect(warning?.message).toContain('fetch-depth: 0');
  });

  it('warns and updates when the file did not exist at the labelled commit', async () => {
    // The draft was last synced from a commit where the file had another name.
    await createBranch(h.repo, 'renamed-away', h.c0);
    const elsewhere = await commitFiles(h.repo, { [FILE]: null, 'sql/old_name.sql': V0 }, 'mv');
    seedFresh(api);
    api.seedDraft(
      sqlDraft({
        id: ORDERS,
        name: 'draft-orders',
        workspace: WS,
        namespace: NS,
        sqlScript: CONSOLE,
        labels: { [LABEL]: elsewhere },
      }),
    );
    const run = await push(h.c1, h.c2);
    expect(rowOf(run)).toMatchObject({ status: 'updated', code: null });
    expect(script()).toBe(V2);
    const warning = run.annotations.find(
      (a) => a.level === 'warning' && a.message.includes(short(elsewhere)),
    );
    expect(warning?.message).toBe(
      `${FILE}: the file did not exist at commit ${short(elsewhere)} recorded on the draft; ` +
        'drift not checked',
    );
  });
});

/**
 * A gateway in front of the fake API that answers as if the API did not keep labels: it forwards
 * every request unchanged (so the signature still verifies) and removes `labels` from the drafts in
 * the answers.
 */
async function startLabelDroppingProxy(
  target: string,
): Promise<{ url: string; stop(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const upstream = http.request(
        `${target}${req.url ?? '/'}`,
        { method: req.method, headers: req.headers },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (c: Buffer) => parts.push(c));
          answer.on('end', () => {
            let body = Buffer.concat(parts);
            const json = JSON.parse(body.toString('utf8')) as { data?: Record<string, unknown> };
            if (json.data && typeof json.data === 'object') delete json.data.labels;
            body = Buffer.from(JSON.stringify(json));
            res.writeHead(answer.statusCode ?? 502, {
              ...answer.headers,
              'content-length': String(body.length),
            });
            res.end(body);
          });
        },
      );
      upstream.on('error', () => res.destroy());
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('an API that does not keep the commit label', () => {
  let h: History;
  let api: FakeVervericaApi;
  let proxy: { url: string; stop(): Promise<void> };

  const push = async (before: string, after: string, inputs: Record<string, string> = {}) => {
    await switchTo(h.repo, after);
    return runAction({
      workspace: h.repo,
      eventName: 'push',
      event: pushEvent({ before, after }),
      inputs: { ...keyInputs(proxy, KEY), ...inputs },
      env: { GITHUB_SHA: after },
    });
  };

  beforeAll(async () => {
    h = await buildHistory();
    api = await FakeVervericaApi.start({ credentials: [KEY] });
    proxy = await startLabelDroppingProxy(api.url);
    seedFresh(api);
  });

  afterAll(async () => {
    await proxy?.stop();
    await api?.stop();
    if (h?.repo) await removeDir(h.repo);
  });

  it('updates the draft and warns that drift detection is unavailable', async () => {
    const run = await push(h.c0, h.c1);
    expect(run.exitCode).toBe(0);
    expect(rowOf(run)?.status).toBe('updated');
    expect(api.draft(WS, NS, ORDERS)?.artifact?.sqlArtifact?.sqlScript).toBe(V1);
    const warnings = run.annotations.filter((a) => a.level === 'warning');
    expect(warnings.map((w) => w.message)).toEqual([
      `${FILE}: the API did not keep the ${LABEL} label; drift detection is unavailable, ` +
        "and a later run cannot tell that the draft's edit lock is its own",
    ]);
  });

  it('then cannot tell its own lock, so the next push writes nothing and names the holder', async () => {
    api.editDraftScript(WS, NS, ORDERS, CONSOLE);
    const run = await push(h.c1, h.c2);
    expect(run.exitCode).toBe(1);
    expect(rowOf(run)).toMatchObject({ status: 'failed', code: 'DraftLocked' });
    expect(String(rowOf(run)?.message)).toContain(principalOf(KEY).name);
    expect(api.draft(WS, NS, ORDERS)?.artifact?.sqlArtifact?.sqlScript).toBe(CONSOLE);
  });
});

describe('results comment on the pull request', () => {
  let h: History;
  let api: FakeVervericaApi;
  let gh: FakeGitHub;

  const MERGED_PR = 12;
  const OTHER_PR = 13;
  const PLAN_PR = 21;

  const inputsFor = (extra: Record<string, string>) => ({
    endpoint: api.url,
    'access-key-id': KEY.accessKeyId,
    'access-key-secret': KEY.accessKeySecret,
    'github-token': GH_TOKEN,
    ...extra,
  });

  const push = async (before: string, after: string, extra: Record<string, string> = {}) => {
    await switchTo(h.repo, after);
    return runAction({
      workspace: h.repo,
      eventName: 'push',
      event: pushEvent({ before, after }),
      inputs: inputsFor(extra),
      env: { GITHUB_SHA: after, GITHUB_API_URL: gh.url },
    });
  };

  const plan = async (base: string, head: string) => {
    await switchTo(h.repo, head);
    return runAction({
      workspace: h.repo,
      eventName: 'pull_request',
      event: pullRequestEvent({ base, head, number: PLAN_PR }),
      inputs: inputsFor({}),
      env: { GITHUB_SHA: head, GITHUB_API_URL: gh.url },
    });
  };

  const ours = (pr: number) => gh.comments(pr).filter((c) => c.body.includes(MARKER));
  const table = (text: string) => /<table>[\s\S]*<\/table>/.exec(text)?.[0];
  const routes = () => gh.calls.map((c) => c.route);
  const commentLines = (run: ActionRun) =>
    run.stdout.split('\n').filter((l) => l.includes('PR comment'));

  beforeAll(async () => {
    h = await buildHistory();
    api = await FakeVervericaApi.start({ credentials: [KEY] });
    gh = await FakeGitHub.start({ token: GH_TOKEN, owner: 'octo-org', repo: 'flink-jobs' });
    // c1 reached main through PR 12; an open PR that happens to contain c1 must not get the comment.
    gh.addPullRequest({
      number: MERGED_PR,
      state: 'closed',
      mergedAt: '2024-05-01T11:00:00Z',
      headSha: 'a'.repeat(40),
      mergeCommitSha: h.c1,
      commits: ['a'.repeat(40)],
    });
    gh.addPullRequest({
      number: OTHER_PR,
      state: 'open',
      mergedAt: null,
      headSha: 'b'.repeat(40),
      commits: [h.c1],
    });
    gh.seedComment(MERGED_PR, 'LGTM, ship it', 'octocat');
  });

  afterAll(async () => {
    await gh?.stop();
    await api?.stop();
    if (h?.repo) await removeDir(h.repo);
  });

  describe('on a push to the default branch', () => {
    let first: ActionRun;
    let firstId: number;

    beforeAll(async () => {
      seedFresh(api);
      first = await push(h.c0, h.c1);
      firstId = ours(MERGED_PR)[0]?.id ?? -1;
    });

    it('finds the merged PR of the pushed commit and posts one comment there', () => {
      expect(first.exitCode).toBe(0);
      const commitPulls = gh.calls.find((c) => c.route === 'commit-pulls');
      expect(commitPulls?.path).toBe(`/repos/octo-org/flink-jobs/commits/${h.c1}/pulls`);
      expect(ours(MERGED_PR)).toHaveLength(1);
      expect(ours(OTHER_PR)).toEqual([]);
      expect(gh.comments(MERGED_PR).map((c) => c.body)[0]).toBe('LGTM, ship it');
      expect(commentLines(first)).toEqual([`PR comment created on #${MERGED_PR}`]);
    });

    it('puts the same table as the job summary behind the hidden marker', () => {
      const body = ours(MERGED_PR)[0]?.body ?? '';
      expect(body.startsWith(`${MARKER}\n`)).toBe(true);
      expect(body).toContain(ORDERS);
      expect(body).toContain('✅ updated');
      expect(table(body)).toBeDefined();
      expect(table(body)).toBe(table(first.summary));
    });

    it('updates that same comment in place on the next run', async () => {
      gh.reset();
      const again = await push(h.c0, h.c1);
      expect(again.exitCode).toBe(0);
      const mine = ours(MERGED_PR);
      expect(mine).toHaveLength(1);
      expect(mine[0]?.id).toBe(firstId);
      expect(mine[0]?.body).toContain('➖ unchanged');
      expect(mine[0]?.body).not.toContain('✅ updated');
      expect(gh.comments(MERGED_PR)).toHaveLength(2);
      expect(routes()).not.toContain('create-comment');
      expect(routes()).toContain('update-comment');
      expect(commentLines(again)).toEqual([`PR comment updated on #${MERGED_PR}`]);
    });

    it('keeps a separate comment per comment-key, each updated in place', async () => {
      const keyed = (pr: number) =>
        gh.comments(pr).filter((c) => c.body.startsWith('<!-- flink-draft-sync:analytics -->'));
      gh.reset();
      const other = await push(h.c0, h.c1, { 'comment-key': 'analytics' });
      expect(other.exitCode).toBe(0);
      expect(keyed(MERGED_PR)).toHaveLength(1);
      expect(ours(MERGED_PR)[0]?.id).toBe(firstId);
      await push(h.c0, h.c1, { 'comment-key': 'analytics' });
      expect(keyed(MERGED_PR)).toHaveLength(1);
      expect(gh.comments(MERGED_PR)).toHaveLength(3);
      expect(gh.comments(MERGED_PR).filter((c) => c.id === firstId)).toHaveLength(1);
    });

    it('makes no GitHub call with comment-on-pr: false, and says so in one info line', async () => {
      gh.reset();
      const quiet = await push(h.c0, h.c1, { 'comment-on-pr': 'false' });
      expect(quiet.exitCode).toBe(0);
      expect(gh.calls).toEqual([]);
      expect(commentLines(quiet)).toEqual(['PR comment skipped: comment-on-pr is false']);
    });

    it.each<FakeRoute>(['commit-pulls', 'list-comments', 'update-comment'])(
      'skips with an info line when GitHub answers 403 on %s, and the run result is unaffected',
      async (route) => {
        seedFresh(api);
        gh.reset();
        gh.fail(route, { status: 403 });
        const run = await push(h.c0, h.c1);
        expect(run.exitCode).toBe(0);
        expect(rowOf(run)?.status).toBe('updated');
        expect(api.draft(WS, NS, ORDERS)?.artifact?.sqlArtifact?.sqlScript).toBe(V1);
        const lines = commentLines(run);
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(/^PR comment skipped: GitHub answered 403 .*pull-requests: write/);
        expect(run.annotations).toEqual([]);
        expect(ours(MERGED_PR)).toHaveLength(1);
      },
    );

    it('warns but still passes when GitHub fails with a server error', async () => {
      gh.reset();
      gh.fail('list-comments', { status: 500 });
      const run = await push(h.c0, h.c1);
      expect(run.exitCode).toBe(0);
      const warnings = run.annotations.filter((a) => a.level === 'warning');
      expect(warnings.map((w) => w.message)).toEqual([
        expect.stringMatching(/^PR comment not written: GitHub answered 500/),
      ]);
    });

    it('never prints the GitHub token', () => {
      expect(first.stdout + first.stderr + first.summary).not.toContain(GH_TOKEN);
    });
  });

  describe('in plan mode on the pull request itself', () => {
    let h1: string;
    let h2: string;
    let firstPlan: ActionRun;
    let secondPlan: ActionRun;
    let firstBody: string;
    let firstId: number;

    beforeAll(async () => {
      seedFresh(api);
      await push(h.c0, h.c1, { 'comment-on-pr': 'false' }); // drafts now hold c1
      await createBranch(h.repo, 'feature', h.c1);
      h1 = await commitFiles(h.repo, { [FILE]: V3 }, 'feature: v3');
      const big: Record<string, string> = {};
      BIG_IDS.forEach((_, i) => (big[bigFile(i)] = bigText(i)));
      h2 = await commitFiles(h.repo, big, 'feature: three big scripts');
      gh.reset();
      gh.addPullRequest({ number: PLAN_PR, state: 'open', mergedAt: null, headSha: h1 });
      api.reset();
      firstPlan = await plan(h.c1, h1);
      firstBody = ours(PLAN_PR)[0]?.body ?? '';
      firstId = ours(PLAN_PR)[0]?.id ?? -1;
      gh.addPullRequest({ number: PLAN_PR, state: 'open', mergedAt: null, headSha: h2 });
      secondPlan = await plan(h.c1, h2);
    });

    it('comments on the PR from the event, without looking up commits', () => {
      expect(firstPlan.exitCode).toBe(0);
      expect(firstBody.startsWith(`${MARKER}\n`)).toBe(true);
      expect(firstBody).toContain('📝 would-update');
      expect(firstBody).toContain('+SELECT id, amount, currency, region FROM orders;');
      expect(firstBody).toContain('<details>');
      expect(routes()).not.toContain('commit-pulls');
      expect(writes(api)).toEqual([]);
    });

    it('updates the same comment in place on the next push to the PR', () => {
      expect(secondPlan.exitCode).toBe(0);
      const mine = ours(PLAN_PR);
      expect(mine).toHaveLength(1);
      expect(mine[0]?.id).toBe(firstId);
      expect(mine[0]?.body).not.toBe(firstBody);
      for (const id of BIG_IDS) expect(mine[0]?.body).toContain(id);
      expect(commentLines(secondPlan)).toEqual([`PR comment updated on #${PLAN_PR}`]);
    });

    it('keeps the comment within GitHub size limit while the summary keeps longer diffs', () => {
      const body = ours(PLAN_PR)[0]?.body ?? '';
      expect([...body].length).toBeLessThanOrEqual(65_536);
      expect(body.match(/<details>/g)).toHaveLength(4);
      expect(Buffer.byteLength(secondPlan.summary)).toBeGreaterThan(80 * 1024);
      expect(Buffer.byteLength(body)).toBeLessThan(Buffer.byteLength(secondPlan.summary));
      expect(body).toMatch(/^… \d+ more lines$/m);
    });
  });
});
