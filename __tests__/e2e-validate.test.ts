// End to end, the server's SQL check: the bundled action plans a pull request whose files hold
// good and bad SQL, and the bad one is annotated at the line and column a reviewer sees.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runAction, type ActionRun } from './support/action-runner.js';
import { pullRequestEvent, pushEvent } from './support/events.js';
import { FakeVervericaApi } from './support/fake-ververica.js';
import { commitFiles, createBranch, initRepo, removeDir } from './support/git-repo.js';
import { keyInputs, manifestYaml, resultRows, sqlDraft } from './support/scenario.js';

const WS = 'a14bd5d90a0000';
const NS = 'default-namespace';
const KEY = { accessKeyId: 'LTAI5tValidateKeyId00', accessKeySecret: 'validate-secret-9d1e7a' };
const ENGINE = 'vvr-8.0.9-flink-1.17';

const ID = {
  good: 'a1b2c3d4-0000-4000-8000-000000000001',
  bad: 'a1b2c3d4-0000-4000-8000-000000000002',
  crlf: 'a1b2c3d4-0000-4000-8000-000000000003',
} as const;
type Key = keyof typeof ID;
const KEYS = Object.keys(ID) as Key[];
const file = (key: Key): string => `sql/${key}.sql`;

const OLD = 'INSERT INTO sink SELECT * FROM source;\n';
const CHANGED: Record<Key, string> = {
  good: 'INSERT INTO sink SELECT id, 金额 FROM source;\n',
  // The error is the '(' after CJK text and an emoji: column 15 for a reviewer, 16 in UTF-16.
  bad: "-- 订单 🚀\nINSERT INTO sink\nSELECT '订单🚀', (amount FROM source;\n",
  crlf: 'INSERT INTO sink SELECT 1;\r\nSELEC id FROM source;\r\n',
};

describe('the SQL check, end to end through dist/index.js', () => {
  let repo: string;
  let api: FakeVervericaApi;
  let base: string;
  let head: string;
  let planned: ActionRun;

  const plan = (inputs: Record<string, string> = {}) =>
    runAction({
      workspace: repo,
      eventName: 'pull_request',
      event: pullRequestEvent({ base, head, number: 5 }),
      inputs: { ...keyInputs(api, KEY), ...inputs },
      env: { GITHUB_SHA: head },
    });

  beforeAll(async () => {
    repo = await initRepo();
    const entries = KEYS.map((key) => ({ file: file(key), draftId: ID[key] }));
    const initial: Record<string, string> = {
      'flink-drafts.yaml': manifestYaml(entries, { workspace: WS, namespace: NS }),
    };
    for (const key of KEYS) initial[file(key)] = OLD;
    base = await commitFiles(repo, initial, 'initial');
    await createBranch(repo, 'feature', base);
    head = await commitFiles(
      repo,
      Object.fromEntries(KEYS.map((key) => [file(key), CHANGED[key]])),
      'feature: new SQL',
    );

    api = await FakeVervericaApi.start({ credentials: [KEY] });
    for (const key of KEYS) {
      api.seedDraft(
        sqlDraft({
          id: ID[key],
          name: `draft-${key}`,
          workspace: WS,
          namespace: NS,
          sqlScript: OLD,
          engineVersion: ENGINE,
          executionMode: 'STREAMING',
        }),
      );
    }
    // The runner's checkout holds the pull request's head.
    planned = await plan();
  }, 60_000);

  afterAll(async () => {
    await api?.stop();
    await removeDir(repo);
  });

  it('fails the plan on the bad files only, with SqlInvalid', () => {
    expect(planned.exitCode).toBe(1);
    expect(resultRows(planned).map((r) => [r.file, r.status, r.code])).toEqual([
      [file('good'), 'would-update', null],
      [file('bad'), 'would-fail', 'SqlInvalid'],
      [file('crlf'), 'would-fail', 'SqlInvalid'],
    ]);
  });

  it("annotates each error at its line and the column a reviewer sees, spanning the server's range", () => {
    const errors = planned.annotations.filter(
      (a) => a.level === 'error' && a.properties.file?.startsWith('sql/'),
    );
    const byFile = Object.fromEntries(errors.map((a) => [a.properties.file, a]));
    expect(byFile[file('bad')]?.properties).toMatchObject({
      line: '3',
      endLine: '3',
      col: '15',
      endColumn: '15',
    });
    expect(byFile[file('bad')]?.message).toContain("Unclosed '('");
    expect(byFile[file('crlf')]?.properties).toMatchObject({
      line: '2',
      endLine: '2',
      col: '1',
      endColumn: '5',
    });
  });

  it('gives the verdict and its place in the results output, for a script to read', () => {
    const bad = resultRows(planned).find((r) => r.file === file('bad'));
    expect(bad?.sqlCheck).toMatchObject({
      verdict: 'invalid',
      engineVersion: ENGINE,
      span: { line: 3, column: 15 },
    });
    const good = resultRows(planned).find((r) => r.file === file('good'));
    expect(good?.sqlCheck).toMatchObject({ verdict: 'valid' });
  });

  it('shows the verdict of each draft, and the engine it was checked on', () => {
    expect(planned.summary).toContain(`SQL checked on <code>${ENGINE}</code>: valid`);
    expect(planned.summary).toContain(
      `SQL checked on <code>${ENGINE}</code>: invalid at line 3, column 15`,
    );
  });

  it('writes nothing and takes no lock', () => {
    const actions = api.calls.map((c) => c.action);
    expect(actions.filter((a) => a === 'ValidateSqlStatement')).toHaveLength(3);
    expect(actions).not.toContain('GetDeploymentDraftLock');
    expect(actions).not.toContain('UpdateDeploymentDraft');
  });

  it('says on a fork pull request that the server check did not run, and why', async () => {
    const fork = await runAction({
      workspace: repo,
      eventName: 'pull_request',
      event: pullRequestEvent({ base, head, number: 6, fork: true }),
      inputs: { endpoint: api.url, 'comment-on-pr': 'false' },
      env: { GITHUB_SHA: head },
    });
    expect(fork.summary).toContain('SQL not checked: no credentials are available');
    expect(resultRows(fork).every((r) => r.status === 'skipped')).toBe(true);
  });

  it('with validate: never, plans as before', async () => {
    const before = api.calls.length;
    const run = await plan({ validate: 'never' });
    expect(run.exitCode).toBe(0);
    expect(api.calls.slice(before).map((c) => c.action)).not.toContain('ValidateSqlStatement');
  });

  it('apply with validate: always writes the good script and keeps the bad ones out', async () => {
    const run = await runAction({
      workspace: repo,
      eventName: 'push',
      event: pushEvent({ before: base, after: head }),
      inputs: { ...keyInputs(api, KEY), validate: 'always' },
      env: { GITHUB_SHA: head },
    });
    expect(run.exitCode).toBe(1);
    expect(resultRows(run).map((r) => [r.file, r.status, r.code])).toEqual([
      [file('good'), 'updated', null],
      [file('bad'), 'failed', 'SqlInvalid'],
      [file('crlf'), 'failed', 'SqlInvalid'],
    ]);
    const script = (key: Key) => api.draft(WS, NS, ID[key])?.artifact?.sqlArtifact?.sqlScript;
    expect(script('good')).toBe(CHANGED.good);
    expect(script('bad')).toBe(OLD);
    expect(script('crlf')).toBe(OLD);
  });
});
