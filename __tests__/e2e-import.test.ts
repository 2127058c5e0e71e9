// `flink-draft-sync import` end to end: dist/cli.js as a child process against the fake API. A
// namespace built by hand (folders, SQL drafts with their fields, a JAR draft, hostile names) comes
// into git byte for byte; a second run changes nothing; a file edited locally is left unless
// --force; nothing is written outside --out; and the next plan shows every draft unchanged.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ROOT } from './support/action-runner.js';
import { FakeVervericaApi } from './support/fake-ververica.js';
import { commitAll, initRepo, makeTempDir, removeDir } from './support/git-repo.js';
import { sqlDraft } from './support/scenario.js';

const CLI = path.join(ROOT, 'dist', 'cli.js');
const WS = 'a14bd5d90a0000';
const NS = 'default-namespace';
const KEY = { accessKeyId: 'LTAI5tImportKeyId0001', accessKeySecret: 'import-secret-7c1e9b' };
const ID = {
  root: 'e1b2c3d4-0000-4000-8000-000000000001',
  enrich: 'e1b2c3d4-0000-4000-8000-000000000002',
  jar: 'e1b2c3d4-0000-4000-8000-000000000003',
  climbing: 'e1b2c3d4-0000-4000-8000-000000000004',
  batch: 'e1b2c3d4-0000-4000-8000-000000000005',
} as const;
/** CRLF, a BOM-less CJK comment and no final newline: byte for byte means all of it. */
const ENRICH = '-- 订单\r\nINSERT INTO sink\r\nSELECT * FROM orders';

function cli(args: string[], cwd: string, _api?: FakeVervericaApi) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: cwd,
        ALIBABA_CLOUD_ACCESS_KEY_ID: KEY.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: KEY.accessKeySecret,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('flink-draft-sync import', () => {
  let repo: string;
  let api: FakeVervericaApi;

  beforeEach(async () => {
    repo = await initRepo();
    api = await FakeVervericaApi.start({ credentials: [KEY] });
    const enrichment = api.seedFolder(WS, NS, 'orders/enrichment');
    const reports = api.seedFolder(WS, NS, 'reports');
    const draft = (id: string, name: string, sqlScript: string) =>
      sqlDraft({
        id,
        name,
        workspace: WS,
        namespace: NS,
        sqlScript,
        engineVersion: 'vvr-8.0.11-flink-1.17',
        executionMode: 'STREAMING',
      });
    api.seedDraft(draft(ID.root, 'top-level', 'SELECT 1;\n'));
    api.seedDraft({
      ...draft(ID.enrich, 'orders-enrich', ENRICH),
      parentId: enrichment,
      localVariables: [{ name: 'region', value: 'eu' }],
      artifact: {
        kind: 'SQLSCRIPT',
        sqlArtifact: { sqlScript: ENRICH, additionalDependencies: ['s3://b/udf.jar'] },
      },
    });
    api.seedDraft({
      ...draft(ID.batch, 'daily', 'SELECT 2;\n'),
      parentId: reports,
      executionMode: 'BATCH',
    });
    api.seedDraft({
      deploymentDraftId: ID.jar,
      name: 'a-jar',
      workspace: WS,
      namespace: NS,
      artifact: { kind: 'JAR', jarArtifact: { jarUri: 's3://b/job.jar' } },
    });
    api.seedDraft(draft(ID.climbing, '..', 'SELECT 3;\n'));
  }, 30_000);
  afterEach(async () => {
    await api.stop();
    await removeDir(repo);
  });

  const importArgs = (...extra: string[]) => [
    'import',
    '--workspace',
    WS,
    '--namespace',
    NS,
    '--endpoint',
    api.url,
    '--out',
    'jobs',
    ...extra,
  ];

  it('writes each SQL draft byte for byte, lists the rest as skipped, and writes the manifest', async () => {
    const run = await cli(importArgs(), repo, api);
    expect(run.stderr).not.toContain(KEY.accessKeySecret);
    expect(run.code).toBe(0);
    expect(await readFile(path.join(repo, 'jobs/orders/enrichment/orders-enrich.sql'))).toEqual(
      Buffer.from(ENRICH, 'utf8'),
    );
    expect(await readFile(path.join(repo, 'jobs/top-level.sql'), 'utf8')).toBe('SELECT 1;\n');
    expect(await readFile(path.join(repo, 'jobs/reports/daily.sql'), 'utf8')).toBe('SELECT 2;\n');
    expect(run.stdout).toMatch(/skipped\s+a-jar\s+it is a JAR, not a SQL draft/);
    expect(run.stdout).toMatch(/skipped\s+\S*\s*it?s? ?.*"\.\." is not a name/);
    expect((await readdir(repo)).sort()).toEqual(['.git', 'flink-drafts.yaml', 'jobs']);
    const manifest = await readFile(path.join(repo, 'flink-drafts.yaml'), 'utf8');
    expect(manifest).toContain(`  - file: jobs/orders/enrichment/orders-enrich.sql
    name: orders-enrich
    folder: orders/enrichment
    draftId: ${ID.enrich}
    engineVersion: vvr-8.0.11-flink-1.17
    executionMode: STREAMING
    additionalDependencies:
      - s3://b/udf.jar
    localVariables:
      region: eu`);
    expect(run.stdout).toContain('flink-drafts.yaml: created, 3 entries added');

    // Twice: nothing changes.
    const again = await cli(importArgs(), repo, api);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('flink-drafts.yaml: unchanged');
    expect(again.stdout).toMatch(/3 unchanged/);
    expect(await readFile(path.join(repo, 'flink-drafts.yaml'), 'utf8')).toBe(manifest);

    // The next plan of the imported repository: every draft unchanged, no write.
    await commitAll(repo, 'import');
    api.reset();
    const plan = await cli(['plan', '--endpoint', api.url, '--format', 'json'], repo, api);
    expect(plan.code).toBe(0);
    const rows = JSON.parse(plan.stdout) as Array<{ file: string; status: string }>;
    expect(rows.map((r) => r.status)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(
      api.calls.filter((c) => c.method !== 'GET' && c.action !== 'ValidateSqlStatement'),
    ).toEqual([]);
  }, 60_000);

  it('leaves a local file that differs unless --force, and says so with exit 1', async () => {
    await mkdir(path.join(repo, 'jobs'), { recursive: true });
    await writeFile(path.join(repo, 'jobs/top-level.sql'), 'SELECT 42; -- local work\n');
    const run = await cli(importArgs(), repo, api);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/differs\s+jobs\/top-level.sql/);
    expect(await readFile(path.join(repo, 'jobs/top-level.sql'), 'utf8')).toBe(
      'SELECT 42; -- local work\n',
    );
    // The draft whose file was left is not added to the manifest: its next plan would overwrite the work.
    expect(await readFile(path.join(repo, 'flink-drafts.yaml'), 'utf8')).not.toContain(ID.root);
    const forced = await cli(importArgs('--force'), repo, api);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/overwritten\s+jobs\/top-level.sql/);
    expect(await readFile(path.join(repo, 'jobs/top-level.sql'), 'utf8')).toBe('SELECT 1;\n');
    expect(await readFile(path.join(repo, 'flink-drafts.yaml'), 'utf8')).toContain(ID.root);
  }, 60_000);

  it('extends an existing manifest, keeping its comments and entries, and takes only --folder', async () => {
    const existing = [
      '# Our jobs; keep this comment.',
      'version: 1',
      'defaults:',
      `  workspace: ${WS}`,
      `  namespace: ${NS}`,
      'drafts:',
      '  - file: sql/old.sql',
      `    draftId: ${ID.root}`,
      '',
    ].join('\n');
    await writeFile(path.join(repo, 'flink-drafts.yaml'), existing);
    const run = await cli(importArgs('--folder', 'orders'), repo, api);
    expect(run.code).toBe(0);
    const manifest = await readFile(path.join(repo, 'flink-drafts.yaml'), 'utf8');
    expect(manifest.startsWith(existing.trimEnd())).toBe(true);
    expect(manifest).toContain(`draftId: ${ID.enrich}`);
    expect(manifest).not.toContain(ID.batch);
    expect(manifest.match(new RegExp(ID.root, 'g'))).toHaveLength(1);
  }, 60_000);

  it('never writes through a symlink out of --out, nor outside the repository', async () => {
    const outside = await makeTempDir();
    try {
      await mkdir(path.join(repo, 'jobs'), { recursive: true });
      await symlink(outside, path.join(repo, 'jobs', 'orders'));
      const run = await cli(importArgs(), repo, api);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(
        /refused\s+jobs\/orders\/enrichment\/orders-enrich.sql\s+.*jobs\/orders is a symlink/,
      );
      expect(await readdir(outside)).toEqual([]);
      const away = await cli([...importArgs().slice(0, -1), '../elsewhere'], repo, api);
      expect(away.code).toBe(2);
      expect(away.stderr).toContain('is outside the repository');
    } finally {
      await removeDir(outside);
    }
  }, 60_000);

  it('refuses usage it cannot serve, before any call', async () => {
    const run = await cli(['import', '--namespace', NS], repo, api);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('import needs --workspace');
    const flag = await cli(['plan', '--out', 'x'], repo, api);
    expect(flag.stderr).toContain('--out is a flag of import only');
    expect(api.calls).toEqual([]);
  }, 30_000);
});
