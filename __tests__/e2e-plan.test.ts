// End to end, plan mode: the bundled action on real pull_request payloads and a real git history.
// A plan reads drafts and never writes one, stops bad input before it is merged, and degrades to
// local checks on a fork pull request, where GitHub gives the job neither secrets nor an OIDC token.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runAction, type ActionRun } from './support/action-runner.js';
import { pullRequestEvent, pushEvent } from './support/events.js';
import { FakeVervericaApi } from './support/fake-ververica.js';
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
const KEY = { accessKeyId: 'LTAI5tPlanKeyId0000000', accessKeySecret: 'plan-secret-value-77c2a' };

const ID = {
  update: 'c84d73be-40ad-4627-8bdd-fa1eba51b234',
  same: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
  missing: '22222222-3333-4444-8555-666666666666',
  jar: '11111111-2222-4333-8444-555555555555',
  denied: '66666666-7777-4888-9999-aaaaaaaaaaaa',
  gone: '33333333-4444-4555-8666-777777777777',
  big: '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9',
  latin1: '44444444-5555-4666-8777-888888888888',
  quiet: '77777777-8888-4999-aaaa-bbbbbbbbbbbb',
  mainOnly: '88888888-9999-4aaa-bbbb-cccccccccccc',
} as const;
type Key = keyof typeof ID;
const file = (key: Key): string => `sql/${key}.sql`;
const KEYS = Object.keys(ID) as Key[];

const OLD = '-- v1\nSELECT id, amount\nFROM orders;\n';
const UPDATED = '-- v2\nSELECT id, amount, currency\nFROM orders\nWHERE amount > 0;\n';
const SAME = 'SELECT 42;\n';
const BIG_LINE = (i: number) => `INSERT INTO sink_${i} SELECT * FROM source_${i}; -- changed\n`;
const BIG = Array.from({ length: 40_000 }, (_, i) => BIG_LINE(i)).join('');
const LATIN1 = Uint8Array.from([0x53, 0x45, 0x4c, 0x45, 0x43, 0x54, 0x20, 0xe9, 0x3b, 0x0a]);

/** What the feature branch does to each file; keys left out are not touched. */
const FEATURE: Partial<Record<Key, string | null>> = {
  update: UPDATED,
  same: SAME,
  missing: 'SELECT 4;\n',
  jar: 'SELECT 2;\n',
  denied: 'SELECT 3;\n',
  gone: null,
  big: BIG,
};
const FEATURE_KEYS = Object.keys(FEATURE) as Key[];

function manifest(): string {
  const entries = KEYS.map((key) => ({ file: file(key), draftId: ID[key] }));
  return manifestYaml(entries, { workspace: WS, namespace: NS });
}

function seed(api: FakeVervericaApi): void {
  for (const key of KEYS) {
    if (key === 'missing') continue;
    const draft = sqlDraft({
      id: ID[key],
      name: `draft-${key}`,
      workspace: WS,
      namespace: NS,
      sqlScript: key === 'same' ? SAME : OLD,
      labels: { team: 'data' },
      modifiedAt: 1_760_000_000,
    });
    if (key === 'jar') draft.artifact = { kind: 'JAR', jarArtifact: { jarUri: 'oss://b/app.jar' } };
    api.seedDraft(draft);
  }
}

function rows(run: ActionRun): ResultRow[] {
  return resultRows(run);
}

function statusOf(run: ActionRun): Record<string, [string, string | null]> {
  return Object.fromEntries(rows(run).map((r) => [r.file, [r.status, r.code]]));
}

function writes(api: FakeVervericaApi): string[] {
  // The SQL check is a POST but no write: it runs nothing and changes no draft.
  return api.calls
    .filter((c) => c.method !== 'GET' && c.action !== 'ValidateSqlStatement')
    .map((c) => `${c.method} ${c.path}`);
}

describe('pull request plan, end to end through dist/index.js', () => {
  let repo: string;
  let api: FakeVervericaApi;
  /** Tip of main, after a commit that lands on main once the branches were cut. */
  let start: string;
  let base: string;
  let feature: string;
  let tidy: string;
  let bad: string;

  /** A same-repository pull request: the workflow has the secrets. */
  const plan = (head: string, inputs: Record<string, string> = {}, env = {}) =>
    runAction({
      workspace: repo,
      eventName: 'pull_request',
      event: pullRequestEvent({ base, head, number: 7 }),
      inputs: { ...keyInputs(api, KEY), ...inputs },
      env: { GITHUB_SHA: head, ...env },
    });

  /** A pull request from a fork: GitHub passes no secrets, so key inputs arrive empty. */
  const forkPlan = (head: string, inputs: Record<string, string> = {}) =>
    runAction({
      workspace: repo,
      eventName: 'pull_request',
      event: pullRequestEvent({ base, head, number: 9, fork: true }),
      inputs: { endpoint: api.url, 'comment-on-pr': 'false', ...inputs },
      env: { GITHUB_SHA: head },
    });

  beforeAll(async () => {
    repo = await initRepo();
    const initial: Record<string, string | Uint8Array> = { 'flink-drafts.yaml': manifest() };
    for (const key of KEYS) initial[file(key)] = OLD;
    start = await commitFiles(repo, initial, 'initial');

    await createBranch(repo, 'feature', start);
    const changes: Record<string, string | null> = {};
    for (const key of FEATURE_KEYS) changes[file(key)] = FEATURE[key] ?? null;
    feature = await commitFiles(repo, changes, 'feature: every kind of change');

    await createBranch(repo, 'tidy', start);
    tidy = await commitFiles(repo, { [file('update')]: UPDATED }, 'tidy: one good change');

    await createBranch(repo, 'bad', start);
    bad = await commitFiles(repo, { [file('latin1')]: LATIN1 }, 'bad: not UTF-8');

    // main moves on after the branches were cut: base...head must not plan this file.
    await switchTo(repo, 'main');
    base = await commitFiles(repo, { [file('mainOnly')]: 'SELECT 99;\n' }, 'main moves on');

    api = await FakeVervericaApi.start({ credentials: [KEY] });
    seed(api);
  });

  afterAll(async () => {
    await api?.stop();
    if (repo) await removeDir(repo);
  });

  describe('same-repository pull request with credentials', () => {
    let run: ActionRun;

    /** The RAM identity lacks stream:GetDeploymentDraft on one draft; not retried, so once is enough. */
    const denyOnce = () =>
      api.failNext(
        1,
        {
          kind: 'status',
          status: 403,
          code: 'Forbidden.RAM',
          message: 'User not authorized to operate on the specified resource.',
        },
        { draftId: ID.denied },
      );

    beforeAll(async () => {
      await switchTo(repo, 'feature');
      api.reset();
      denyOnce();
      run = await plan(feature);
    });

    it('reads every affected draft and writes none', () => {
      expect(api.calls.length).toBeGreaterThan(0);
      expect(writes(api)).toEqual([]);
      for (const key of KEYS) {
        const draft = api.draft(WS, NS, ID[key]);
        if (key === 'missing') expect(draft).toBeUndefined();
        else if (key === 'jar') expect(draft?.artifact?.kind).toBe('JAR');
        else {
          expect(draft?.artifact?.sqlArtifact?.sqlScript).toBe(key === 'same' ? SAME : OLD);
          expect(draft?.labels).toEqual({ team: 'data' });
        }
      }
    });

    it('plans exactly the files of the base...head diff', () => {
      expect(rows(run).map((r) => r.file)).toEqual(expect.arrayContaining(FEATURE_KEYS.map(file)));
      expect(rows(run)).toHaveLength(FEATURE_KEYS.length);
      expect(Object.keys(statusOf(run))).not.toContain(file('mainOnly'));
      expect(Object.keys(statusOf(run))).not.toContain(file('quiet'));
    });

    it('reports would-update, unchanged, would-fail and skipped with their codes', () => {
      expect(statusOf(run)).toEqual({
        [file('update')]: ['would-update', null],
        [file('big')]: ['would-update', null],
        [file('same')]: ['unchanged', null],
        [file('missing')]: ['would-fail', 'DeploymentDraftNotFound'],
        [file('jar')]: ['would-fail', 'DraftNotSqlScript'],
        [file('denied')]: ['would-fail', 'Forbidden.RAM'],
        [file('gone')]: ['skipped', 'FileDeleted'],
      });
      const denied = rows(run).find((r) => r.draftId === ID.denied);
      expect(denied?.message).toContain('not authorized');
      expect(denied?.requestId).toEqual(expect.any(String));
    });

    it('sets the count outputs the same way apply does', () => {
      expect(run.outputs).toMatchObject({
        updated: '2',
        unchanged: '1',
        skipped: '1',
        failed: '3',
      });
    });

    it('shows a collapsible unified diff of the draft against the file', () => {
      expect(run.summary).toContain('Plan only: no draft was changed.');
      const block =
        /<details><summary>[^\n]*sql\/update\.sql[^\n]*<\/summary>\n\n(`{3,})diff\n([\s\S]*?)\1\n\n<\/details>/.exec(
          run.summary,
        );
      expect(block).not.toBeNull();
      const diff = block?.[2] ?? '';
      expect(diff).toContain('--- draft draft-update');
      expect(diff).toContain('+++ sql/update.sql');
      expect(diff).toMatch(/^-SELECT id, amount$/m);
      expect(diff).toMatch(/^\+SELECT id, amount, currency$/m);
      expect(diff).toMatch(/^\+WHERE amount > 0;$/m);
    });

    it('shortens a huge diff and says how much is left out', () => {
      expect(Buffer.byteLength(BIG)).toBeGreaterThan(2 * 1024 * 1024);
      expect(Buffer.byteLength(run.summary)).toBeLessThan(1024 * 1024);
      const block =
        /<summary>[^\n]*sql\/big\.sql[^\n]*<\/summary>\n\n`{3,}diff\n([\s\S]*?)\n`{3,}\n/.exec(
          run.summary,
        );
      expect(block?.[1]).toMatch(/^… \d+ more lines$/m);
      expect(block?.[1]).toContain(`+${BIG_LINE(0).trimEnd()}`);
      expect(block?.[1]).not.toContain(BIG_LINE(39_999).trimEnd());
    });

    it('fails the check on would-fail rows, so bad input is stopped before merge', () => {
      expect(run.exitCode).toBe(1);
      expect(run.stdout).toContain('::error::3 of 7 draft(s) would fail; see the job summary');
      const onFiles = run.annotations.filter((a) => a.level === 'error' && a.properties.file);
      expect(onFiles.map((a) => a.properties.file).sort()).toEqual(
        [file('denied'), file('jar'), file('missing')].sort(),
      );
    });

    it('keeps the check green with fail-on-error false, and still reports', async () => {
      await switchTo(repo, 'feature');
      api.reset();
      denyOnce();
      const lenient = await plan(feature, { 'fail-on-error': 'false' });
      expect(lenient.exitCode).toBe(0);
      expect(lenient.outputs.failed).toBe('3');
      expect(lenient.stdout).toMatch(
        /::warning::3 of 7 draft\(s\) would fail.*fail-on-error is false/,
      );
      expect(writes(api)).toEqual([]);
    });

    it('passes a clean plan', async () => {
      await switchTo(repo, 'tidy');
      api.reset();
      const clean = await plan(tidy);
      expect(clean.exitCode).toBe(0);
      expect(statusOf(clean)).toEqual({ [file('update')]: ['would-update', null] });
      expect(clean.annotations.filter((a) => a.level === 'error')).toEqual([]);
      expect(writes(api)).toEqual([]);
    });

    it('plans on a push too with mode: plan, and still writes nothing', async () => {
      await switchTo(repo, 'tidy');
      api.reset();
      const forced = await runAction({
        workspace: repo,
        eventName: 'push',
        event: pushEvent({ before: start, after: tidy, ref: 'refs/heads/tidy' }),
        inputs: { ...keyInputs(api, KEY), mode: 'plan' },
        env: { GITHUB_SHA: tidy },
      });
      expect(forced.exitCode).toBe(0);
      expect(statusOf(forced)).toEqual({ [file('update')]: ['would-update', null] });
      expect(forced.summary).toContain('Flink draft sync · plan');
      expect(writes(api)).toEqual([]);
    });
  });

  describe('pull request from a fork: no secrets, no OIDC token', () => {
    const NOTICE = 'Remote comparison skipped';

    function expectLocalOnly(run: ActionRun, why: RegExp): void {
      expect(run.exitCode).toBe(0);
      expect(api.calls).toEqual([]);
      expect(run.summary).toContain(NOTICE);
      expect(run.summary).toMatch(why);
      expect(run.summary).toContain('The manifest and the files were checked locally.');
      const notices = run.annotations.filter((a) => a.level === 'notice');
      expect(notices.map((n) => n.message).join('\n')).toContain(NOTICE);
      expect(run.annotations.filter((a) => a.level === 'error')).toEqual([]);
      const byFile = statusOf(run);
      for (const key of FEATURE_KEYS) {
        expect({ key, row: byFile[file(key)] }).toEqual({
          key,
          row: key === 'gone' ? ['skipped', 'FileDeleted'] : ['skipped', 'NoCredentials'],
        });
      }
      expect(run.outputs).toMatchObject({ updated: '0', failed: '0', skipped: '7' });
    }

    beforeAll(async () => {
      await switchTo(repo, 'feature');
    });

    it('checks the manifest and files locally and stays green without any credentials', async () => {
      api.reset();
      const run = await forkPlan(feature);
      expectLocalOnly(
        run,
        /no credentials are available \(secrets are not passed to pull requests from forks\)/,
      );
    });

    it('degrades the same way when OIDC inputs are set but the job gets no id-token', async () => {
      api.reset();
      const run = await forkPlan(feature, {
        'role-arn': 'acs:ram::1234567890123456:role/github-flink-drafts',
        'oidc-provider-arn': 'acs:ram::1234567890123456:oidc-provider/github',
        // Never reached: without ACTIONS_ID_TOKEN_REQUEST_URL there is no token to exchange.
        'sts-endpoint': 'http://127.0.0.1:9',
      });
      expectLocalOnly(run, /no OIDC token.*id-token: write.*forks never get one/);
    });

    it('degrades the same way when the key ID is a variable but the secret is withheld', async () => {
      api.reset();
      const run = await forkPlan(feature, { 'access-key-id': KEY.accessKeyId });
      expectLocalOnly(run, /access-key-id is set but access-key-secret is empty/);
    });

    it('still stops a file that is not valid UTF-8, without credentials', async () => {
      await switchTo(repo, 'bad');
      api.reset();
      const run = await forkPlan(bad);
      expect(run.exitCode).toBe(1);
      expect(api.calls).toEqual([]);
      expect(statusOf(run)).toEqual({ [file('latin1')]: ['would-fail', 'FileNotUtf8'] });
      expect(run.summary).toContain(NOTICE);
      const errors = run.annotations.filter((a) => a.level === 'error' && a.properties.file);
      expect(errors.map((a) => a.properties.file)).toEqual([file('latin1')]);
    });
  });
});
