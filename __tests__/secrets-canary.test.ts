// Secret canaries: the bundled action runs every cheap scenario (success, plan, transient and
// permanent failures, an API that echoes credentials back, an expired token, the time budget
// running out, a broken manifest, bad endpoints) with step debug logging on, holding a unique
// AccessKey secret and STS token. Nothing it writes may contain either, nor any signature.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { runAction, type ActionRun } from './support/action-runner.js';
import { pullRequestEvent, pushEvent } from './support/events.js';
import { FakeVervericaApi, type FakeCredential } from './support/fake-ververica.js';
import { commitFiles, initRepo, removeDir } from './support/git-repo.js';
import { manifestYaml, resultRows, sqlDraft } from './support/scenario.js';

const WS = 'a14bd5d90a0000';
const NS = 'default-namespace';
const KEY_ID = 'STS.NUgYrLnoC37mZZCNnAbez2Xm';
// Unique per run, so a hit can only come from this run. An STS token is long base64: `+`, `/` and
// `=` make its JSON-escaped and percent-encoded spellings differ from the raw one.
const SECRET = `CanarySecret${randomBytes(12).toString('hex')}`;
const TOKEN = `CAIS${randomBytes(240).toString('base64')}`;
const ACCEPTED: FakeCredential = {
  accessKeyId: KEY_ID,
  accessKeySecret: SECRET,
  securityToken: TOKEN,
};

const DEBUG_ENV = { ACTIONS_STEP_DEBUG: 'true', RUNNER_DEBUG: '1' };

const ids = Array.from(
  { length: 6 },
  (_, i) => `c0ffee00-0000-4000-8000-${(i + 1).toString(16).padStart(12, '0')}`,
);
const files = ids.map((_, i) => `sql/canary_${i}.sql`);
const [okId, throttledId, forbiddenId, echoGetId, echoPatchId, lockedId] = ids as [
  string,
  string,
  string,
  string,
  string,
  string,
];

function manifest(draftIds: readonly string[]): string {
  const entries = draftIds.map((draftId, i) => ({ file: files[i] as string, draftId }));
  return manifestYaml(entries, { workspace: WS, namespace: NS });
}

/** Every spelling of a credential that would give it away. */
const LEAKS: Array<[string, RegExp | string]> = [
  ['the secret', SECRET],
  ['the token', TOKEN],
  ['the token, JSON-escaped', JSON.stringify(TOKEN).slice(1, -1)],
  ['the token, percent-encoded', encodeURIComponent(TOKEN)],
  ['the token, first 32 characters', TOKEN.slice(0, 32)],
  ['the token, last 32 characters', TOKEN.slice(-32)],
  ['the token, base64-encoded', Buffer.from(TOKEN).toString('base64').slice(8, 48)],
  ['a signature value', /Signature=[0-9a-f]/i],
  ['an Authorization header', 'ACS3-HMAC-SHA256 Credential'],
];

/** Everything a run leaves where a person could read it, minus the runner's mask commands. */
function readableText(run: ActionRun): Record<string, string> {
  const unmasked = (text: string): string =>
    text
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n');
  return {
    stdout: unmasked(run.stdout),
    stderr: unmasked(run.stderr),
    summary: run.summary,
    outputFile: run.outputFile,
    annotations: JSON.stringify(run.annotations),
  };
}

function leaksIn(run: ActionRun): string[] {
  const found: string[] = [];
  for (const [where, text] of Object.entries(readableText(run))) {
    for (const [what, pattern] of LEAKS) {
      const hit = typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text);
      if (hit) found.push(`${what} in ${where}`);
    }
  }
  return found;
}

interface Delivery {
  name: string;
  inputs: Record<string, string>;
  env: Record<string, string>;
}

const DELIVERIES: Delivery[] = [
  {
    name: 'inputs',
    inputs: {
      'access-key-id': KEY_ID,
      'access-key-secret': SECRET,
      'security-token': TOKEN,
    },
    env: {},
  },
  {
    name: 'ALIBABA_CLOUD_* env vars',
    inputs: {},
    env: {
      ALIBABA_CLOUD_ACCESS_KEY_ID: KEY_ID,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: SECRET,
      ALIBABA_CLOUD_SECURITY_TOKEN: TOKEN,
    },
  },
];

interface Context {
  repo: string;
  base: string;
  head: string;
  /** A second repository, whose last commit made the manifest invalid. */
  broken: { repo: string; base: string; head: string };
}

interface Target {
  workspace: string;
  eventName: string;
  event: unknown;
  sha: string;
}

interface Scenario {
  name: string;
  /** What the fake knows and does; the default accepts the canary credentials. */
  fake?: (api: FakeVervericaApi) => void;
  credentials?: FakeCredential;
  inputs?: Record<string, string>;
  target?: (ctx: Context) => Target;
  /** Proof the scenario ran as meant, so that a quiet run cannot pass for a clean one. */
  check: (run: ActionRun, api: FakeVervericaApi) => void;
}

const fast = { 'retry-delay-seconds': '0.01', 'retry-max-delay-seconds': '0.05' };

function statuses(run: ActionRun): Array<[string, string | null]> {
  return resultRows(run).map((r) => [r.status, r.code]);
}

/** A hostile API puts the token everywhere it can: code, request ID, cut short, encoded, names. */
const hostileEcho = JSON.stringify({
  requestId: TOKEN,
  success: false,
  errorCode: `InvalidSecurityToken.${TOKEN}`,
  errorMessage: `bad token ${TOKEN.slice(0, 200)} (${Buffer.from(`t=${TOKEN}`).toString('base64')})`,
});

const SCENARIOS: Scenario[] = [
  {
    name: 'an API that echoes the token in its error code, request ID, names, cut short and encoded',
    fake: (api) => {
      api.failNext(
        1,
        { kind: 'raw', status: 400, body: hostileEcho },
        { method: 'GET', draftId: echoGetId },
      );
      api.lockDraft(WS, NS, lockedId, `holder ${TOKEN.slice(0, 100)}`);
    },
    check: (run, api) => {
      expect(run.exitCode).toBe(1);
      const rows = resultRows(run);
      expect(rows.find((r) => r.draftId === echoGetId)).toMatchObject({
        status: 'failed',
        code: 'InvalidSecurityToken.***',
        requestId: '***',
      });
      expect(rows.find((r) => r.draftId === lockedId)?.code).toBe('DraftLocked');
      expect(api.calls.filter((c) => c.fault === 'raw')).toHaveLength(1);
    },
  },
  {
    name: 'success',
    check: (run, api) => {
      expect(run.exitCode).toBe(0);
      expect(run.outputs.updated).toBe(String(ids.length));
      // The token really travelled with the calls.
      expect(api.calls.every((c) => c.headers['x-acs-security-token'] === TOKEN)).toBe(true);
    },
  },
  {
    name: 'plan on a pull request',
    target: (ctx) => ({
      workspace: ctx.repo,
      eventName: 'pull_request',
      event: pullRequestEvent({ base: ctx.base, head: ctx.head }),
      sha: ctx.head,
    }),
    inputs: { 'comment-on-pr': 'false' },
    check: (run, api) => {
      expect(run.exitCode).toBe(0);
      expect(run.outputs.updated).toBe(String(ids.length));
      expect(api.calls.filter((c) => c.method === 'PATCH')).toEqual([]);
    },
  },
  {
    name: 'transient faults',
    fake: (api) => {
      api.failNext(
        2,
        { kind: 'status', status: 400, code: 'Throttling.User' },
        {
          draftId: throttledId,
        },
      );
      api.failNext(1, { kind: 'reset-after-apply' }, { method: 'PATCH', draftId: okId });
      api.setRandomFaults(0.3, 4242, [
        { kind: 'status', status: 503, code: 'ServiceUnavailable' },
        { kind: 'reset' },
        { kind: 'html', status: 502 },
      ]);
    },
    inputs: { ...fast, 'max-retries': '20' },
    check: (run, api) => {
      expect(run.exitCode).toBe(0);
      expect(api.calls.some((c) => c.fault !== undefined)).toBe(true);
    },
  },
  {
    name: 'permanent errors, and an API that echoes the credentials back',
    fake: (api) => {
      api.failNext(
        1,
        { kind: 'status', status: 403, code: 'Forbidden.RAM' },
        {
          draftId: forbiddenId,
        },
      );
      api.failNext(1, { kind: 'echo-secrets' }, { method: 'GET', draftId: echoGetId });
      api.failNext(
        1,
        { kind: 'echo-secrets', code: 'InvalidParameter' },
        {
          method: 'PATCH',
          draftId: echoPatchId,
        },
      );
      api.lockDraft(WS, NS, lockedId, 'Li Wei');
    },
    check: (run, api) => {
      expect(run.exitCode).toBe(1);
      expect(statuses(run)).toEqual([
        ['updated', null],
        ['updated', null],
        ['failed', 'Forbidden.RAM'],
        ['failed', 'InvalidParameter'],
        ['failed', 'InvalidParameter'],
        ['failed', 'DraftLocked'],
      ]);
      // The fake did offer the leak, twice.
      expect(api.calls.filter((c) => c.fault === 'echo-secrets')).toHaveLength(2);
    },
  },
  {
    name: 'a signature the API rejects',
    credentials: { accessKeyId: KEY_ID, accessKeySecret: 'the-real-secret', securityToken: TOKEN },
    check: (run) => {
      expect(run.exitCode).toBe(1);
      expect(statuses(run)).toEqual(ids.map(() => ['failed', 'SignatureDoesNotMatch']));
    },
  },
  {
    name: 'an expired security token',
    credentials: { ...ACCEPTED, securityTokenExpiresAt: Date.now() - 60_000 },
    check: (run) => {
      expect(run.exitCode).toBe(1);
      expect(statuses(run)).toEqual(ids.map(() => ['failed', 'InvalidSecurityToken.Expired']));
    },
  },
  {
    name: 'the time budget running out',
    fake: (api) => api.setRandomFaults(1, 99, [{ kind: 'hang' }]),
    inputs: { ...fast, 'timeout-minutes': '0.05', 'request-timeout-seconds': '1' },
    check: (run) => {
      expect(run.exitCode).toBe(1);
      expect(statuses(run)).toEqual(ids.map(() => ['failed', 'Timeout']));
    },
  },
  {
    name: 'an invalid manifest',
    target: ({ broken }) => ({
      workspace: broken.repo,
      eventName: 'push',
      event: pushEvent({ before: broken.base, after: broken.head }),
      sha: broken.head,
    }),
    check: (run, api) => {
      expect(run.exitCode).toBe(1);
      expect(run.stdout).toContain('flink-drafts.yaml');
      expect(api.calls).toEqual([]);
    },
  },
  {
    name: 'a plain-http endpoint that is not loopback',
    inputs: { endpoint: 'http://ververica.cn-hangzhou.example.com' },
    check: (run, api) => {
      expect(run.exitCode).toBe(1);
      expect(run.stdout).toContain('endpoint');
      expect(api.calls).toEqual([]);
    },
  },
  {
    name: 'an endpoint that refuses connections',
    inputs: { ...fast, endpoint: 'http://127.0.0.1:9', 'max-retries': '1' },
    check: (run) => {
      expect(run.exitCode).toBe(1);
      expect(statuses(run)).toEqual(ids.map(() => ['failed', 'NetworkError']));
    },
  },
];

describe.each(DELIVERIES)('credentials via $name, step debug on', (delivery) => {
  let ctx: Context;
  let api: FakeVervericaApi | undefined;

  beforeAll(async () => {
    const repo = await initRepo();
    const base = await commitFiles(repo, {
      'flink-drafts.yaml': manifest(ids),
      ...Object.fromEntries(files.map((f) => [f, '-- v1\nSELECT 1;\n'])),
    });
    const head = await commitFiles(
      repo,
      Object.fromEntries(files.map((f, i) => [f, `-- v2\nSELECT ${i + 2};\n`])),
    );
    const brokenRepo = await initRepo();
    const brokenBase = await commitFiles(brokenRepo, { 'flink-drafts.yaml': manifest(ids) });
    const brokenHead = await commitFiles(brokenRepo, {
      'flink-drafts.yaml': 'version: 1\ndrafts:\n  - file: sql/canary_0.sql\n    draftId: 42\n',
    });
    ctx = { repo, base, head, broken: { repo: brokenRepo, base: brokenBase, head: brokenHead } };
  });

  afterEach(async () => {
    await api?.stop();
    api = undefined;
  });

  afterAll(async () => {
    if (ctx) await Promise.all([removeDir(ctx.repo), removeDir(ctx.broken.repo)]);
  });

  it.each(SCENARIOS)('$name: no secret, token or signature anywhere', async (scenario) => {
    const fake = await FakeVervericaApi.start({ credentials: [scenario.credentials ?? ACCEPTED] });
    api = fake;
    for (const [i, id] of ids.entries()) {
      fake.seedDraft(
        sqlDraft({
          id,
          name: `canary-${i}`,
          workspace: WS,
          namespace: NS,
          sqlScript: '-- v1\nSELECT 1;\n',
        }),
      );
    }
    scenario.fake?.(fake);
    const target = scenario.target?.(ctx) ?? {
      workspace: ctx.repo,
      eventName: 'push',
      event: pushEvent({ before: ctx.base, after: ctx.head }),
      sha: ctx.head,
    };
    const run = await runAction({
      workspace: target.workspace,
      eventName: target.eventName,
      event: target.event,
      inputs: {
        endpoint: fake.url,
        'comment-on-pr': 'false',
        ...delivery.inputs,
        ...scenario.inputs,
      },
      env: { GITHUB_SHA: target.sha, ...DEBUG_ENV, ...delivery.env },
    });

    scenario.check(run, fake);
    expect(leaksIn(run)).toEqual([]);
  });
});

describe('the canary itself', () => {
  const quiet: ActionRun = {
    exitCode: 0,
    signal: null,
    stdout: '',
    stderr: '',
    summary: '',
    outputFile: '',
    outputs: {},
    annotations: [],
  };

  it('ignores the mask commands, and nothing else', () => {
    expect(leaksIn({ ...quiet, stdout: `::add-mask::${SECRET}\n::add-mask::${TOKEN}\n` })).toEqual(
      [],
    );
    expect(leaksIn({ ...quiet, stdout: `x ::add-mask::${SECRET}\n` })).toEqual([
      'the secret in stdout',
    ]);
  });

  it.each<[string, Partial<ActionRun>, string[]]>([
    ['a raw secret', { stderr: `key ${SECRET}` }, ['the secret in stderr']],
    [
      'an Authorization header',
      { summary: 'ACS3-HMAC-SHA256 Credential=LTAI,SignedHeaders=host,Signature=0a1b2c' },
      ['an Authorization header in summary', 'a signature value in summary'],
    ],
    [
      'a percent-encoded token',
      { outputFile: `t=${encodeURIComponent(TOKEN)}` },
      ['the token, percent-encoded in outputFile'],
    ],
    [
      'a cut-off token',
      { annotations: [{ level: 'error', properties: {}, message: TOKEN.slice(0, 40) }] },
      ['the token, first 32 characters in annotations'],
    ],
  ])('finds %s', (_, fields, expected) => {
    expect(leaksIn({ ...quiet, ...fields })).toEqual(expect.arrayContaining(expected));
  });
});
