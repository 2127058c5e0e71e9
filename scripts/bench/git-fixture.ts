// Large git repositories for the benchmarks, written with `git fast-import`: a repository of
// 20,000 files takes a second instead of the minute that writing and adding them would. The
// repository is the same as one built with `git add` and `git commit`; only setup is faster.
import { spawn } from 'node:child_process';
import { Buffer } from 'node:buffer';
import { git, initRepo, removeDir } from '../../__tests__/support/git-repo.js';

/** Paths to write (text) or delete (null) in one commit, relative to the repository root. */
export type CommitFiles = Record<string, string | null>;

export interface BuiltRepo {
  dir: string;
  /** SHA of each commit, in the order given. */
  commits: string[];
}

const COMMITTER = 'Flink Draft Sync Bench <bench@example.invalid> 1760000000 +0000';
const SAFE_PATH = /^[\w.-]+(?:\/[\w.-]+)*$/;
// Same isolation as the test repositories: no user or system config changes what is written.
const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  LC_ALL: 'C',
};

function data(text: string | Buffer): Buffer[] {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  return [Buffer.from(`data ${bytes.length}\n`), bytes, Buffer.from('\n')];
}

function* stream(commits: readonly CommitFiles[]): Generator<Buffer> {
  for (const [i, files] of commits.entries()) {
    yield Buffer.from(`commit refs/heads/main\nmark :${i + 1}\ncommitter ${COMMITTER}\n`);
    yield* data(`Commit ${i + 1}`);
    if (i > 0) yield Buffer.from(`from :${i}\n`);
    for (const [path, content] of Object.entries(files)) {
      if (!SAFE_PATH.test(path)) throw new Error(`path needs quoting: ${path}`);
      if (content === null) {
        yield Buffer.from(`D ${path}\n`);
      } else {
        yield Buffer.from(`M 100644 inline ${path}\n`);
        yield* data(content);
      }
    }
  }
  yield Buffer.from('done\n');
}

function fastImport(dir: string, commits: readonly CommitFiles[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['fast-import', '--quiet', '--done'], {
      cwd: dir,
      env: GIT_ENV,
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`git fast-import failed: ${stderr.trim()}`)),
    );
    const chunks = stream(commits);
    const pump = (): void => {
      for (let next = chunks.next(); !next.done; next = chunks.next()) {
        if (!child.stdin.write(next.value)) {
          child.stdin.once('drain', pump);
          return;
        }
      }
      child.stdin.end();
    };
    child.stdin.on('error', reject);
    pump();
  });
}

/**
 * A repository on `main` with one commit per entry, each on top of the previous one. With
 * `checkout`, the working tree holds the last commit, as actions/checkout leaves it.
 */
export async function buildRepo(
  commits: readonly CommitFiles[],
  options: { checkout: boolean },
): Promise<BuiltRepo> {
  const dir = await initRepo();
  try {
    // A detached `git gc` started by a later command would race the clean-up.
    await git(dir, ['config', 'gc.auto', '0']);
    await fastImport(dir, commits);
    const shas = (await git(dir, ['rev-list', '--reverse', 'main'])).split('\n');
    if (shas.length !== commits.length) throw new Error(`expected ${commits.length} commits`);
    if (options.checkout) await git(dir, ['reset', '--hard', '--quiet', 'main']);
    return { dir, commits: shas };
  } catch (error) {
    await removeDir(dir);
    throw error;
  }
}
