// Runs the bundled action (dist/index.js) in a child process exactly as a runner does: inputs as
// INPUT_* env vars, an event file, and temp files behind GITHUB_OUTPUT and GITHUB_STEP_SUMMARY.
// Shared by the end-to-end tests, the demo, the benchmarks and the CI smoke run.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BUNDLE = path.join(ROOT, 'dist', 'index.js');

export interface RunActionOptions {
  /** The checkout the action runs in (GITHUB_WORKSPACE). */
  workspace: string;
  eventName: string;
  event: unknown;
  /** Action inputs by their action.yml names; missing ones get action.yml's defaults. */
  inputs?: Record<string, string>;
  env?: Record<string, string>;
  /** Node binary; defaults to the one running this process. */
  node?: string;
  /** Sends SIGKILL after this many ms (crash tests). */
  killAfterMs?: number;
  /** Kill as soon as stdout matches (crash tests, deterministic). */
  killWhen?: (stdout: string) => boolean;
}

export interface Annotation {
  level: string;
  properties: Record<string, string>;
  message: string;
}

export interface ActionRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  summary: string;
  outputs: Record<string, string>;
  annotations: Annotation[];
  /** The raw text of the output file (for secret canaries). */
  outputFile: string;
}

/**
 * The defaults a runner passes: action.yml's own, read from it as the runner reads it (the
 * github.token expression becomes a fake token).
 */
export const ACTION_DEFAULTS: Record<string, string> = Object.fromEntries(
  Object.entries(
    (
      parseYaml(readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as {
        inputs: Record<string, { default?: unknown }>;
      }
    ).inputs,
  )
    .map(([name, input]) => [name, String(input.default ?? '')] as const)
    .filter(([, value]) => value !== '')
    .map(([name, value]) =>
      name === 'github-token' ? [name, 'ghs_fake_token_for_tests'] : [name, value],
    ),
);

export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<=]+)<<(.+)$/.exec(lines[i] ?? '');
    if (!match) continue;
    const [, name, delimiter] = match as unknown as [string, string, string];
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] ?? '');
    outputs[name] = value.join('\n');
  }
  return outputs;
}

function unescapeData(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

export function parseAnnotations(stdout: string): Annotation[] {
  const annotations: Annotation[] = [];
  for (const line of stdout.split('\n')) {
    const match = /^::(error|warning|notice)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!match) continue;
    const properties: Record<string, string> = {};
    for (const pair of (match[2] ?? '').split(',')) {
      const eq = pair.indexOf('=');
      if (eq > 0)
        properties[pair.slice(0, eq)] = unescapeData(pair.slice(eq + 1))
          .replace(/%3A/g, ':')
          .replace(/%2C/g, ',');
    }
    annotations.push({
      level: match[1] as string,
      properties,
      message: unescapeData(match[3] ?? ''),
    });
  }
  return annotations;
}

export async function runAction(options: RunActionOptions): Promise<ActionRun> {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'fds-run-'));
  try {
    const eventPath = path.join(scratch, 'event.json');
    const outputPath = path.join(scratch, 'output.txt');
    const summaryPath = path.join(scratch, 'summary.md');
    await writeFile(eventPath, JSON.stringify(options.event));
    await writeFile(outputPath, '');
    await writeFile(summaryPath, '');
    const inputs = { ...ACTION_DEFAULTS, ...options.inputs };
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? scratch,
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: options.workspace,
      GITHUB_EVENT_NAME: options.eventName,
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_OUTPUT: outputPath,
      GITHUB_STEP_SUMMARY: summaryPath,
      GITHUB_REPOSITORY: 'octo-org/flink-jobs',
      GITHUB_RUN_ID: '4242',
      GITHUB_SHA: '',
      RUNNER_TEMP: scratch,
      ...options.env,
    };
    for (const [name, value] of Object.entries(inputs)) {
      env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
    }
    const child = spawn(options.node ?? process.execPath, [BUNDLE], {
      cwd: options.workspace,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (options.killWhen?.(stdout)) child.kill('SIGKILL');
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer =
      options.killAfterMs === undefined
        ? undefined
        : setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
    const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(
      (resolve, reject) => {
        child.on('error', reject);
        child.on('close', (code, sig) => resolve([code, sig]));
      },
    );
    if (timer) clearTimeout(timer);
    const outputFile = await readFile(outputPath, 'utf8');
    return {
      exitCode,
      signal,
      stdout,
      stderr,
      summary: await readFile(summaryPath, 'utf8'),
      outputs: parseOutputFile(outputFile),
      annotations: parseAnnotations(stdout),
      outputFile,
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
