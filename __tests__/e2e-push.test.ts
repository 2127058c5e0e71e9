// End to end: the bundled action (dist/index.js) in a child process, exactly as a runner starts it,
// on a real git repository with a real push payload, against the fake Ververica API.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { runAction, type ActionRun } from './support/action-runner.js';
import { pushEvent, workflowDispatchEvent } from './support/events.js';
import { FakeVervericaApi, principalOf } from './support/fake-ververica.js';
import { commitFiles, initRepo, removeDir } from './support/git-repo.js';

const WS = 'a14bd5d90a0000';
const NS = 'default-namespace';
const KEY = { accessKeyId: 'LTAI5tE2eKeyId00000000', accessKeySecret: 'e2e-secret-value-4d1f9' };

const ID = {
  cjk: 'c84d73be-40ad-4627-8bdd-fa1eba51b234',
  crlf: '0b8f1c2e-5d4a-4f3b-9e21-7a6c5d4e3f21',
  big: '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9',
  same: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
  jar: '11111111-2222-4333-8444-555555555555',
  locked: '66666666-7777-4888-9999-aaaaaaaaaaaa',
  missing: '22222222-3333-4444-8555-666666666666',
  gone: '33333333-4444-4555-8666-777777777777',
  latin1: '44444444-5555-4666-8777-888888888888',
  nul: '55555555-6666-4777-8888-999999999999',
  quiet: '77777777-8888-4999-aaaa-bbbbbbbbbbbb',
} as const;
type Key = keyof typeof ID;
const FILE: Record<Key, string> = {
  cjk: 'sql/订单_enrich.sql',
  crlf: 'sql/sessions.sql',
  big: 'sql/big.sql',
  same: 'sql/same.sql',
  jar: 'sql/jar.sql',
  locked: 'sql/locked.sql',
  missing: 'sql/missing.sql',
  gone: 'sql/gone.sql',
  latin1: 'sql/latin1.sql',
  nul: 'sql/nul.sql',
  quiet: 'sql/quiet.sql',
};

const OLD = '-- old\nSELECT 1;\n';
const NEW: Record<Key, string | Uint8Array | null> = {
  cjk: '-- 订单宽表 🚀 émoji ✅\nINSERT INTO 宽表 SELECT * FROM orders;\n',
  crlf: 'INSERT INTO sessions\r\nSELECT user_id\r\nFROM clicks;\r\n',
  big: `-- big\n${'INSERT INTO t SELECT 1; -- padding padding padding padding padding\n'.repeat(16_384)}`,
  same: 'SELECT 42;\n',
  jar: 'SELECT 2;\n',
  locked: 'SELECT 3;\n',
  missing: 'SELECT 4;\n',
  gone: null,
  latin1: Uint8Array.from([0x53, 0x45, 0x4c, 0x45, 0x43, 0x54, 0x20, 0xe9, 0x3b, 0x0a]),
  nul: 'SELECT 5;\u0000\n',
  quiet: OLD,
};

function manifest(): string {
  const lines = ['version: 1', 'defaults:', `  workspace: ${WS}`, `  namespace: ${NS}`, 'drafts:'];
  for (const key of Object.keys(ID) as Key[]) {
    lines.push(`  - file: ${FILE[key]}`, `    draftId: ${ID[key]}`);
  }
  return `${lines.join('\n')}\n`;
}

function seed(api: FakeVervericaApi): void {
  for (const key of Object.keys(ID) as Key[]) {
    if (key === 'missing') continue;
    api.seedDraft({
      deploymentDraftId: ID[key],
      name: `draft-${key}`,
      workspace: WS,
      namespace: NS,
      engineVersion: 'vvr-8.0.9-flink-1.17',
      executionMode: 'STREAMING',
      parentId: 'folder-1',
      artifact:
        key === 'jar'
          ? { kind: 'JAR', jarArtifact: { jarUri: 'oss://b/app.jar' } }
          : {
              kind: 'SQLSCRIPT',
              sqlArtifact: {
                sqlScript: key === 'same' ? (NEW.same as string) : OLD,
                additionalDependencies: ['oss://b/udf.jar'],
              },
            },
      localVariables: [{ name: 'env', value: 'prod' }],
      labels: { team: 'data' },
      createdAt: 1_760_000_000,
      modifiedAt: 1_760_000_000,
    });
  }
  api.lockDraft(WS, NS, ID.locked, 'Li Wei');
}

describe('push to main, end to end through dist/index.js', () => {
  let repo: string;
  let api: FakeVervericaApi;
  let before: string;
  let after: string;
  let first: ActionRun;

  const run = (inputs: Record<string, string> = {}, eventName = 'push', event?: unknown) =>
    runAction({
      workspace: repo,
      eventName,
      event: event ?? pushEvent({ before, after }),
      inputs: {
        endpoint: api.url,
        'access-key-id': KEY.accessKeyId,
        'access-key-secret': KEY.accessKeySecret,
        'comment-on-pr': 'false',
        ...inputs,
      },
      env: { GITHUB_SHA: after },
    });

  beforeAll(async () => {
    repo = await initRepo();
    const initial: Record<string, string> = { 'flink-drafts.yaml': manifest() };
    for (const key of Object.keys(ID) as Key[]) initial[FILE[key]] = OLD;
    before = await commitFiles(repo, initial, 'initial');
    const changed: Record<string, string | Uint8Array | null> = {};
    for (const key of Object.keys(ID) as Key[]) if (key !== 'quiet') changed[FILE[key]] = NEW[key];
    after = await commitFiles(repo, changed, 'change every kind of file');
    api = await FakeVervericaApi.start({ credentials: [KEY] });
    seed(api);
    first = await run();
  });

  afterAll(async () => {
    await api?.stop();
    if (repo) await removeDir(repo);
  });

  const rows = () => JSON.parse(first.outputs.results ?? '[]') as Array<Record<string, unknown>>;
  const row = (key: Key) => rows().find((r) => r.draftId === ID[key]);

  it('fails the step because some drafts failed', () => {
    expect(first.exitCode).toBe(1);
    expect(first.stdout).toContain('::error::5 of 10 draft(s) failed');
  });

  it('writes exactly the repository bytes: CJK, emoji, CRLF and a 1 MiB script', () => {
    for (const key of ['cjk', 'crlf', 'big'] as const) {
      const script = api.draft(WS, NS, ID[key])?.artifact?.sqlArtifact?.sqlScript;
      expect(
        Buffer.from(script ?? '', 'utf8').equals(Buffer.from(NEW[key] as string, 'utf8')),
      ).toBe(true);
    }
    expect(Buffer.byteLength(NEW.big as string)).toBeGreaterThanOrEqual(1024 * 1024);
  });

  it('keeps every other field of an updated draft', () => {
    const draft = api.draft(WS, NS, ID.crlf);
    expect(draft).toMatchObject({
      name: 'draft-crlf',
      engineVersion: 'vvr-8.0.9-flink-1.17',
      executionMode: 'STREAMING',
      parentId: 'folder-1',
      localVariables: [{ name: 'env', value: 'prod' }],
      createdAt: 1_760_000_000,
    });
    expect(draft?.artifact?.sqlArtifact?.additionalDependencies).toEqual(['oss://b/udf.jar']);
    // Only the action's own labels change: the commit, the lock it wrote under, the repository.
    expect(draft?.labels).toEqual({
      team: 'data',
      'flink-draft-sync/commit': after,
      'flink-draft-sync/lock-holder': principalOf(KEY).id,
      'flink-draft-sync/repository': 'github.com/octo-org/flink-jobs',
    });
    expect(draft?.lock?.holderId).toBe(principalOf(KEY).id);
  });

  it('never touches drafts that failed, were skipped, or whose file did not change', () => {
    for (const key of ['locked', 'gone', 'latin1', 'nul', 'quiet'] as const) {
      expect(api.draft(WS, NS, ID[key])?.artifact?.sqlArtifact?.sqlScript).toBe(OLD);
    }
    expect(api.draft(WS, NS, ID.jar)?.artifact).toEqual({
      kind: 'JAR',
      jarArtifact: { jarUri: 'oss://b/app.jar' },
    });
  });

  it('reports each status and code', () => {
    const expected: Array<[Key, string, string | null]> = [
      ['cjk', 'updated', null],
      ['crlf', 'updated', null],
      ['big', 'updated', null],
      ['same', 'unchanged', null],
      ['jar', 'failed', 'DraftNotSqlScript'],
      ['locked', 'failed', 'DraftLocked'],
      ['missing', 'failed', 'DeploymentDraftNotFound'],
      ['gone', 'skipped', 'FileDeleted'],
      ['latin1', 'failed', 'FileNotUtf8'],
      ['nul', 'failed', 'FileHasNulByte'],
    ];
    for (const [key, status, code] of expected) {
      expect({ key, status: row(key)?.status, code: row(key)?.code }).toEqual({
        key,
        status,
        code,
      });
    }
    expect(row('quiet')).toBeUndefined();
    expect(String(row('locked')?.message)).toContain('Li Wei');
    expect(row('missing')?.requestId).toEqual(expect.any(String));
    expect(row('cjk')).toMatchObject({
      file: FILE.cjk,
      draftName: 'draft-cjk',
      workspace: WS,
      namespace: NS,
    });
  });

  it('sets the count outputs', () => {
    expect(first.outputs).toMatchObject({
      updated: '3',
      unchanged: '1',
      skipped: '1',
      failed: '5',
    });
    expect(rows()).toHaveLength(10);
  });

  it('renders one escaped summary row per draft', () => {
    expect(first.summary).toContain('3 updated');
    for (const key of Object.keys(ID) as Key[]) {
      if (key === 'quiet') expect(first.summary).not.toContain(ID[key]);
      else expect(first.summary).toContain(ID[key]);
    }
    expect(first.summary).toContain('DraftNotSqlScript');
    expect(first.summary).toContain('订单_enrich.sql');
    expect(first.summary).not.toContain('<script');
  });

  it('annotates each failure on its .sql file', () => {
    const errors = first.annotations.filter((a) => a.level === 'error' && a.properties.file);
    expect(errors.map((a) => a.properties.file).sort()).toEqual(
      [FILE.jar, FILE.locked, FILE.missing, FILE.latin1, FILE.nul].sort(),
    );
  });

  it('never prints the secret', () => {
    for (const text of [first.stdout, first.stderr, first.summary, first.outputFile]) {
      const withoutMaskCommands = text.replace(/^::add-mask::.*$/gm, '');
      expect(withoutMaskCommands).not.toContain(KEY.accessKeySecret);
    }
  });

  it('makes zero PATCH calls when the same push runs again', async () => {
    api.reset();
    const again = await run();
    // Nothing is written, and no lock is asked for: the draft a person still has locked is
    // seen locked in its read, and every draft updated the first time is left alone.
    const writes = api.calls.filter((c) => c.method !== 'GET');
    expect(writes).toEqual([]);
    const results = JSON.parse(again.outputs.results ?? '[]') as Array<{
      draftId: string;
      status: string;
    }>;
    for (const key of ['cjk', 'crlf', 'big', 'same'] as const) {
      expect(results.find((r) => r.draftId === ID[key])?.status).toBe('unchanged');
    }
    expect(again.outputs.updated).toBe('0');
  });

  it('exits 0 with fail-on-error false, and still reports the failures', async () => {
    const lenient = await run({ 'fail-on-error': 'false' });
    expect(lenient.exitCode).toBe(0);
    expect(lenient.outputs.failed).toBe('5');
  });

  it('syncs every entry on workflow_dispatch', async () => {
    api.reset();
    const all = await run({}, 'workflow_dispatch', workflowDispatchEvent());
    const results = JSON.parse(all.outputs.results ?? '[]') as Array<{ draftId: string }>;
    expect(results.map((r) => r.draftId)).toContain(ID.quiet);
    expect(results).toHaveLength(11);
  });
});

describe('bad input stops the run before any remote call', () => {
  let repo: string;
  let api: FakeVervericaApi;

  beforeAll(async () => {
    api = await FakeVervericaApi.start({ credentials: [KEY] });
  });
  afterAll(async () => {
    await api?.stop();
    if (repo) await removeDir(repo);
  });

  async function runWith(files: Record<string, string>, inputs: Record<string, string> = {}) {
    if (repo) await removeDir(repo);
    repo = await initRepo();
    const base = await commitFiles(repo, { 'README.md': 'x\n' }, 'base');
    const head = await commitFiles(repo, files, 'change');
    api.reset();
    return runAction({
      workspace: repo,
      eventName: 'push',
      event: pushEvent({ before: base, after: head }),
      inputs: {
        endpoint: api.url,
        'access-key-id': KEY.accessKeyId,
        'access-key-secret': KEY.accessKeySecret,
        'comment-on-pr': 'false',
        ...inputs,
      },
    });
  }

  it('reports every manifest problem with its line and makes no call', async () => {
    const result = await runWith({
      'flink-drafts.yaml': [
        'version: 1',
        'drafts:',
        '  - file: sql/a.sql',
        '    draftId: not-a-uuid',
        '    workspace: w',
        '    namespace: n',
        '  - file: /etc/passwd.sql',
        '    draftid: c84d73be-40ad-4627-8bdd-fa1eba51b234',
        '',
      ].join('\n'),
      'sql/a.sql': 'SELECT 1;\n',
    });
    expect(result.exitCode).toBe(1);
    expect(api.calls).toHaveLength(0);
    const problems = result.annotations.filter(
      (a) => a.level === 'error' && a.properties.file === 'flink-drafts.yaml',
    );
    expect(problems.map((p) => p.properties.line)).toEqual(expect.arrayContaining(['4', '7', '8']));
    expect(result.stdout).toContain('draftId');
    expect(result.stdout).not.toMatch(/\n\s+at .*\.js:\d+/); // no stack trace
  });

  it('names the broken manifest first, even when git cannot read the push', async () => {
    if (repo) await removeDir(repo);
    repo = await initRepo();
    const base = await commitFiles(
      repo,
      { 'flink-drafts.yaml': 'version: 1\ndrafts:\n  - file: sql/a.sql\n' },
      'base',
    );
    api.reset();
    const result = await runAction({
      workspace: repo,
      eventName: 'push',
      // A commit this checkout does not have: git's part of the run fails too.
      event: pushEvent({ before: base, after: 'f'.repeat(40) }),
      inputs: { endpoint: api.url, 'comment-on-pr': 'false' },
    });
    expect(result.exitCode).toBe(1);
    expect(api.calls).toHaveLength(0);
    expect(result.stdout).toMatch(
      /manifest flink-drafts\.yaml has 3 problem\(s\); nothing was synced/,
    );
    expect(result.stdout).not.toContain('f'.repeat(40));
  });

  it('does nothing for a push that deletes the branch', async () => {
    if (repo) await removeDir(repo);
    repo = await initRepo();
    const base = await commitFiles(repo, { 'README.md': 'x\n' }, 'base');
    api.reset();
    const result = await runAction({
      workspace: repo,
      eventName: 'push',
      event: pushEvent({ before: base, after: '0'.repeat(40), ref: 'refs/heads/feature' }),
      inputs: { endpoint: api.url, 'comment-on-pr': 'false' },
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('deleted the branch');
    expect(api.calls).toHaveLength(0);
  });

  it('refuses a manifest over 1 MiB before reading it, and makes no call', async () => {
    const result = await runWith(
      { 'big.yaml': `version: 1\n# ${'x'.repeat(1024 * 1024)}\n`, 'sql/a.sql': 'SELECT 1;\n' },
      { manifest: 'big.yaml' },
    );
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(
      /manifest big\.yaml: big\.yaml is \d+ bytes; the limit is 1048576 bytes/,
    );
    expect(api.calls).toHaveLength(0);
  });

  it('refuses a manifest that is a FIFO instead of hanging', async () => {
    if (repo) await removeDir(repo);
    repo = await initRepo();
    const base = await commitFiles(repo, { 'README.md': 'x\n' }, 'base');
    const head = await commitFiles(repo, { 'sql/a.sql': 'SELECT 1;\n' }, 'change');
    execFileSync('mkfifo', [path.join(repo, 'flink-drafts.yaml')]);
    api.reset();
    const result = await runAction({
      workspace: repo,
      eventName: 'push',
      event: pushEvent({ before: base, after: head }),
      inputs: { endpoint: api.url, 'comment-on-pr': 'false' },
    });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain(
      'manifest flink-drafts.yaml: flink-drafts.yaml is not a regular file',
    );
    expect(api.calls).toHaveLength(0);
  });

  it('refuses a plain-http endpoint that is not loopback', async () => {
    const result = await runWith(
      {
        'flink-drafts.yaml': `version: 1\ndrafts:\n  - file: sql/a.sql\n    draftId: c84d73be-40ad-4627-8bdd-fa1eba51b234\n    workspace: w\n    namespace: n\n`,
        'sql/a.sql': 'SELECT 1;\n',
      },
      { endpoint: 'http://ververica.example.com' },
    );
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/endpoint/);
    expect(api.calls).toHaveLength(0);
  });
});
