// Settings are built from INPUT_* variables, the runner's env and the event file, exactly as the
// runner provides them. Inputs start from action.yml's own defaults, so the file and the code agree.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { eventInfo, getSettings, type ActionSettings as Settings } from '../src/action/inputs.js';
import {
  INPUT_DEFAULTS,
  INPUT_RANGES,
  parseSettings,
  SettingsError,
  type InputName,
  type RunContext,
} from '../src/settings.js';
import { ROOT } from './support/action-runner.js';
import { pullRequestEvent, pushEvent, workflowDispatchEvent, ZERO_SHA } from './support/events.js';

const BEFORE = '1'.repeat(40);
const AFTER = '2'.repeat(40);
const BASE = '3'.repeat(40);
const HEAD = '4'.repeat(40);
const ENV_SHA = '5'.repeat(40);

const RUNNER_VARS = [
  'GITHUB_EVENT_NAME',
  'GITHUB_EVENT_PATH',
  'GITHUB_SHA',
  'GITHUB_WORKSPACE',
  'GITHUB_REPOSITORY',
  'GITHUB_API_URL',
  'GITHUB_RUN_ID',
  'GITHUB_REF',
];

/** action.yml's defaults, as the runner passes them; the github.token expression becomes a value. */
let yamlDefaults: Record<string, string>;
let scratch: string;
let saved: Record<string, string | undefined>;

beforeAll(async () => {
  const action = parse(await readFile(path.join(ROOT, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>;
  };
  yamlDefaults = Object.fromEntries(
    Object.entries(action.inputs).map(([name, spec]) => [
      name,
      name === 'github-token' ? 'ghs_settings_test_token' : String(spec.default ?? ''),
    ]),
  );
});

beforeEach(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'fds-settings-'));
  saved = {};
  for (const name of Object.keys(process.env)) {
    if (name.startsWith('INPUT_') || RUNNER_VARS.includes(name)) saved[name] = process.env[name];
  }
  for (const name of Object.keys(saved)) delete process.env[name];
});

afterEach(async () => {
  for (const name of Object.keys(process.env)) {
    if (name.startsWith('INPUT_') || RUNNER_VARS.includes(name)) delete process.env[name];
  }
  for (const [name, value] of Object.entries(saved)) {
    if (value !== undefined) process.env[name] = value;
  }
  await rm(scratch, { recursive: true, force: true });
});

interface Scenario {
  eventName: string;
  event?: unknown;
  inputs?: Record<string, string>;
  env?: Record<string, string>;
}

/** Sets up the process as a runner would for one step, then reads the settings. */
async function settingsFor(s: Scenario): Promise<Settings> {
  for (const [name, value] of Object.entries({ ...yamlDefaults, ...s.inputs })) {
    process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  }
  const eventPath = path.join(scratch, 'event.json');
  await writeFile(eventPath, JSON.stringify(s.event ?? {}));
  Object.assign(process.env, {
    GITHUB_EVENT_NAME: s.eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_WORKSPACE: scratch,
    GITHUB_REPOSITORY: 'octo-org/flink-jobs',
    GITHUB_RUN_ID: '4242',
    ...s.env,
  });
  return getSettings();
}

async function problemsFor(s: Scenario): Promise<string[]> {
  try {
    await settingsFor(s);
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    return (error as SettingsError).problems;
  }
  throw new Error('expected a SettingsError');
}

const push = () => pushEvent({ before: BEFORE, after: AFTER });
const pr = (number = 7) => pullRequestEvent({ base: BASE, head: HEAD, number });

describe('getSettings', () => {
  it("accepts action.yml's defaults as they are", async () => {
    const settings = await settingsFor({ eventName: 'push', event: push() });
    expect(settings).toMatchObject({
      manifestPath: 'flink-drafts.yaml',
      mode: 'apply',
      syncAll: false,
      onDrift: 'fail',
      concurrency: 4,
      maxRetries: 4,
      requestTimeoutMs: 30_000,
      failOnError: true,
      commentOnPr: true,
      workspaceDir: scratch,
      repository: { owner: 'octo-org', repo: 'flink-jobs' },
      apiUrl: 'https://api.github.com',
      runId: '4242',
      defaults: { workspace: undefined, namespace: undefined },
    });
    expect(settings.credentials).toMatchObject({
      roleDurationSeconds: 3600,
      audience: 'sts.aliyuncs.com',
      roleSessionName: 'flink-draft-sync-4242',
    });
    expect(settings.timeoutMs).toBe(10 * 60_000);
  });

  it.each<[string, string, 'plan' | 'apply', unknown]>([
    ['pull_request', 'auto', 'plan', pr()],
    ['pull_request_target', 'auto', 'plan', pr()],
    ['push', 'auto', 'apply', push()],
    ['workflow_dispatch', 'auto', 'apply', workflowDispatchEvent()],
    ['schedule', 'auto', 'apply', {}],
    ['push', 'plan', 'plan', push()],
    ['pull_request', 'apply', 'apply', pr()],
    ['workflow_dispatch', 'plan', 'plan', workflowDispatchEvent()],
  ])('%s with mode %s runs in %s mode', async (eventName, mode, expected, event) => {
    const settings = await settingsFor({
      eventName,
      event,
      inputs: { mode },
      env: { GITHUB_SHA: ENV_SHA },
    });
    expect(settings.mode).toBe(expected);
  });

  it.each<[string, string, boolean, unknown]>([
    ['push', 'false', false, push()],
    ['push', 'true', true, push()],
    ['pull_request', 'true', true, pr()],
    ['workflow_dispatch', 'false', true, workflowDispatchEvent()],
  ])('%s with sync-all %s syncs every entry: %s', async (eventName, syncAll, expected, event) => {
    const settings = await settingsFor({
      eventName,
      event,
      inputs: { 'sync-all': syncAll },
      env: { GITHUB_SHA: ENV_SHA },
    });
    expect(settings.syncAll).toBe(expected);
  });

  it('reports every invalid input at once, each by name', async () => {
    const bad: Record<string, string> = {
      mode: 'sideways',
      'on-drift': 'ignore',
      concurrency: '0',
      'max-retries': 'three',
      'request-timeout-seconds': '601',
      'role-duration-seconds': '60',
      'fail-on-error': 'yes please',
      'comment-on-pr': 'maybe',
      'sync-all': '1',
    };
    const problems = await problemsFor({ eventName: 'push', event: push(), inputs: bad });
    expect(problems).toHaveLength(Object.keys(bad).length);
    for (const [name, value] of Object.entries(bad)) {
      const problem = problems.find((p) => p.startsWith(`input ${name}:`));
      expect({ name, problem }).toEqual({ name, problem: expect.stringContaining(`"${value}"`) });
    }
    expect(problems.find((p) => p.startsWith('input mode:'))).toContain('auto, plan, apply');
    expect(problems.find((p) => p.startsWith('input concurrency:'))).toContain('from 1 to 64');
  });

  it('reports empty required inputs together with the other problems', async () => {
    const problems = await problemsFor({
      eventName: 'push',
      event: push(),
      inputs: { concurrency: '', mode: '', manifest: '', audience: '', 'on-drift': 'later' },
    });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(
      [
        'input audience',
        'input concurrency',
        'input manifest',
        'input mode',
        'input on-drift',
      ].sort(),
    );
    expect(problems.find((p) => p.startsWith('input manifest:'))).toContain('required');
  });

  it('names the problem when no commit can be told', async () => {
    const problems = await problemsFor({ eventName: 'workflow_dispatch', event: {} });
    expect(problems).toEqual([expect.stringContaining('GITHUB_SHA is not set')]);
  });

  it('names an event file that is not JSON', async () => {
    const eventPath = path.join(scratch, 'broken.json');
    await writeFile(eventPath, '{"after": ');
    const problems = await problemsFor({
      eventName: 'push',
      env: { GITHUB_EVENT_PATH: eventPath, GITHUB_SHA: ENV_SHA },
    });
    expect(problems).toEqual([expect.stringContaining(`event file ${eventPath}`)]);
  });

  it('takes the PR number, head and base from a pull_request payload', async () => {
    const settings = await settingsFor({
      eventName: 'pull_request',
      event: pr(31),
      env: { GITHUB_SHA: ENV_SHA },
    });
    expect(settings.event).toMatchObject({
      name: 'pull_request',
      head: HEAD,
      base: BASE,
      pullNumber: 31,
      forced: false,
    });
    expect(settings.event.before).toBeUndefined();
  });

  it('reads the GitHub API root and the default inputs for workspace and namespace', async () => {
    const settings = await settingsFor({
      eventName: 'push',
      event: push(),
      inputs: { workspace: 'a14bd5d90a0000', namespace: 'default-namespace' },
      env: { GITHUB_API_URL: 'http://127.0.0.1:1/api/v3' },
    });
    expect(settings.apiUrl).toBe('http://127.0.0.1:1/api/v3');
    expect(settings.defaults).toEqual({
      workspace: 'a14bd5d90a0000',
      namespace: 'default-namespace',
    });
  });
});

describe('eventInfo', () => {
  it('reads a push: before, after, ref and default branch', () => {
    expect(eventInfo('push', push(), ENV_SHA)).toEqual({
      name: 'push',
      before: BEFORE,
      head: AFTER,
      forced: false,
      defaultBranch: 'main',
      ref: 'refs/heads/main',
    });
  });

  it('treats the all-zero before of a first push as no before', () => {
    const info = eventInfo('push', pushEvent({ before: ZERO_SHA, after: AFTER }), ENV_SHA);
    expect(info.before).toBeUndefined();
    expect(info.head).toBe(AFTER);
  });

  it('keeps the forced flag of a force push', () => {
    const info = eventInfo('push', pushEvent({ before: BEFORE, after: AFTER, forced: true }), '');
    expect(info.forced).toBe(true);
  });

  it('falls back to GITHUB_SHA when the payload names no commit', () => {
    expect(eventInfo('workflow_dispatch', workflowDispatchEvent(), ENV_SHA)).toMatchObject({
      name: 'workflow_dispatch',
      head: ENV_SHA,
      before: undefined,
      forced: false,
    });
    expect(eventInfo('push', {}, undefined).head).toBe('');
  });

  it.each(['pull_request', 'pull_request_target'])('reads a %s payload', (name) => {
    expect(eventInfo(name, pr(12), ENV_SHA)).toMatchObject({
      name,
      head: HEAD,
      base: BASE,
      pullNumber: 12,
      forced: false,
      defaultBranch: expect.any(String),
    });
  });

  it('takes the top-level number when the pull request object has none', () => {
    const payload = pr(44);
    delete (payload.pull_request as Record<string, unknown>).number;
    expect(eventInfo('pull_request', payload, ENV_SHA).pullNumber).toBe(44);
  });

  it('ignores values of the wrong type', () => {
    const info = eventInfo(
      'push',
      { before: 42, after: ['x'], forced: 'yes', number: '7' },
      ENV_SHA,
    );
    expect(info).toMatchObject({ before: undefined, head: ENV_SHA, forced: false });
    expect(info.pullNumber).toBeUndefined();
  });
});

describe('parseSettings', () => {
  const context: RunContext = {
    event: { name: 'push', head: AFTER, before: BEFORE, forced: false },
    workspaceDir: '/checkout',
    runId: '42',
  };
  const settingsOf = (inputs: Partial<Record<InputName, string>>, runId = '42') =>
    parseSettings((name) => inputs[name], { ...context, runId });
  const problems = (inputs: Partial<Record<InputName, string>>, runId = '42'): string[] => {
    try {
      settingsOf(inputs, runId);
    } catch (error) {
      expect(error).toBeInstanceOf(SettingsError);
      return (error as SettingsError).problems;
    }
    throw new Error('expected a SettingsError');
  };

  it("holds every default and every input name to action.yml's", () => {
    const fromYaml = { ...yamlDefaults };
    delete fromYaml['github-token'];
    expect(INPUT_DEFAULTS).toEqual(fromYaml);
  });

  it('states each range in the description action.yml shows', async () => {
    const action = parse(await readFile(path.join(ROOT, 'action.yml'), 'utf8')) as {
      inputs: Record<string, { description: string }>;
    };
    for (const [name, range] of Object.entries(INPUT_RANGES)) {
      const description = action.inputs[name]?.description ?? '';
      expect({ name, says: description.includes(String(range.max)) }).toEqual({ name, says: true });
    }
  });

  it('takes the defaults for inputs not given at all', () => {
    expect(settingsOf({})).toMatchObject({
      manifestPath: 'flink-drafts.yaml',
      mode: 'apply',
      concurrency: 4,
      retryBaseDelayMs: 500,
      credentials: {
        roleSessionName: 'flink-draft-sync-42',
        roleDurationSeconds: 3600,
        audience: 'sts.aliyuncs.com',
      },
    });
  });

  it.each<[string, Partial<Record<InputName, string>>, string, Record<string, unknown>]>([
    [
      'a given session name',
      { 'role-session-name': 'deploy@acme.prod' },
      '42',
      { roleSessionName: 'deploy@acme.prod' },
    ],
    ['no usable run id', {}, '', { roleSessionName: 'flink-draft-sync' }],
    [
      'a run id with other characters',
      {},
      '12 34/5',
      { roleSessionName: 'flink-draft-sync-12345' },
    ],
    [
      'the shortest duration',
      { 'role-duration-seconds': '900' },
      '42',
      { roleDurationSeconds: 900 },
    ],
    [
      'the longest duration',
      { 'role-duration-seconds': '43200' },
      '42',
      { roleDurationSeconds: 43200 },
    ],
    ['an audience', { audience: 'github-flink' }, '42', { audience: 'github-flink' }],
  ])('credentials: %s', (_name, inputs, runId, expected) => {
    expect(settingsOf(inputs, runId).credentials).toMatchObject(expected);
  });

  it.each<[string, Partial<Record<InputName, string>>, string[]]>([
    [
      'duration too short',
      { 'role-duration-seconds': '899' },
      ['role-duration-seconds', '900', '"899"'],
    ],
    ['duration too long', { 'role-duration-seconds': '43201' }, ['role-duration-seconds', '43200']],
    ['duration not whole', { 'role-duration-seconds': '3600.5' }, ['role-duration-seconds']],
    ['duration not a number', { 'role-duration-seconds': '1h' }, ['role-duration-seconds']],
    ['session name too short', { 'role-session-name': 'a' }, ['role-session-name', '"a"']],
    ['session name with a space', { 'role-session-name': 'my run' }, ['role-session-name']],
    ['a boolean spelled otherwise', { 'list-drafts': 'yes' }, ['list-drafts', 'true or false']],
    ['deploy spelled otherwise', { deploy: 'on' }, ['deploy', 'true or false']],
    ['an unknown restart', { restart: 'always' }, ['restart', 'never, if-running', '"always"']],
    ['an unknown on-start-failure', { 'on-start-failure': 'retry' }, ['on-start-failure']],
    ['a wait of nothing', { 'wait-minutes': '0' }, ['wait-minutes', 'above 0']],
    ['a wait over two hours', { 'wait-minutes': '121' }, ['wait-minutes', '120']],
    ['an empty deployment target', { 'deployment-target': '' }, ['deployment-target', 'empty']],
  ])('refuses %s', (_name, inputs, expected) => {
    const found = problems(inputs);
    expect(found).toHaveLength(1);
    for (const part of expected) expect(found[0]).toContain(part);
  });

  it('reads the rollout inputs, off by default', () => {
    expect(settingsOf({}, '42').rollout).toEqual({
      deploy: false,
      deploymentTarget: 'default-queue',
      restart: 'never',
      waitMs: 300_000,
      onStartFailure: 'rollback',
    });
    expect(
      settingsOf(
        {
          deploy: 'true',
          restart: 'if-running',
          'wait-minutes': '0.5',
          'on-start-failure': 'leave',
        },
        '42',
      ).rollout,
    ).toMatchObject({
      deploy: true,
      restart: 'if-running',
      waitMs: 30_000,
      onStartFailure: 'leave',
    });
  });

  it.each(['true', 'True', 'TRUE', 'false', 'False', 'FALSE'])('reads %s as a boolean', (text) => {
    expect(settingsOf({ 'sync-all': text }).syncAll).toBe(text.toLowerCase() === 'true');
  });
});
