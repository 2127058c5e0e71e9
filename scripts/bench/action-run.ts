// Runs a Node program in a child process and measures it from the outside: when it was started,
// its wall time from start to exit, and its peak resident set size. The bundled action runs as a
// runner starts it (through the shared action runner); the baseline script runs the same way.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { runAction, type ActionRun } from '../../__tests__/support/action-runner.js';
import { pushEvent } from '../../__tests__/support/events.js';
import type { FakeVervericaApi } from '../../__tests__/support/fake-ververica.js';
import { makeTempDir, removeDir } from '../../__tests__/support/git-repo.js';
import { CREDENTIAL } from './drafts.js';

const TIME_BIN = '/usr/bin/time';

export type RssMethod = '/usr/bin/time' | 'exit hook';

export interface Measured {
  /** Epoch ms just before the process was spawned. */
  startedAt: number;
  /** From spawning the process to its exit. */
  wallMs: number;
  peakRssKiB: number;
  /** User plus system CPU time of the process. */
  cpuMs: number;
  rssMethod: RssMethod;
}

interface Wrapper {
  /** Started in place of the Node binary; runs it and records the measurements. */
  executable: string;
  files: { rss: string; wall: string; start: string };
  method: RssMethod;
}

/**
 * A stand-in for the Node binary that runs the real one and records its start, wall time and
 * peak RSS. GNU time reads the peak from the kernel when the process ends (wait4's ru_maxrss),
 * without touching the process; without it, a preloaded exit hook reads the same counter from
 * inside. The stand-in is a Node script rather than a shell script because dash drops the
 * runner's `INPUT_ROLE-DURATION-SECONDS`-style variables, whose names are not valid shell names.
 * Its own start-up happens before the clock starts.
 */
async function measuringWrapper(scratch: string, node: string): Promise<Wrapper> {
  const files = {
    rss: path.join(scratch, 'rss.txt'),
    wall: path.join(scratch, 'wall.txt'),
    start: path.join(scratch, 'start.txt'),
  };
  let command: string[];
  let method: RssMethod;
  if (existsSync(TIME_BIN)) {
    method = '/usr/bin/time';
    command = [TIME_BIN, '-f', '%M %U %S', '-o', files.rss, node];
  } else {
    method = 'exit hook';
    const hook = path.join(scratch, 'rss-hook.mjs');
    await writeFile(
      hook,
      `import { writeFileSync } from 'node:fs';\n` +
        `process.on('exit', () => { const u = process.resourceUsage(); ` +
        `writeFileSync(${JSON.stringify(files.rss)}, [u.maxRSS, u.userCPUTime / 1e6, u.systemCPUTime / 1e6].join(' ')); });\n`,
    );
    command = [node, '--import', pathToFileURL(hook).href];
  }
  if (/\s/.test(process.execPath)) throw new Error('the Node binary path has a space');
  const executable = path.join(scratch, 'node-measured.mjs');
  const script = [
    `#!${process.execPath}`,
    `import { spawn } from 'node:child_process';`,
    `import { writeFileSync } from 'node:fs';`,
    `const [file, ...args] = ${JSON.stringify(command)};`,
    `writeFileSync(${JSON.stringify(files.start)}, String(performance.timeOrigin + performance.now()));`,
    `const start = process.hrtime.bigint();`,
    `const child = spawn(file, [...args, ...process.argv.slice(2)], { stdio: 'inherit' });`,
    `child.on('exit', (code, signal) => {`,
    `  writeFileSync(${JSON.stringify(files.wall)}, String(Number(process.hrtime.bigint() - start) / 1e6));`,
    `  if (signal) process.kill(process.pid, signal);`,
    `  else process.exitCode = code ?? 1;`,
    `});`,
  ];
  await writeFile(executable, `${script.join('\n')}\n`);
  await chmod(executable, 0o755);
  return { executable, files, method };
}

/** The numbers on the last line of a file the wrapper wrote. */
async function readNumbers(file: string, count: number): Promise<number[]> {
  // GNU time writes "Command exited with non-zero status N" above the values when the step fails.
  const lines = (await readFile(file, 'utf8')).trim().split('\n');
  const values = (lines.at(-1) ?? '').trim().split(/\s+/).map(Number);
  if (values.length !== count || !values.every(Number.isFinite)) {
    throw new Error(`no measurement in ${file}`);
  }
  return values;
}

async function measurements(wrapper: Wrapper): Promise<Measured> {
  const [startedAt = 0] = await readNumbers(wrapper.files.start, 1);
  const [wallMs = 0] = await readNumbers(wrapper.files.wall, 1);
  const [peakRssKiB = 0, userSeconds = 0, systemSeconds = 0] = await readNumbers(
    wrapper.files.rss,
    3,
  );
  return {
    startedAt,
    wallMs,
    peakRssKiB,
    cpuMs: (userSeconds + systemSeconds) * 1000,
    rssMethod: wrapper.method,
  };
}

export interface ActionPush {
  /** The Node binary the action runs on. */
  node: string;
  repo: { dir: string; before: string; after: string };
  api: FakeVervericaApi;
  inputs?: Record<string, string>;
}

/** One push-event run of dist/index.js against the fake API, with its measurements. */
export async function measuredAction(
  push: ActionPush,
): Promise<{ measured: Measured; run: ActionRun }> {
  const scratch = await makeTempDir('fds-bench-');
  try {
    const wrapper = await measuringWrapper(scratch, push.node);
    const run = await runAction({
      node: wrapper.executable,
      workspace: push.repo.dir,
      eventName: 'push',
      event: pushEvent({ before: push.repo.before, after: push.repo.after }),
      inputs: {
        endpoint: push.api.url,
        'access-key-id': CREDENTIAL.accessKeyId,
        'access-key-secret': CREDENTIAL.accessKeySecret,
        'comment-on-pr': 'false',
        ...push.inputs,
      },
    });
    return { measured: await measurements(wrapper), run };
  } finally {
    await removeDir(scratch);
  }
}

/** A Node script run with `args`, measured the same way as the action. */
export async function measuredScript(
  node: string,
  args: readonly string[],
  cwd: string,
): Promise<{ measured: Measured; exitCode: number | null; output: string }> {
  const scratch = await makeTempDir('fds-bench-');
  try {
    const wrapper = await measuringWrapper(scratch, node);
    const child = spawn(wrapper.executable, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (output += text));
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    return { measured: await measurements(wrapper), exitCode, output };
  } finally {
    await removeDir(scratch);
  }
}
