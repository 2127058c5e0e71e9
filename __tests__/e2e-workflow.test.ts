// The e2e workflow run locally, step by step: its own `run:` scripts in bash (the fake API started
// in the background, the verify step) and its `uses: ./` step through the bundled action, with the
// `${{ }}` expressions filled in from the outputs of the steps before, as the runner does.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { editableFields } from '../src/ververica/draft.js';
import { VervericaClient } from '../src/ververica/client.js';
import type { DraftState, StateDocument } from '../scripts/fake-api.js';
import { ROOT, runAction, type ActionRun } from './support/action-runner.js';
import { pushEvent, ZERO_SHA } from './support/events.js';
import { commitFiles, initRepo, makeTempDir, removeDir } from './support/git-repo.js';

type Step = {
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
};
type Workflow = { env?: Record<string, string>; jobs: Record<string, { steps: Step[] }> };

const workflow = parse(
  await readFile(path.join(ROOT, '.github', 'workflows', 'e2e.yml'), 'utf8'),
) as Workflow;
const [job] = Object.values(workflow.jobs);
const steps = job?.steps ?? [];

function step(what: string, match: (s: Step) => boolean): Step {
  const found = steps.find(match);
  if (!found) throw new Error(`e2e.yml has no step that ${what}`);
  return found;
}

const fakeStep = step('runs scripts/fake-api.ts', (s) => !!s.run?.includes('scripts/fake-api.ts'));
const actionStep = step('uses ./', (s) => s.uses === './');
const verifyStep = step('runs scripts/e2e-verify.ts', (s) => !!s.run?.includes('e2e-verify.ts'));
const stopStep = step('stops the fake', (s) => !!s.run?.includes('FAKE_PID'));

interface Context {
  env: Record<string, string>;
  steps: Record<string, Record<string, string>>;
}

/** Fills in `${{ env.X }}` and `${{ steps.<id>.outputs.<name> }}`; anything else is an error. */
function expand(text: string, context: Context): string {
  return text.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, expression: string) => {
    const env = /^env\.(\w+)$/.exec(expression);
    const output = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expression);
    const value = env
      ? context.env[env[1] as string]
      : output && context.steps[output[1] as string]?.[output[2] as string];
    if (value === undefined || value === null) {
      throw new Error(`e2e.yml: no value for \${{ ${expression} }} here`);
    }
    return value;
  });
}

function expandAll(map: Record<string, string> | undefined, context: Context) {
  return Object.fromEntries(
    Object.entries(map ?? {}).map(([name, value]) => [name, expand(String(value), context)]),
  );
}

/** Reads `name=value` lines, the form the fake's script writes. */
function stepOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) outputs[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return outputs;
}

/** The action.yml defaults a runner fills in for inputs the step leaves out. */
async function actionDefaults(): Promise<Record<string, string>> {
  const action = parse(await readFile(path.join(ROOT, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>;
  };
  return Object.fromEntries(
    Object.entries(action.inputs)
      .filter(([, input]) => input.default !== undefined && !input.default.includes('${{'))
      .map(([name, input]) => [name, String(input.default)]),
  );
}

interface Shell {
  code: number | null;
  output: string;
}

/** A `run:` step as the runner starts it: bash -eo pipefail, in the checkout of this repository. */
function runStep(script: string, env: Record<string, string>): Promise<Shell> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('the e2e workflow, run locally', () => {
  let checkout: string;
  let runnerTemp: string;
  let context: Context;
  let fake: Record<string, string>;
  let sync: ActionRun;

  /** Env of a `run:` step: the runner's variables, then the workflow's, then the step's own. */
  const stepEnv = async (s: Step, ctx: Context): Promise<Record<string, string>> => {
    const output = path.join(runnerTemp, `output-${Math.random().toString(36).slice(2)}`);
    await writeFile(output, '');
    return {
      GITHUB_WORKSPACE: checkout,
      GITHUB_OUTPUT: output,
      RUNNER_TEMP: runnerTemp,
      ...ctx.env,
      ...expandAll(s.env, ctx),
    };
  };

  const verify = async (syncOutputs: Record<string, string>): Promise<Shell> => {
    const ctx = { ...context, steps: { ...context.steps, sync: syncOutputs } };
    return runStep(verifyStep.run ?? '', await stepEnv(verifyStep, ctx));
  };

  beforeAll(async () => {
    // The checkout: a real repository; the sample is written into it untracked, as on a runner.
    checkout = await initRepo();
    const head = await commitFiles(checkout, { 'README.md': '# flink jobs\n' }, 'Initial commit');
    runnerTemp = await makeTempDir('fds-runner-temp-');
    context = { env: { ...workflow.env }, steps: {} };

    const env = await stepEnv(fakeStep, context);
    const started = await runStep(fakeStep.run ?? '', env);
    // Outputs first: with a pid, afterAll stops the server even when the step failed later on.
    fake = stepOutputs(await readFile(env.GITHUB_OUTPUT as string, 'utf8'));
    context.steps.fake = fake;
    expect(started).toEqual(expect.objectContaining({ code: 0 }));

    sync = await runAction({
      workspace: checkout,
      eventName: 'push',
      event: pushEvent({ before: ZERO_SHA, after: head }),
      inputs: { ...(await actionDefaults()), ...expandAll(actionStep.with, context) },
      env: { GITHUB_SHA: head },
    });
    context.steps.sync = sync.outputs;
  });

  afterAll(async () => {
    if (fake?.pid) await runStep(stopStep.run ?? '', await stepEnv(stopStep, context));
    if (checkout) await removeDir(checkout);
    if (runnerTemp) await removeDir(runnerTemp);
  });

  it('the fake step hands over an endpoint, IDs, a key pair and a state URL', () => {
    expect(fake).toEqual(
      expect.objectContaining({
        endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        workspace: expect.any(String),
        namespace: expect.any(String),
        'access-key-id': expect.any(String),
        'access-key-secret': expect.any(String),
        'state-url': expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/drafts$/),
      }),
    );
  });

  it('the action step succeeds and updates the drafts whose files differ', () => {
    expect({ exitCode: sync.exitCode, stderr: sync.stderr }).toEqual({ exitCode: 0, stderr: '' });
    expect(sync.outputs).toEqual(
      expect.objectContaining({ updated: '3', unchanged: '1', skipped: '0', failed: '0' }),
    );
  });

  it('the verify step passes', async () => {
    const result = await verify(sync.outputs);
    expect(result).toEqual({ code: 0, output: expect.stringContaining('e2e verify passed') });
  });

  describe('the verify step fails when the run fell short', () => {
    const drafts = async (): Promise<DraftState[]> =>
      ((await (await fetch(fake['state-url'] as string)).json()) as StateDocument).drafts;

    /** A signed PATCH of one draft's script, as an edit in the console would make. */
    const setScript = async (draft: DraftState, sqlScript: string) => {
      const client = new VervericaClient({
        endpoint: new URL(fake.endpoint as string),
        credentials: async () => ({
          accessKeyId: fake['access-key-id'] as string,
          accessKeySecret: fake['access-key-secret'] as string,
        }),
        requestTimeoutMs: 10_000,
      });
      try {
        const ref = {
          workspace: draft.workspace,
          namespace: draft.namespace,
          draftId: draft.draftId,
        };
        const read = await client.getDraft(ref);
        if (!read.ok) throw new Error(read.error.message);
        const current = read.value;
        const artifact = { ...current.artifact, kind: current.artifact?.kind ?? 'SQLSCRIPT' };
        artifact.sqlArtifact = { ...artifact.sqlArtifact, sqlScript };
        // As any other writer must: take the edit lock, send the editable fields only.
        const lock = await client.getLock(ref);
        if (!lock.ok) throw new Error(lock.error.message);
        const written = await client.updateDraft(ref, { ...editableFields(current), artifact });
        if (!written.ok) throw new Error(written.error.message);
      } finally {
        await client.close();
      }
    };

    it.each<[string, Record<string, string>, RegExp]>([
      [
        'updated is one short',
        { updated: '2', unchanged: '1' },
        /output updated is "2", expected 3/,
      ],
      ['failed is not zero', { failed: '1' }, /output failed is "1", expected 0/],
      ['results lacks a row', { results: '[]' }, /results says undefined, expected updated/],
    ])('when %s', async (_name, change, problem) => {
      const result = await verify({ ...sync.outputs, ...change });
      expect(result.code).toBe(1);
      expect(result.output).toMatch(problem);
    });

    it('when a draft changed in the fake after the sync', async () => {
      const [first] = await drafts();
      if (!first) throw new Error('the fake reports no drafts');
      const original = first.sqlScript ?? '';
      await setScript(first, `${original} `);
      try {
        const result = await verify(sync.outputs);
        expect(result.code).toBe(1);
        expect(result.output).toContain(`differs from ${first.file} at byte`);
      } finally {
        await setScript(first, original);
      }
      expect((await verify(sync.outputs)).code).toBe(0);
    });

    it('when a sample file no longer matches its draft', async () => {
      const [, second] = await drafts();
      if (!second) throw new Error('the fake reports fewer than two drafts');
      const file = path.join(checkout, second.file);
      const bytes = await readFile(file);
      await appendFile(file, '\n');
      try {
        const result = await verify(sync.outputs);
        expect(result.code).toBe(1);
        expect(result.output).toContain(`differs from ${second.file} at byte ${bytes.length}`);
      } finally {
        await writeFile(file, bytes);
      }
    });
  });
});
