import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  detectChanges,
  GitError,
  headSha,
  readFileAtCommit,
  type ChangeSet,
  type FileChange,
} from '../src/checkout/git.js';
import {
  commitAll,
  commitFiles,
  createBranch,
  createRepoWithOrigin,
  fullClone,
  git,
  headOf,
  initRepo,
  makeTempDir,
  push,
  removeDir,
  rewriteHistory,
  shallowClone,
  switchTo,
} from './support/git-repo.js';

const ZERO = '0'.repeat(40);
const created: string[] = [];

async function track<T extends string | { dir: string; origin: string }>(value: T): Promise<T> {
  if (typeof value === 'string') created.push(value);
  else created.push(value.dir, value.origin);
  return value;
}

afterEach(async () => {
  await Promise.all(created.splice(0).map((dir) => removeDir(dir)));
});

function diffOf(changes: ChangeSet): FileChange[] {
  if (changes.kind !== 'diff') throw new Error(`expected a diff, got ${JSON.stringify(changes)}`);
  return changes.changes;
}

function sorted(changes: FileChange[]): FileChange[] {
  return [...changes].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

describe('detectChanges on a push', () => {
  it('lists added, modified and deleted files between before and after', async () => {
    const dir = await track(await initRepo());
    const before = await commitFiles(dir, { 'sql/a.sql': 'a1', 'sql/b.sql': 'b1', 'c.sql': 'c1' });
    const after = await commitFiles(dir, {
      'sql/a.sql': 'a2',
      'sql/new.sql': 'n',
      'c.sql': null,
    });

    const changes = await detectChanges({ cwd: dir, before, after, mode: 'push' });

    expect(changes).toEqual({
      kind: 'diff',
      base: before,
      head: after,
      warnings: [],
      changes: [
        { status: 'deleted', path: 'c.sql' },
        { status: 'modified', path: 'sql/a.sql' },
        { status: 'added', path: 'sql/new.sql' },
      ],
    });
  });

  it('reports renames, copies and type changes with their previous paths', async () => {
    const dir = await track(await initRepo());
    const body = Array.from({ length: 40 }, (_, i) => `SELECT ${i} FROM t;`).join('\n');
    const before = await commitFiles(dir, {
      'old.sql': body,
      'source.sql': body.replace('SELECT 1 ', 'SELECT 100 '),
      'edited.sql': body.replace('SELECT 2 ', 'SELECT 200 '),
      'link.sql': 'select 1;',
    });
    const after = await commitFiles(dir, {
      'old.sql': null,
      'renamed/new name.sql': body,
      'source.sql': `${body.replace('SELECT 1 ', 'SELECT 100 ')}\n-- edited`,
      'copy.sql': body.replace('SELECT 1 ', 'SELECT 100 '),
      'edited.sql': null,
      'moved-and-edited.sql': `${body.replace('SELECT 2 ', 'SELECT 200 ')}\n-- more`,
      'link.sql': { symlink: 'copy.sql' },
    });

    const changes = diffOf(await detectChanges({ cwd: dir, before, after, mode: 'push' }));

    expect(sorted(changes)).toEqual([
      { status: 'copied', path: 'copy.sql', previousPath: 'source.sql' },
      { status: 'type-changed', path: 'link.sql' },
      { status: 'renamed', path: 'moved-and-edited.sql', previousPath: 'edited.sql' },
      { status: 'renamed', path: 'renamed/new name.sql', previousPath: 'old.sql' },
      { status: 'modified', path: 'source.sql' },
    ]);
  });

  it('returns paths with spaces, unicode, quotes, tabs and newlines exactly', async () => {
    const dir = await track(await initRepo());
    const names = [
      'with space.sql',
      'données/é.sql',
      'quote"d.sql',
      'tab\there.sql',
      'new\nline.sql',
    ];
    const before = await commitFiles(dir, { 'keep.sql': 'k' });
    const after = await commitFiles(dir, Object.fromEntries(names.map((n) => [n, n])));

    const changes = diffOf(await detectChanges({ cwd: dir, before, after, mode: 'push' }));

    expect(changes.map((c) => c.path).sort()).toEqual([...names].sort());
    expect(changes.every((c) => c.status === 'added')).toBe(true);
  });

  it('parses a push touching 5,000 files, odd names included', async () => {
    const dir = await track(await initRepo());
    const before = await commitFiles(dir, { 'README.md': 'r' });
    for (let folder = 0; folder < 50; folder += 1) {
      await mkdir(path.join(dir, `folder ${folder}`));
      await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          writeFile(
            path.join(dir, `folder ${folder}`, `jöb\n${i}.sql`),
            `SELECT ${folder * 100 + i};`,
          ),
        ),
      );
    }
    const after = await commitAll(dir, 'bulk');

    const changes = diffOf(await detectChanges({ cwd: dir, before, after, mode: 'push' }));

    expect(changes).toHaveLength(5000);
    expect(new Set(changes.map((c) => c.path)).size).toBe(5000);
    expect(changes).toContainEqual({ status: 'added', path: 'folder 49/jöb\n99.sql' });
    expect(changes).toContainEqual({ status: 'added', path: 'folder 0/jöb\n0.sql' });
  });

  it('warns when git gives up on inexact rename detection', async () => {
    const dir = await track(await initRepo());
    const files = Object.fromEntries(
      Array.from({ length: 12 }, (_, i) => [`f${i}.sql`, `SELECT ${i};\n`.repeat(20)]),
    );
    const before = await commitFiles(dir, files);
    const moved = Object.fromEntries(
      Object.entries(files).flatMap(([name, body]) => [
        [name, null],
        [`moved/${name}`, `${body}-- edited\n`],
      ]),
    );
    const after = await commitFiles(dir, moved);
    await git(dir, ['config', 'diff.renameLimit', '2']);

    const changes = await detectChanges({ cwd: dir, before, after, mode: 'push' });

    expect(diffOf(changes)).toHaveLength(24);
    expect(changes.warnings.join('\n')).toMatch(/too many files changed/i);
  });

  it('diffs the old and the new tip of a force push that rewrote history', async () => {
    const repo = await track(
      await createRepoWithOrigin({ 'a.sql': 'a1', 'b.sql': 'b1', 'c.sql': 'c1' }),
    );
    const before = await commitFiles(repo.dir, { 'a.sql': 'a2', 'b.sql': 'b2' });
    await push(repo.dir, 'main');
    const after = await rewriteHistory(repo.dir, { 'a.sql': 'a3', 'd.sql': 'd1' });
    await push(repo.dir, 'main', { force: true });
    await expect(git(repo.dir, ['merge-base', '--is-ancestor', before, after])).rejects.toThrow();

    const changes = await detectChanges({
      cwd: repo.dir,
      before,
      after,
      mode: 'push',
      forced: true,
    });

    expect(diffOf(changes)).toEqual([
      { status: 'modified', path: 'a.sql' },
      { status: 'modified', path: 'b.sql' },
      { status: 'added', path: 'd.sql' },
    ]);
    expect(changes.warnings.join('\n')).toContain(`previous branch tip ${before}`);
  });

  it('fetches a before commit that a shallow clone lacks', async () => {
    const repo = await track(await createRepoWithOrigin({ 'a.sql': 'a1', 'b.sql': 'b1' }));
    const before = repo.first;
    const after = await commitFiles(repo.dir, { 'b.sql': 'b2' });
    await push(repo.dir, 'main');
    const clone = await track(await shallowClone(repo.origin));
    await expect(headOf(clone, before)).rejects.toThrow();

    const changes = await detectChanges({ cwd: clone, before, after, mode: 'push' });

    expect(changes).toMatchObject({ kind: 'diff', base: before, head: after, warnings: [] });
    expect(diffOf(changes)).toEqual([{ status: 'modified', path: 'b.sql' }]);
  });

  it('fetches the old tip of a force push into a shallow clone', async () => {
    const repo = await track(await createRepoWithOrigin({ 'a.sql': 'a1' }));
    const before = await commitFiles(repo.dir, { 'a.sql': 'a2', 'b.sql': 'b' });
    await push(repo.dir, 'main');
    const after = await rewriteHistory(repo.dir, { 'a.sql': 'a3' });
    await push(repo.dir, 'main', { force: true });
    const clone = await track(await shallowClone(repo.origin));

    const changes = await detectChanges({ cwd: clone, before, after, mode: 'push', forced: true });

    expect(diffOf(changes)).toEqual([
      { status: 'modified', path: 'a.sql' },
      { status: 'deleted', path: 'b.sql' },
    ]);
  });

  it('fetches an after commit that a checkout made before the push lacks', async () => {
    const repo = await track(await createRepoWithOrigin({ 'a.sql': 'a1' }));
    const clone = await track(await fullClone(repo.origin));
    const after = await commitFiles(repo.dir, { 'a.sql': 'a2', 'b.sql': 'b' });
    await push(repo.dir, 'main');
    await expect(headOf(clone, after)).rejects.toThrow();

    const changes = await detectChanges({ cwd: clone, before: repo.first, after, mode: 'push' });

    expect(changes).toMatchObject({ kind: 'diff', base: repo.first, head: after, warnings: [] });
    expect(sorted(diffOf(changes))).toEqual([
      { status: 'modified', path: 'a.sql' },
      { status: 'added', path: 'b.sql' },
    ]);
  });

  it('does not take a tree for the before commit', async () => {
    const repo = await track(await createRepoWithOrigin({ 'a.sql': 'a1' }));
    const after = await commitFiles(repo.dir, { 'a.sql': 'a2' });
    const tree = (await git(repo.dir, ['rev-parse', `${repo.first}^{tree}`])).trim();

    const changes = await detectChanges({ cwd: repo.dir, before: tree, after, mode: 'push' });

    expect(changes).toMatchObject({ kind: 'all', reason: `commit ${tree} is not available` });
  });

  it('syncs everything with a fetch-depth hint when before cannot be fetched', async () => {
    const repo = await track(await createRepoWithOrigin({ 'a.sql': 'a1' }));
    const elsewhere = await track(await initRepo());
    const before = await commitFiles(elsewhere, { 'x.sql': 'never pushed' });
    const clone = await track(await shallowClone(repo.origin));

    const changes = await detectChanges({ cwd: clone, before, after: repo.first, mode: 'push' });

    expect(changes).toMatchObject({ kind: 'all', reason: `commit ${before} is not available` });
    expect(changes.warnings).toHaveLength(1);
    expect(changes.warnings[0]).toContain(before);
    expect(changes.warnings[0]).toContain('fetch-depth: 0');
  });

  it('does not fetch when fetching is turned off', async () => {
    const repo = await track(await createRepoWithOrigin({ 'a.sql': 'a1' }));
    const after = await commitFiles(repo.dir, { 'a.sql': 'a2' });
    await push(repo.dir, 'main');
    const clone = await track(await shallowClone(repo.origin));

    const changes = await detectChanges({
      cwd: clone,
      before: repo.first,
      after,
      mode: 'push',
      fetch: false,
    });

    expect(changes.kind).toBe('all');
    expect(changes.warnings[0]).toMatch(/fetching is turned off.*fetch-depth: 0/);
    await expect(headOf(clone, repo.first)).rejects.toThrow();
  });

  it('never shows credentials from the remote URL in a warning', async () => {
    const dir = await track(await initRepo());
    const after = await commitFiles(dir, { 'a.sql': 'a' });
    await git(dir, ['remote', 'add', 'origin', 'https://deploy:s3cr3t-t0ken@127.0.0.1:1/repo.git']);

    const changes = await detectChanges({ cwd: dir, before: 'f'.repeat(40), after, mode: 'push' });

    expect(changes.kind).toBe('all');
    expect(changes.warnings.join('\n')).not.toContain('s3cr3t-t0ken');
    expect(changes.warnings.join('\n')).toContain('f'.repeat(40));
  });
});

describe('detectChanges on the first push of a branch', () => {
  async function branchedClone(): Promise<{ clone: string; base: string; after: string }> {
    const repo = await track(await createRepoWithOrigin({ 'a.sql': 'a1', 'b.sql': 'b1' }));
    const base = await commitFiles(repo.dir, { 'a.sql': 'a2' });
    await push(repo.dir, 'main');
    await createBranch(repo.dir, 'feature');
    await commitFiles(repo.dir, { 'b.sql': 'b2' });
    const after = await commitFiles(repo.dir, { 'f.sql': 'f' });
    await push(repo.dir, 'feature');
    await switchTo(repo.dir, 'main');
    await commitFiles(repo.dir, { 'a.sql': 'a3', 'm.sql': 'main only' });
    await push(repo.dir, 'main');
    const clone = await track(await fullClone(repo.origin));
    await switchTo(clone, 'feature');
    return { clone, base, after };
  }

  it('diffs against the merge base with origin/HEAD and says so', async () => {
    const { clone, base, after } = await branchedClone();

    const changes = await detectChanges({ cwd: clone, before: ZERO, after, mode: 'push' });

    expect(changes).toMatchObject({ kind: 'diff', base, head: after });
    expect(diffOf(changes)).toEqual([
      { status: 'modified', path: 'b.sql' },
      { status: 'added', path: 'f.sql' },
    ]);
    expect(changes.warnings).toEqual([expect.stringContaining(`against ${base}`)]);
    expect(changes.warnings[0]).toContain('origin/HEAD');
  });

  it('uses the default branch from the event when origin/HEAD is not set', async () => {
    const { clone, base, after } = await branchedClone();
    await git(clone, ['remote', 'set-head', 'origin', '--delete']);

    const without = await detectChanges({ cwd: clone, before: undefined, after, mode: 'push' });
    const withBranch = await detectChanges({
      cwd: clone,
      before: ZERO,
      after,
      mode: 'push',
      defaultBranch: 'main',
    });

    expect(without).toMatchObject({ kind: 'all', reason: 'first push of this branch' });
    expect(without.warnings[0]).toContain('default branch is not in the checkout');
    expect(withBranch).toMatchObject({ kind: 'diff', base, head: after });
    expect(withBranch.warnings[0]).toContain('origin/main');
  });

  it('syncs everything on the first push of the default branch itself', async () => {
    const repo = await track(await createRepoWithOrigin({ 'a.sql': 'a1' }));
    const clone = await track(await fullClone(repo.origin));

    const changes = await detectChanges({
      cwd: clone,
      before: ZERO,
      after: repo.first,
      mode: 'push',
    });

    expect(changes).toMatchObject({ kind: 'all', reason: 'first push of this branch' });
    expect(changes.warnings[0]).toContain(`${repo.first} is already on origin/HEAD`);
  });

  it('syncs everything when a shallow clone has no merge base', async () => {
    const { clone: full, after } = await branchedClone();
    const origin = await track(await makeTempDir());
    await git(origin, ['clone', '--quiet', '--bare', full, '.']);
    const clone = await track(await shallowClone(origin, { branch: 'feature' }));
    await git(clone, ['fetch', '--quiet', '--depth=1', 'origin', 'main:refs/remotes/origin/main']);

    const changes = await detectChanges({
      cwd: clone,
      before: ZERO,
      after,
      mode: 'push',
      defaultBranch: 'main',
    });

    expect(changes.kind).toBe('all');
    expect(changes.warnings[0]).toMatch(/no merge base with origin\/main.*fetch-depth: 0/);
  });

  it('syncs everything in a repository without a remote', async () => {
    const dir = await track(await initRepo());
    const after = await commitFiles(dir, { 'a.sql': 'a' });

    const changes = await detectChanges({ cwd: dir, before: ZERO, after, mode: 'push' });

    expect(changes.kind).toBe('all');
  });
});

describe('detectChanges on a pull request', () => {
  async function pullRequest(): Promise<{
    dir: string;
    origin: string;
    fork: string;
    base: string;
    head: string;
  }> {
    const repo = await track(await createRepoWithOrigin({ 'a.sql': 'a1', 'b.sql': 'b1' }));
    const fork = repo.first;
    await createBranch(repo.dir, 'feature');
    await commitFiles(repo.dir, { 'b.sql': 'b2', 'f.sql': 'f' });
    const head = await commitFiles(repo.dir, { 'g.sql': 'g' });
    await push(repo.dir, 'feature');
    await switchTo(repo.dir, 'main');
    const base = await commitFiles(repo.dir, { 'a.sql': 'a2', 'm.sql': 'main only' });
    await push(repo.dir, 'main');
    return { ...repo, fork, base, head };
  }

  it('diffs base...head: only what the pull request changes', async () => {
    const pr = await pullRequest();
    const clone = await track(await fullClone(pr.origin));

    const changes = await detectChanges({
      cwd: clone,
      before: pr.base,
      after: pr.head,
      mode: 'pull_request',
    });

    expect(changes).toMatchObject({ kind: 'diff', base: pr.fork, head: pr.head, warnings: [] });
    expect(diffOf(changes)).toEqual([
      { status: 'modified', path: 'b.sql' },
      { status: 'added', path: 'f.sql' },
      { status: 'added', path: 'g.sql' },
    ]);
  });

  it('fetches a base that moved after a full checkout and still finds the merge base', async () => {
    const pr = await pullRequest();
    const clone = await track(await fullClone(pr.origin));
    const base = await commitFiles(pr.dir, { 'later.sql': 'l' });
    await push(pr.dir, 'main');
    await expect(headOf(clone, base)).rejects.toThrow();

    const changes = await detectChanges({
      cwd: clone,
      before: base,
      after: pr.head,
      mode: 'pull_request',
    });

    expect(changes).toMatchObject({ kind: 'diff', base: pr.fork, head: pr.head });
    expect(diffOf(changes).map((c) => c.path)).toEqual(['b.sql', 'f.sql', 'g.sql']);
    expect(await git(clone, ['rev-parse', '--is-shallow-repository'])).toBe('false');
  });

  it('fetches a missing head, then plans everything when there is no merge base', async () => {
    const pr = await pullRequest();
    const clone = await track(await shallowClone(pr.origin, { branch: 'main' }));
    await expect(headOf(clone, pr.head)).rejects.toThrow();

    const changes = await detectChanges({
      cwd: clone,
      before: pr.base,
      after: pr.head,
      mode: 'pull_request',
    });

    await expect(headOf(clone, pr.head)).resolves.toBe(pr.head);
    expect(changes).toMatchObject({
      kind: 'all',
      reason: 'the pull request has no merge base in the checkout',
    });
    expect(changes.warnings[0]).toContain('fetch-depth: 0');
  });
});

describe('detectChanges errors', () => {
  it('names the command and the SHA when after cannot be found', async () => {
    const dir = await track(await initRepo());
    const before = await commitFiles(dir, { 'a.sql': 'a' });
    const missing = 'e'.repeat(40);

    const error = await detectChanges({ cwd: dir, before, after: missing, mode: 'push' }).catch(
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(GitError);
    expect((error as GitError).message).toContain(`git fetch`);
    expect((error as GitError).message).toContain(missing);
  });

  it.each([
    ['a short SHA', 'abc1234'],
    ['an option', '--output=/tmp/x'],
    ['a ref name', 'HEAD'],
  ])('refuses %s as a commit', async (_name, value) => {
    const dir = await track(await initRepo());
    const after = await commitFiles(dir, { 'a.sql': 'a' });

    await expect(detectChanges({ cwd: dir, before: value, after, mode: 'push' })).rejects.toThrow(
      /before is not a full commit SHA/,
    );
  });

  it('explains a directory that is not a repository without dumping the environment', async () => {
    const dir = await track(await makeTempDir());
    process.env.FLINK_DRAFT_SYNC_TEST_MARKER = 'env-value-that-must-not-leak';
    try {
      const error = await headSha(dir).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GitError);
      expect((error as GitError).message).toMatch(
        /^git rev-parse .*HEAD.* failed .*not a git repository/,
      );
      expect((error as GitError).message).not.toContain('env-value-that-must-not-leak');
    } finally {
      delete process.env.FLINK_DRAFT_SYNC_TEST_MARKER;
    }
  });
});

describe('readFileAtCommit and headSha', () => {
  it('reads exact bytes at a commit, including odd paths and earlier versions', async () => {
    const dir = await track(await initRepo());
    const bytes = Buffer.from([0xef, 0xbb, 0xbf, 0x53, 0x45, 0x4c, 0x0a, 0xff]);
    const first = await commitFiles(dir, { 'sql/bom.sql': bytes, 'dir/new\nline é.sql': 'odd' });
    const second = await commitFiles(dir, { 'sql/bom.sql': 'later' });

    expect(await readFileAtCommit(dir, first, 'sql/bom.sql')).toEqual(bytes);
    expect(await readFileAtCommit(dir, first, './sql/bom.sql')).toEqual(bytes);
    expect((await readFileAtCommit(dir, second, 'sql/bom.sql'))?.toString()).toBe('later');
    expect((await readFileAtCommit(dir, first, 'dir/new\nline é.sql'))?.toString()).toBe('odd');
    expect(await headSha(dir)).toBe(second);
  });

  it('returns undefined for a path the commit does not have, or a folder', async () => {
    const dir = await track(await initRepo());
    const sha = await commitFiles(dir, { 'sql/a.sql': 'a' });

    expect(await readFileAtCommit(dir, sha, 'missing.yaml')).toBeUndefined();
    expect(await readFileAtCommit(dir, sha, 'sql')).toBeUndefined();
  });

  it('throws, naming the SHA, for a commit that is not in the checkout', async () => {
    const dir = await track(await initRepo());
    await commitFiles(dir, { 'a.sql': 'a' });
    const missing = 'd'.repeat(40);

    await expect(readFileAtCommit(dir, missing, 'a.sql')).rejects.toThrow(
      new RegExp(
        `git cat-file blob ${missing}:a\\.sql failed.*commit ${missing} is not in the checkout`,
      ),
    );
  });

  it('refuses paths outside the repository', async () => {
    const dir = await track(await initRepo());
    const sha = await commitFiles(dir, { 'a.sql': 'a' });

    await expect(readFileAtCommit(dir, sha, '../outside.sql')).rejects.toThrow(/not a path inside/);
  });

  it('reads from the repository root whatever the working directory inside it', async () => {
    const repo = await track(await createRepoWithOrigin({ 'top.sql': 'top', 'sub/x.sql': 'x' }));

    const bytes = await readFileAtCommit(path.join(repo.dir, 'sub'), repo.first, 'top.sql');

    expect(bytes?.toString()).toBe('top');
  });
});
