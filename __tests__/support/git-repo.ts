// Builds real git repositories in temporary directories for tests, end-to-end runs and the demo.
// Framework-free on purpose: nothing here may import a test runner.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** File content to write; `null` removes the path; `{ symlink }` makes a symbolic link. */
export type FileSpec = string | Uint8Array | null | { symlink: string };

// Fixed identity and isolated config so that commits are reproducible and no user or system
// setting (signing, hooks, default branch) changes what the repositories look like.
const ISOLATED_ENV: NodeJS.ProcessEnv = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: process.platform === 'win32' ? 'NUL' : '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  GIT_AUTHOR_NAME: 'Flink Draft Sync Test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'Flink Draft Sync Test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
  LC_ALL: 'C',
};

/** Runs git with the isolated environment and returns trimmed stdout; throws with stderr on failure. */
export function git(cwd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      ['-c', 'commit.gpgsign=false', '-c', 'core.hooksPath=/dev/null', ...args],
      { cwd, env: { ...process.env, ...ISOLATED_ENV }, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`git ${args.join(' ')} failed in ${cwd}: ${stderr.trim()}`));
        } else {
          resolve(stdout.trim());
        }
      },
    );
  });
}

export function makeTempDir(prefix = 'flink-draft-sync-'): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** A fresh repository (working tree, or bare for use as a remote) on branch `main`. */
export async function initRepo(options: { bare?: boolean; dir?: string } = {}): Promise<string> {
  const dir = options.dir ?? (await makeTempDir());
  await git(dir, ['init', '--quiet', '--initial-branch=main', ...(options.bare ? ['--bare'] : [])]);
  return dir;
}

/** Writes, replaces or removes files relative to the working tree, creating folders as needed. */
export async function writeFiles(dir: string, files: Record<string, FileSpec>): Promise<void> {
  for (const [relative, spec] of Object.entries(files)) {
    const target = path.join(dir, relative);
    if (spec === null) {
      await rm(target, { force: true });
      continue;
    }
    await mkdir(path.dirname(target), { recursive: true });
    if (typeof spec === 'object' && 'symlink' in spec) {
      await rm(target, { force: true });
      await symlink(spec.symlink, target);
    } else {
      await unlink(target).catch(() => undefined);
      await writeFile(target, spec);
    }
  }
}

/** Stages everything in the working tree and commits it; returns the new commit's SHA. */
export async function commitAll(dir: string, message = 'change'): Promise<string> {
  await git(dir, ['add', '--all']);
  await git(dir, ['commit', '--quiet', '--allow-empty', '--no-verify', '-m', message]);
  return headOf(dir);
}

/** Writes the files and commits them in one step; returns the new commit's SHA. */
export async function commitFiles(
  dir: string,
  files: Record<string, FileSpec>,
  message = 'change',
): Promise<string> {
  await writeFiles(dir, files);
  return commitAll(dir, message);
}

export function headOf(dir: string, ref = 'HEAD'): Promise<string> {
  return git(dir, ['rev-parse', '--verify', `${ref}^{commit}`]);
}

/** Creates `branch` at `from` (default HEAD) and checks it out. */
export async function createBranch(dir: string, branch: string, from = 'HEAD'): Promise<void> {
  await git(dir, ['checkout', '--quiet', '-b', branch, from]);
}

export async function switchTo(dir: string, ref: string): Promise<void> {
  await git(dir, ['checkout', '--quiet', ref]);
}

/** Adds `remoteDir` as `origin` of `dir`. */
export async function addOrigin(dir: string, remoteDir: string): Promise<void> {
  await git(dir, ['remote', 'add', 'origin', fileUrl(remoteDir)]);
}

/** Pushes `refspec` to origin; `force` simulates a force push that rewrites the branch. */
export async function push(
  dir: string,
  refspec: string,
  options: { force?: boolean } = {},
): Promise<void> {
  await git(dir, ['push', '--quiet', ...(options.force ? ['--force'] : []), 'origin', refspec]);
}

/**
 * Replaces the last `count` commits of the current branch with one new commit holding `files`:
 * the history a force push leaves behind. Returns the new tip.
 */
export async function rewriteHistory(
  dir: string,
  files: Record<string, FileSpec>,
  options: { count?: number; message?: string } = {},
): Promise<string> {
  await git(dir, ['reset', '--quiet', '--hard', `HEAD~${options.count ?? 1}`]);
  return commitFiles(dir, files, options.message ?? 'rewritten');
}

/** Shallow clone through `file://`, so that later fetches by SHA go through a real transport. */
export async function shallowClone(
  remoteDir: string,
  options: { branch?: string; depth?: number } = {},
): Promise<string> {
  const dir = await makeTempDir();
  await git(dir, [
    'clone',
    '--quiet',
    '--no-tags',
    `--depth=${options.depth ?? 1}`,
    ...(options.branch ? ['--branch', options.branch] : []),
    fileUrl(remoteDir),
    '.',
  ]);
  return dir;
}

/** Full clone, which also sets `origin/HEAD` the way a developer's clone has it. */
export async function fullClone(remoteDir: string): Promise<string> {
  const dir = await makeTempDir();
  await git(dir, ['clone', '--quiet', remoteDir, '.']);
  return dir;
}

/**
 * A working repository with a bare `origin` that already holds one commit on `main`.
 * Returns both paths and the first commit; the caller removes both directories.
 */
export async function createRepoWithOrigin(
  files: Record<string, FileSpec>,
): Promise<{ dir: string; origin: string; first: string }> {
  const origin = await initRepo({ bare: true });
  const dir = await initRepo();
  await addOrigin(dir, origin);
  const first = await commitFiles(dir, files, 'initial');
  await push(dir, 'main');
  return { dir, origin, first };
}

function fileUrl(dir: string): string {
  return pathToFileURL(dir).href;
}
