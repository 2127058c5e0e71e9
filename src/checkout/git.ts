// The only module that runs git. Arguments always go to git as an array (never through a shell),
// and file lists are read as NUL-separated streams, so every path comes back byte for byte and a
// push that touches thousands of files is parsed as it arrives.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { isZeroSha } from './commit-sha.js';

export type FileStatus = 'added' | 'modified' | 'deleted' | 'renamed' | 'copied' | 'type-changed';

/** One changed path, relative to the repository root with `/` separators. */
export interface FileChange {
  status: FileStatus;
  path: string;
  /** Source path of a rename or a copy. */
  previousPath?: string;
}

export type ChangeSet =
  /** `base` is the commit the changes are taken against: `before`, or a merge base. */
  | { kind: 'diff'; base: string; head: string; changes: FileChange[]; warnings: string[] }
  /** `reason` is a short sentence saying why the changes could not be narrowed down. */
  | { kind: 'all'; reason: string; warnings: string[] };

export interface DetectOptions {
  /** Root of the checkout. */
  cwd: string;
  /** `before` of a push (the zero SHA on a branch's first push), or the pull request's base SHA. */
  before: string | undefined;
  /** `after` of a push, or the pull request's head SHA. */
  after: string;
  mode: 'push' | 'pull_request';
  /** Fetch commits missing from a shallow checkout from `origin`. Defaults to true. */
  fetch?: boolean;
  /** The push event's `forced` flag; only changes the wording of the warnings. */
  forced?: boolean;
  /** `repository.default_branch` from the event, tried before `origin/HEAD` on a first push. */
  defaultBranch?: string;
}

/** A git command that failed. The message names the command and its SHAs, never the environment. */
export class GitError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly detail: string,
  ) {
    super(`${command} failed${exitCode === null ? '' : ` (exit code ${exitCode})`}: ${detail}`);
    this.name = 'GitError';
  }
}

const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;
const FETCH_DEPTH_HINT = 'Set `fetch-depth: 0` on actions/checkout so the history is available.';
const MAX_BUFFERED_STDOUT = 64 * 1024 * 1024;
const MAX_STDERR_CHARS = 16 * 1024;
const FETCH_TIMEOUT_MS = 5 * 60 * 1000;

export async function detectChanges(options: DetectOptions): Promise<ChangeSet> {
  const { cwd, mode } = options;
  const fetch = options.fetch ?? true;
  const after = requireSha('after', options.after);
  // No `before` (a workflow run without a push payload) is read like a branch's first push.
  const before =
    options.before === undefined || isZeroSha(options.before)
      ? undefined
      : requireSha('before', options.before);
  // A force push is still diffed tree to tree: what changed is the difference between the old and
  // the new branch tip, whether or not the old tip is an ancestor of the new one.
  const pushWarnings = options.forced
    ? [`Force push: changes are taken between the previous branch tip ${before} and ${after}.`]
    : [];

  if (mode === 'push' && before !== undefined) {
    // Both commits are in the checkout on almost every push: diff them straight away, and look
    // for (or fetch) the missing one only when git cannot.
    const diffed = await diffCommits(cwd, before, after, pushWarnings, true);
    if (diffed) return diffed;
  }

  const afterMissing = await ensureCommit(cwd, after, fetch);
  if (afterMissing) {
    throw new GitError(
      afterMissing.command,
      afterMissing.exitCode,
      `commit ${after} is not in the checkout and could not be fetched: ${afterMissing.detail}`,
    );
  }
  if (before === undefined) {
    return againstDefaultBranch(cwd, after, options.defaultBranch);
  }
  const beforeMissing = await ensureCommit(cwd, before, fetch);
  if (beforeMissing) {
    const why = fetch
      ? `and fetching it from origin failed (${beforeMissing.detail})`
      : 'and fetching is turned off';
    return {
      kind: 'all',
      reason: `commit ${before} is not available`,
      warnings: [
        `Commit ${before} is not in the checkout ${why}, so every manifest entry is synced. ` +
          FETCH_DEPTH_HINT,
      ],
    };
  }
  if (mode === 'pull_request') {
    // Same as `git diff base...head`: only what the pull request itself changes.
    const mergeBase = await findMergeBase(cwd, before, after);
    if (mergeBase === undefined) {
      return {
        kind: 'all',
        reason: 'the pull request has no merge base in the checkout',
        warnings: [
          `No merge base of ${before} and ${after} in the checkout, so every manifest entry is ` +
            `planned. ${FETCH_DEPTH_HINT}`,
        ],
      };
    }
    return diffCommits(cwd, mergeBase, after, []);
  }
  return diffCommits(cwd, before, after, pushWarnings);
}

/**
 * First push of a branch (zero `before`). A branch cut from the default branch is diffed against
 * its merge base with it, so only what the branch changed is synced. When the merge base cannot be
 * found (shallow clone, no default branch), or the pushed commit is already on the default branch
 * (typically the default branch's own first push, when no draft has been synced yet), every entry
 * is synced: that is always correct, because drafts whose SQL already matches come back unchanged.
 */
async function againstDefaultBranch(
  cwd: string,
  after: string,
  defaultBranch: string | undefined,
): Promise<ChangeSet> {
  const firstPush = `\`before\` is the zero SHA (first push of this branch)`;
  const refs = [
    ...(defaultBranch ? [`refs/remotes/origin/${defaultBranch}`] : []),
    'refs/remotes/origin/HEAD',
  ];
  for (const ref of refs) {
    const tip = await resolveCommit(cwd, ref);
    if (tip === undefined) continue;
    const name = ref.replace(/^refs\/remotes\//, '');
    const mergeBase = await findMergeBase(cwd, tip, after);
    if (mergeBase === undefined) {
      return syncAll(
        `${firstPush} and it has no merge base with ${name} in the checkout, so every manifest ` +
          `entry is synced. ${FETCH_DEPTH_HINT}`,
      );
    }
    if (mergeBase === after) {
      return syncAll(
        `${firstPush} and ${after} is already on ${name}, so every manifest entry is synced.`,
      );
    }
    return diffCommits(cwd, mergeBase, after, [
      `${firstPush}: changes are taken against ${mergeBase}, its merge base with ${name}.`,
    ]);
  }
  return syncAll(
    `${firstPush} and the default branch is not in the checkout, so every manifest entry is ` +
      `synced. ${FETCH_DEPTH_HINT}`,
  );
}

function syncAll(warning: string): ChangeSet {
  return { kind: 'all', reason: 'first push of this branch', warnings: [warning] };
}

/**
 * The git arguments that list what changed from `base` to `head`. Plumbing rather than `git diff`,
 * so user config (relative paths, external diff, colour) cannot change the output. `-C` only looks
 * at modified files as copy sources, which keeps it cheap. `^{commit}`: both must be commits, not
 * just any tree.
 */
export function diffTreeArgs(base: string, head: string): string[] {
  return [
    'diff-tree',
    '-r',
    '-z',
    '--name-status',
    '-M',
    '-C',
    `${base}^{commit}`,
    `${head}^{commit}`,
  ];
}

/**
 * What changed from `base` to `head`. With `tentative`, undefined instead of an error when git
 * cannot diff them (a commit missing from the checkout, say), so the caller can find out why.
 */
async function diffCommits(
  cwd: string,
  base: string,
  head: string,
  warnings: string[],
): Promise<ChangeSet>;
async function diffCommits(
  cwd: string,
  base: string,
  head: string,
  warnings: string[],
  tentative: true,
): Promise<ChangeSet | undefined>;
async function diffCommits(
  cwd: string,
  base: string,
  head: string,
  warnings: string[],
  tentative = false,
): Promise<ChangeSet | undefined> {
  const args = diffTreeArgs(base, head);
  const parser = new NameStatusParser();
  const result = await run(cwd, args, { onStdout: (chunk) => parser.push(chunk) });
  if (tentative && result.exitCode !== 0) return undefined;
  if (result.exitCode !== 0) {
    throw new GitError(describe(args), result.exitCode, stderrDetail(result.stderr));
  }
  const changes = parser.end(describe(args));
  if (/rename detection was skipped/i.test(result.stderr)) {
    warnings.push(
      'Too many files changed for git to detect inexact renames; such renames are treated as a ' +
        'deletion and an addition.',
    );
  }
  return { kind: 'diff', base, head, changes, warnings };
}

/**
 * Content of `file` (relative to the repository root) at commit `sha`, or undefined when the
 * commit has no such file. Throws when the commit itself is not in the checkout.
 */
export async function readFileAtCommit(
  cwd: string,
  sha: string,
  file: string,
): Promise<Buffer | undefined> {
  requireSha('sha', sha);
  const args = ['cat-file', 'blob', `${sha}:${repoPath(file)}`];
  const result = await run(cwd, args);
  if (result.exitCode === 0) return result.stdout;
  if ((await resolveCommit(cwd, sha)) !== undefined) return undefined;
  throw new GitError(describe(args), result.exitCode, `commit ${sha} is not in the checkout`);
}

/**
 * Whether `ancestor` is an ancestor of (or equal to) `descendant`; undefined when git cannot tell,
 * for example because one of them is not in a shallow checkout.
 */
export async function isAncestor(
  cwd: string,
  ancestor: string,
  descendant: string,
): Promise<boolean | undefined> {
  requireSha('ancestor', ancestor);
  requireSha('descendant', descendant);
  const result = await run(cwd, ['merge-base', '--is-ancestor', ancestor, descendant]);
  if (result.exitCode === 0) return true;
  if (result.exitCode === 1) return false;
  return undefined;
}

export async function headSha(cwd: string): Promise<string> {
  const sha = await resolveCommit(cwd, 'HEAD');
  if (sha === undefined) {
    throw new GitError('git rev-parse --verify HEAD^{commit}', 1, 'the repository has no commit');
  }
  return sha;
}

/** The URL of a remote (`origin`), or undefined when the checkout has none. */
export async function remoteUrl(cwd: string, name = 'origin'): Promise<string | undefined> {
  const result = await run(cwd, ['remote', 'get-url', '--', name]);
  return result.exitCode === 0 ? result.stdout.toString('utf8').trim() || undefined : undefined;
}

/** The commit a revision names (a SHA, a branch, a tag, `HEAD~3`), or undefined when none. */
export async function resolveRevision(cwd: string, rev: string): Promise<string | undefined> {
  if (rev.startsWith('-')) return undefined;
  return resolveCommit(cwd, rev);
}

async function resolveCommit(cwd: string, rev: string): Promise<string | undefined> {
  const args = ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`];
  const result = await run(cwd, args);
  if (result.exitCode === 0) return result.stdout.toString('utf8').trim();
  if (result.exitCode === 1) return undefined;
  throw new GitError(describe(args), result.exitCode, stderrDetail(result.stderr));
}

async function findMergeBase(cwd: string, a: string, b: string): Promise<string | undefined> {
  const args = ['merge-base', a, b];
  const result = await run(cwd, args);
  if (result.exitCode === 0) return result.stdout.toString('utf8').trim();
  // Exit 1 without a message: no common ancestor, which a shallow history also produces.
  if (result.exitCode === 1) return undefined;
  throw new GitError(describe(args), result.exitCode, stderrDetail(result.stderr));
}

interface Failure {
  command: string;
  exitCode: number | null;
  detail: string;
}

/** Makes sure `sha` is in the object store, fetching it from origin if allowed. */
async function ensureCommit(
  cwd: string,
  sha: string,
  fetch: boolean,
): Promise<Failure | undefined> {
  if ((await resolveCommit(cwd, sha)) !== undefined) return undefined;
  if (!fetch)
    return { command: `git fetch origin ${sha}`, exitCode: null, detail: 'fetching is off' };
  // A complete clone fetches the commit with its history, so it stays complete and merge bases
  // can still be found; a shallow one only needs the commit and its tree.
  const shallow = await run(cwd, ['rev-parse', '--is-shallow-repository']);
  const depth = shallow.stdout.toString('utf8').trim() === 'true' ? ['--depth=1'] : [];
  const args = [
    'fetch',
    '--quiet',
    '--no-tags',
    '--no-recurse-submodules',
    ...depth,
    'origin',
    sha,
  ];
  const result = await run(cwd, args, { timeoutMs: FETCH_TIMEOUT_MS });
  if (result.exitCode === 0 && (await resolveCommit(cwd, sha)) !== undefined) return undefined;
  const detail =
    result.exitCode === 0 ? `the fetch did not bring ${sha}` : stderrDetail(result.stderr);
  return { command: describe(args), exitCode: result.exitCode, detail };
}

const STATUS: Record<string, FileStatus> = {
  A: 'added',
  M: 'modified',
  D: 'deleted',
  R: 'renamed',
  C: 'copied',
  T: 'type-changed',
};

/**
 * Incremental parser for `--name-status -z`: a status token (`M`, `R100`, ...) followed by one
 * path, or two for renames and copies. A NUL byte never occurs inside a UTF-8 sequence, so
 * splitting the raw bytes before decoding is safe.
 */
class NameStatusParser {
  readonly changes: FileChange[] = [];
  private pending: Buffer[] = [];
  private status: FileStatus | undefined;
  private expected = 0;
  private paths: string[] = [];
  private invalid: string | undefined;

  push(chunk: Buffer): void {
    let start = 0;
    for (let nul = chunk.indexOf(0, start); nul !== -1; nul = chunk.indexOf(0, start)) {
      const piece = chunk.subarray(start, nul);
      const bytes = this.pending.length === 0 ? piece : Buffer.concat([...this.pending, piece]);
      this.token(bytes.toString('utf8'));
      this.pending = [];
      start = nul + 1;
    }
    if (start < chunk.length) this.pending.push(chunk.subarray(start));
  }

  end(command: string): FileChange[] {
    if (this.invalid !== undefined || this.pending.length > 0 || this.expected > 0) {
      throw new GitError(command, 0, `unexpected output ${JSON.stringify(this.invalid ?? '')}`);
    }
    return this.changes;
  }

  private token(text: string): void {
    if (this.invalid !== undefined) return;
    if (this.expected === 0) {
      const letter = text.charAt(0);
      // Unmerged (U) or unknown (X) entries cannot occur between two commits; syncing is the
      // safe reading if a future git reports them.
      this.status = STATUS[letter] ?? (letter === 'U' || letter === 'X' ? 'modified' : undefined);
      if (this.status === undefined) this.invalid = text;
      this.expected = letter === 'R' || letter === 'C' ? 2 : 1;
      return;
    }
    this.paths.push(text);
    this.expected -= 1;
    if (this.expected > 0 || this.status === undefined) return;
    const [first = '', second] = this.paths;
    this.changes.push(
      second === undefined
        ? { status: this.status, path: first }
        : { status: this.status, path: second, previousPath: first },
    );
    this.paths = [];
  }
}

interface RunOptions {
  /** Receives stdout as it arrives instead of buffering it. */
  onStdout?: (chunk: Buffer) => void;
  timeoutMs?: number;
}

interface RunResult {
  exitCode: number;
  stdout: Buffer;
  stderr: string;
}

/** Runs git and resolves with its exit code; rejects only when git could not run to completion. */
function run(cwd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const command = describe(args);
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd,
      // No prompt can ever block a run; English messages so warnings can be recognised.
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs,
      windowsHide: true,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    let stderr = '';
    let failure: Error | undefined;
    let settled = false;
    const fail = (error: Error): void => {
      failure ??= error;
      child.kill();
    };

    child.stdout.on('data', (chunk: Buffer) => {
      if (failure) return;
      if (options.onStdout) {
        try {
          options.onStdout(chunk);
        } catch (error) {
          fail(error instanceof Error ? error : new Error(String(error)));
        }
        return;
      }
      size += chunk.length;
      if (size > MAX_BUFFERED_STDOUT) {
        fail(new GitError(command, null, `output is larger than ${MAX_BUFFERED_STDOUT} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      stderr = (stderr + text).slice(-MAX_STDERR_CHARS);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      const detail =
        error.code === 'ENOENT' ? 'git is not installed or not on PATH' : error.message;
      reject(new GitError(command, null, detail));
    });
    child.on('close', (code, signal) => {
      if (settled) return;
      settled = true;
      if (failure) {
        reject(failure);
      } else if (code === null) {
        const detail =
          signal === 'SIGTERM' && options.timeoutMs !== undefined
            ? `no answer within ${options.timeoutMs / 1000} s`
            : `stopped by ${signal ?? 'a signal'}`;
        reject(new GitError(command, null, detail));
      } else {
        resolve({ exitCode: code, stdout: Buffer.concat(chunks), stderr });
      }
    });
  });
}

function requireSha(name: string, value: string): string {
  // Only full object IDs reach git, so no value from an event can be read as an option or a ref.
  if (!SHA.test(value)) {
    throw new Error(`${name} is not a full commit SHA: ${JSON.stringify(value)}`);
  }
  return value.toLowerCase();
}

/** Normalises a manifest path to the form git uses in `<commit>:<path>` (root-relative). */
function repoPath(file: string): string {
  const normal = path.posix.normalize(file).replace(/^(?:\.\/)+/, '');
  if (normal === '.' || normal === '..' || normal.startsWith('../') || normal.startsWith('/')) {
    throw new Error(`${JSON.stringify(file)} is not a path inside the repository`);
  }
  return normal;
}

function describe(args: readonly string[]): string {
  const quoted = args.map((arg) => (/^[\w@%+=:,./^{}~-]+$/.test(arg) ? arg : JSON.stringify(arg)));
  return ['git', ...quoted].join(' ');
}

/** Last lines of git's stderr, with any credentials embedded in a remote URL masked. */
function stderrDetail(stderr: string): string {
  const text = stderr
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, '$1***@')
    .trim()
    .split('\n')
    .slice(-5)
    .join(' ')
    .slice(-600);
  return text === '' ? 'no message from git' : text;
}
