// The CLI end to end: dist/cli.js as a child process, on a real git repository, against the fake
// API (and the fake STS for a GitLab-style OIDC token file). Its JSON rows must be the action's
// `results` rows for the same repository and manifest, but for request IDs.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ROOT, runAction } from './support/action-runner.js';
import { pullRequestEvent, pushEvent } from './support/events.js';
import { FakeVervericaApi } from './support/fake-ververica.js';
import { startFakeSts, type FakeSts } from './support/fake-sts.js';
import { commitFiles, createBranch, initRepo, removeDir } from './support/git-repo.js';
import {
  keyInputs,
  manifestYaml,
  resultRows,
  sqlDraft,
  type ResultRow,
} from './support/scenario.js';

const CLI = path.join(ROOT, 'dist', 'cli.js');
const WS = 'a14bd5d90a0000';
const NS = 'default-namespace';
const KEY = { accessKeyId: 'LTAI5tCliKeyId0000001', accessKeySecret: 'cli-secret-5e8d2f0a' };
const ROLE_ARN = 'acs:ram::1234567890123456:role/flink-draft-sync';
const PROVIDER_ARN = 'acs:ram::1234567890123456:oidc-provider/gitlab';
const ROLE = { id: '300000000000000009', name: 'flink-gitlab-role' };

const ID = {
  orders: 'c1b2c3d4-0000-4000-8000-000000000001',
  sessions: 'c1b2c3d4-0000-4000-8000-000000000002',
  same: 'c1b2c3d4-0000-4000-8000-000000000003',
  locked: 'c1b2c3d4-0000-4000-8000-000000000004',
} as const;
type Key = keyof typeof ID;
const KEYS = Object.keys(ID) as Key[];
const file = (key: Key) => `sql/${key}.sql`;
const OLD = 'INSERT INTO sink SELECT * FROM source;\n';
const NEW = 'INSERT INTO sink SELECT id FROM source;\n';

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      // Only what a CI job would set: no runner variables, no HOME profile unless given.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: options.cwd, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** What must agree between the two shells: everything but request IDs. */
function comparable(rows: ResultRow[]) {
  return rows.map((r) => [r.file, r.draftId, r.workspace, r.namespace, r.status, r.code]);
}

async function seededApi(credentials = [KEY]): Promise<FakeVervericaApi> {
  const api = await FakeVervericaApi.start({ credentials });
  for (const key of KEYS) {
    api.seedDraft(
      sqlDraft({
        id: ID[key],
        name: `draft-${key}`,
        workspace: WS,
        namespace: NS,
        sqlScript: key === 'same' ? NEW : OLD,
      }),
    );
  }
  api.lockDraft(WS, NS, ID.locked, 'Zhang San');
  return api;
}

describe('the CLI, end to end through dist/cli.js', () => {
  let repo: string;
  let base: string;
  let head: string;
  const keyEnv = () => ({
    ALIBABA_CLOUD_ACCESS_KEY_ID: KEY.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: KEY.accessKeySecret,
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
    head = await commitFiles(repo, Object.fromEntries(KEYS.map((k) => [file(k), NEW])), 'new SQL');
  }, 60_000);

  afterAll(async () => {
    await removeDir(repo);
  });

  it('plans like the action plans the pull request: the same rows, no write', async () => {
    const api = await seededApi();
    try {
      const cli = await runCli(
        ['plan', '--since', base, '--endpoint', api.url, '--format', 'json'],
        {
          cwd: repo,
          env: keyEnv(),
        },
      );
      expect(cli.code).toBe(1);
      const action = await runAction({
        workspace: repo,
        eventName: 'pull_request',
        event: pullRequestEvent({ base, head, number: 3 }),
        inputs: keyInputs(api, KEY),
        env: { GITHUB_SHA: head },
      });
      const rows = JSON.parse(cli.stdout) as ResultRow[];
      expect(comparable(rows)).toEqual(comparable(resultRows(action)));
      expect(comparable(rows)).toEqual([
        [file('orders'), ID.orders, WS, NS, 'would-update', null],
        [file('sessions'), ID.sessions, WS, NS, 'would-update', null],
        [file('same'), ID.same, WS, NS, 'unchanged', null],
        [file('locked'), ID.locked, WS, NS, 'would-fail', 'DraftLocked'],
      ]);
      expect(api.calls.filter((c) => c.method === 'PATCH')).toEqual([]);
      expect(cli.stdout + cli.stderr).not.toContain(KEY.accessKeySecret);
    } finally {
      await api.stop();
    }
  }, 60_000);

  it('applies like the action applies the push, and exits 1 for the draft that failed', async () => {
    const forCli = await seededApi();
    const forAction = await seededApi();
    try {
      const cli = await runCli(
        ['apply', '--since', base, '--endpoint', forCli.url, '--format', 'json'],
        {
          cwd: repo,
          env: keyEnv(),
        },
      );
      const action = await runAction({
        workspace: repo,
        eventName: 'push',
        event: pushEvent({ before: base, after: head }),
        inputs: keyInputs(forAction, KEY),
        env: { GITHUB_SHA: head },
      });
      expect(cli.code).toBe(1);
      expect(action.exitCode).toBe(1);
      expect(comparable(JSON.parse(cli.stdout) as ResultRow[])).toEqual(
        comparable(resultRows(action)),
      );
      for (const key of ['orders', 'sessions'] as const) {
        expect(forCli.draft(WS, NS, ID[key])?.artifact?.sqlArtifact?.sqlScript).toBe(NEW);
      }
    } finally {
      await forCli.stop();
      await forAction.stop();
    }
  }, 60_000);

  it('prints a table on a terminal, and the job summary as markdown', async () => {
    const api = await seededApi();
    try {
      const table = await runCli(['plan', file('orders'), '--endpoint', api.url], {
        cwd: repo,
        env: keyEnv(),
      });
      expect(table.code).toBe(0);
      expect(table.stdout.split('\n')[0]).toMatch(/^STATUS +FILE +DRAFT +CODE +MESSAGE$/);
      expect(table.stdout).toMatch(/would-update +sql\/orders\.sql +draft-orders/);
      // stderr is no terminal here: no progress line, no escape codes.
      expect(table.stderr).not.toContain('\x1b[');
      const markdown = await runCli(
        ['plan', file('orders'), '--endpoint', api.url, '--format', 'markdown'],
        {
          cwd: repo,
          env: keyEnv(),
        },
      );
      expect(markdown.stdout).toContain('<h2>Flink draft sync · plan');
      expect(markdown.stdout).toContain('<details><summary>📝 draft-orders');
    } finally {
      await api.stop();
    }
  }, 60_000);

  it('checks the manifest and files with no credentials and no call; exits 2 on a broken manifest', async () => {
    const checked = await runCli(['check', '--format', 'json'], { cwd: repo });
    expect(checked.code).toBe(0);
    const rows = JSON.parse(checked.stdout) as ResultRow[];
    expect(rows.map((r) => [r.file, r.status, r.code])).toEqual(
      KEYS.map((key) => [file(key), 'skipped', 'NoCredentials']),
    );
    const broken = await initRepo();
    try {
      await commitFiles(
        broken,
        { 'flink-drafts.yaml': 'version: 1\ndrafts:\n  - file: a.sql\n    draftid: x\n' },
        'bad',
      );
      const run = await runCli(['check'], { cwd: broken });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('flink-drafts.yaml:4:5: drafts[0].draftid: unknown key');
    } finally {
      await removeDir(broken);
    }
  }, 60_000);

  it('refuses a secret given as a flag before any call, naming the variable to use', async () => {
    const api = await seededApi();
    try {
      const run = await runCli(
        [
          'apply',
          '--endpoint',
          api.url,
          '--access-key-id',
          KEY.accessKeyId,
          '--access-key-secret',
          KEY.accessKeySecret,
        ],
        { cwd: repo },
      );
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('ALIBABA_CLOUD_ACCESS_KEY_SECRET');
      expect(run.stderr).toContain('shell history');
      expect(run.stderr).not.toContain(KEY.accessKeySecret);
      expect(api.calls).toEqual([]);
    } finally {
      await api.stop();
    }
  });

  it('exits 2 with the problem for bad usage and bad settings', async () => {
    const cases: Array<[string[], string]> = [
      [['deploy'], 'unknown command "deploy"'],
      [
        ['plan', '--concurrency', '0'],
        'input concurrency: expected a whole number from 1 to 64, got "0"',
      ],
      [['plan', '--since', 'no-such-branch'], '--since no-such-branch: no such commit'],
      [['plan', '--all', file('orders')], 'give one of --since <rev>, --all or paths'],
      [['plan', 'sql/unmapped.sql'], 'not in the manifest: sql/unmapped.sql'],
      [['apply', '--mode', 'plan'], '--mode plan contradicts the apply command'],
      [['plan', '--colour'], "Unknown option '--colour'"],
    ];
    for (const [args, says] of cases) {
      const run = await runCli(args, { cwd: repo });
      expect({ args, code: run.code, says: run.stderr.includes(says) }).toEqual({
        args,
        code: 2,
        says: true,
      });
    }
  }, 60_000);

  it("reads a profile of the Alibaba Cloud CLI's config file", async () => {
    const api = await seededApi();
    const home = await mkdtemp(path.join(os.tmpdir(), 'fds-home-'));
    try {
      await mkdir(path.join(home, '.aliyun'));
      await writeFile(
        path.join(home, '.aliyun', 'config.json'),
        JSON.stringify({
          current: 'prod',
          profiles: [
            { name: 'other', mode: 'RamRoleArn' },
            {
              name: 'prod',
              mode: 'AK',
              access_key_id: KEY.accessKeyId,
              access_key_secret: KEY.accessKeySecret,
            },
          ],
        }),
      );
      const run = await runCli(
        ['plan', file('orders'), '--endpoint', api.url, '--format', 'json'],
        {
          cwd: repo,
          env: { HOME: home },
        },
      );
      expect(run.code).toBe(0);
      expect((JSON.parse(run.stdout) as ResultRow[]).map((r) => r.status)).toEqual([
        'would-update',
      ]);
      const other = await runCli(['plan', '--endpoint', api.url, '--profile', 'other'], {
        cwd: repo,
        env: { HOME: home },
      });
      expect(other.code).toBe(2);
      expect(other.stderr).toContain('mode RamRoleArn; only AK and StsToken profiles are read');
    } finally {
      await api.stop();
      await rm(home, { recursive: true, force: true });
    }
  }, 60_000);

  describe('keyless from GitLab CI: OIDC from a token file', () => {
    let sts: FakeSts;
    let api: FakeVervericaApi;
    let tokenDir: string;

    beforeAll(async () => {
      api = await seededApi([]);
      api.lockDraft(WS, NS, ID.locked, 'Zhang San');
      sts = await startFakeSts({
        onIssue: (issued) =>
          api.addCredential({
            accessKeyId: issued.AccessKeyId,
            accessKeySecret: issued.AccessKeySecret,
            securityToken: issued.SecurityToken,
            securityTokenExpiresAt: Date.parse(issued.Expiration),
            principal: ROLE,
          }),
      });
      tokenDir = await mkdtemp(path.join(os.tmpdir(), 'fds-token-'));
    });

    afterAll(async () => {
      await api.stop();
      await sts.close();
      await rm(tokenDir, { recursive: true, force: true });
    });

    it('exchanges the token (its trailing newline dropped) and applies like the action', async () => {
      const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwcm9qZWN0X3BhdGg6b3JnL2ZsaW5rIn0.c2lnbmF0dXJl';
      const tokenFile = path.join(tokenDir, 'gitlab-oidc-token');
      await writeFile(tokenFile, `${token}\n`);
      const run = await runCli(
        [
          'apply',
          '--since',
          base,
          '--endpoint',
          api.url,
          '--sts-endpoint',
          sts.url.origin,
          '--format',
          'json',
        ],
        {
          cwd: repo,
          env: {
            ALIBABA_CLOUD_ROLE_ARN: ROLE_ARN,
            ALIBABA_CLOUD_OIDC_PROVIDER_ARN: PROVIDER_ARN,
            ALIBABA_CLOUD_OIDC_TOKEN_FILE: tokenFile,
          },
        },
      );
      expect(run.code).toBe(1);
      expect(sts.violations).toEqual([]);
      expect(
        sts.calls.map((c) => [c.params.RoleArn, c.params.OIDCProviderArn, c.params.OIDCToken]),
      ).toEqual([[ROLE_ARN, PROVIDER_ARN, token]]);
      expect(comparable(JSON.parse(run.stdout) as ResultRow[])).toEqual([
        [file('orders'), ID.orders, WS, NS, 'updated', null],
        [file('sessions'), ID.sessions, WS, NS, 'updated', null],
        [file('same'), ID.same, WS, NS, 'unchanged', null],
        [file('locked'), ID.locked, WS, NS, 'failed', 'DraftLocked'],
      ]);
      const issued = sts.issued[0];
      expect(run.stdout + run.stderr).not.toContain(issued?.AccessKeySecret ?? 'none');
      expect(run.stdout + run.stderr).not.toContain(token);
    });

    it('says which variable to set when the token file is missing', async () => {
      const run = await runCli(
        ['apply', '--since', base, '--endpoint', api.url, '--sts-endpoint', sts.url.origin],
        {
          cwd: repo,
          env: {
            ALIBABA_CLOUD_ROLE_ARN: ROLE_ARN,
            ALIBABA_CLOUD_OIDC_PROVIDER_ARN: PROVIDER_ARN,
            ALIBABA_CLOUD_OIDC_TOKEN_FILE: path.join(tokenDir, 'missing'),
          },
        },
      );
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('ALIBABA_CLOUD_OIDC_TOKEN_FILE');
    });
  });

  it('gives every flag the description action.yml gives its input', async () => {
    const run = await runCli(['apply', '--help'], { cwd: repo });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--deploy, --no-deploy');
    expect(run.stdout).toContain('--wait-minutes <value>');
    expect(run.stdout).toContain('How long a restarted job may take to reach RUNNING');
    expect(run.stdout).not.toContain('--access-key-secret <value>');
  });
});
