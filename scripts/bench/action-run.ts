// Runs the bundled action against the fake Ververica API on a generated repository, and measures
// the action's own process: its wall time from start to exit, and its peak resident set size.
import { existsSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { runAction, type ActionRun } from '../../__tests__/support/action-runner.js';
import { pushEvent } from '../../__tests__/support/events.js';
import { FakeVervericaApi } from '../../__tests__/support/fake-ververica.js';
import { commitFiles, initRepo, makeTempDir, removeDir } from '../../__tests__/support/git-repo.js';
import { NAMESPACE, WORKSPACE, draftId, manifestText, sqlPath } from './fixtures.js';

const CREDENTIAL = { accessKeyId: 'LTAI5tBenchKeyId000000', accessKeySecret: 'bench-secret' };
const TIME_BIN = '/usr/bin/time';

/** A repository whose second commit changes every mapped file; the drafts hold the first. */
export interface DraftRepo {
  dir: string;
  before: string;
  after: string;
  files: { file: string; draftId: string; old: string; new: string }[];
}

export async function createDraftRepo(
  scripts: readonly { old: string; new: string }[],
): Promise<DraftRepo> {
  const dir = await initRepo();
  const files = scripts.map((s, i) => ({ file: sqlPath(i), draftId: draftId(i), ...s }));
  const first: Record<string, string> = {
    'flink-drafts.yaml': manifestText(files.map((f) => f.file)),
  };
  for (const f of files) first[f.file] = f.old;
  const before = await commitFiles(dir, first, 'Add Flink SQL jobs');
  const after = await commitFiles(
    dir,
    Object.fromEntries(files.map((f) => [f.file, f.new])),
    'Change every job',
  );
  return { dir, before, after, files };
}

async function seededFake(repo: DraftRepo, latencyMs: number): Promise<FakeVervericaApi> {
  const api = await FakeVervericaApi.start({ credentials: [CREDENTIAL], latencyMs });
  for (const f of repo.files) {
    api.seedDraft({
      deploymentDraftId: f.draftId,
      name: path.basename(f.file, '.sql'),
      workspace: WORKSPACE,
      namespace: NAMESPACE,
      engineVersion: 'vvr-8.0.9-flink-1.17',
      executionMode: 'STREAMING',
      artifact: { kind: 'SQLSCRIPT', sqlArtifact: { sqlScript: f.old } },
      createdAt: 1760000000,
      modifiedAt: 1760000000,
    });
  }
  return api;
}

export type RssMethod = '/usr/bin/time' | 'exit hook';

interface Wrapper {
  /** Given to the runner in place of the Node binary. */
  node: string;
  rssFile: string;
  wallFile: string;
  method: RssMethod;
}

/**
 * A stand-in for the Node binary that runs the real one and records its wall time and peak RSS.
 * GNU time reads the peak from the kernel when the process ends (wait4's ru_maxrss), without
 * touching the process; without it, a preloaded exit hook reads the same counter from inside.
 * The stand-in is a Node script rather than a shell script because dash drops the runner's
 * `INPUT_ROLE-DURATION-SECONDS`-style variables, whose names are not valid shell names.
 */
async function measuringWrapper(scratch: string): Promise<Wrapper> {
  const rssFile = path.join(scratch, 'rss.txt');
  const wallFile = path.join(scratch, 'wall.txt');
  const node = path.join(scratch, 'node-measured.mjs');
  let command: string[];
  let method: RssMethod;
  if (existsSync(TIME_BIN)) {
    method = '/usr/bin/time';
    command = [TIME_BIN, '-f', '%M', '-o', rssFile, process.execPath];
  } else {
    method = 'exit hook';
    const hook = path.join(scratch, 'rss-hook.mjs');
    await writeFile(
      hook,
      `import { writeFileSync } from 'node:fs';\n` +
        `process.on('exit', () => writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)));\n`,
    );
    command = [process.execPath, '--import', pathToFileURL(hook).href];
  }
  if (/\s/.test(process.execPath))
    throw new Error('the Node binary path has a space; cannot wrap it');
  const script = [
    `#!${process.execPath}`,
    `import { spawn } from 'node:child_process';`,
    `import { writeFileSync } from 'node:fs';`,
    `const [file, ...args] = ${JSON.stringify(command)};`,
    `const start = process.hrtime.bigint();`,
    `const child = spawn(file, [...args, ...process.argv.slice(2)], { stdio: 'inherit' });`,
    `child.on('exit', (code, signal) => {`,
    `  writeFileSync(${JSON.stringify(wallFile)}, String(Number(process.hrtime.bigint() - start) / 1e6));`,
    `  if (signal) process.kill(process.pid, signal);`,
    `  else process.exitCode = code ?? 1;`,
    `});`,
  ];
  await writeFile(node, `${script.join('\n')}\n`);
  await chmod(node, 0o755);
  return { node, rssFile, wallFile, method };
}

/** The last line of a file the wrapper wrote, as a number. */
async function readNumber(file: string): Promise<number> {
  // GNU time writes "Command exited with non-zero status N" above the value when the step fails.
  const lines = (await readFile(file, 'utf8')).trim().split('\n');
  const value = Number(lines.at(-1));
  if (!Number.isFinite(value)) throw new Error(`no measurement in ${file}`);
  return value;
}

export interface SyncRun {
  /** From starting the action's process to its exit: what the step takes, less the runner's part. */
  wallMs: number;
  peakRssKb: number;
  rssMethod: RssMethod;
  exitCode: number | null;
  updated: number;
  maxInFlight: number;
  /** Files whose draft holds exactly the file's text after the run. */
  identical: number;
  run: ActionRun;
}

/** One push event run of the action, with a freshly seeded fake so every run does the same work. */
export async function measuredSync(
  repo: DraftRepo,
  options: { latencyMs: number; concurrency: number },
): Promise<SyncRun> {
  const api = await seededFake(repo, options.latencyMs);
  const scratch = await makeTempDir('fds-bench-');
  try {
    const wrapper = await measuringWrapper(scratch);
    const run = await runAction({
      node: wrapper.node,
      workspace: repo.dir,
      eventName: 'push',
      event: pushEvent({ before: repo.before, after: repo.after }),
      inputs: {
        endpoint: api.url,
        'access-key-id': CREDENTIAL.accessKeyId,
        'access-key-secret': CREDENTIAL.accessKeySecret,
        concurrency: String(options.concurrency),
        'comment-on-pr': 'false',
      },
    });
    const identical = repo.files.filter(
      (f) => api.draft(WORKSPACE, NAMESPACE, f.draftId)?.artifact?.sqlArtifact?.sqlScript === f.new,
    ).length;
    return {
      wallMs: await readNumber(wrapper.wallFile),
      peakRssKb: await readNumber(wrapper.rssFile),
      rssMethod: wrapper.method,
      exitCode: run.exitCode,
      updated: Number(run.outputs.updated ?? 0),
      maxInFlight: api.maxInFlight,
      identical,
      run,
    };
  } finally {
    await api.stop();
    await removeDir(scratch);
  }
}
