// End to end, keyless: the bundled action (dist/index.js) in a child process asks the runner's token
// endpoint for a GitHub OIDC token, exchanges it with STS AssumeRoleWithOIDC, and signs every Ververica
// call with the temporary keys. The fake Ververica API accepts only the keys that the fake STS issued.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { runAction, type ActionRun } from './support/action-runner.js';
import { pushEvent } from './support/events.js';
import { startFakeOidc, type FakeOidc } from './support/fake-oidc.js';
import {
  startFakeSts,
  type FakeSts,
  type FakeStsOptions,
  type StsFault,
} from './support/fake-sts.js';
import { FakeVervericaApi, type FakeOptions, type RecordedCall } from './support/fake-ververica.js';
import { commitFiles, initRepo, removeDir } from './support/git-repo.js';
import { manifestYaml, sqlDraft } from './support/scenario.js';

const WS = 'a14bd5d90a0000';
const NS = 'default-namespace';
const ROLE_ARN = 'acs:ram::1234567890123456:role/flink-draft-sync';
const PROVIDER_ARN = 'acs:ram::1234567890123456:oidc-provider/github';
const AUDIENCE = 'flink-draft-sync-e2e';
const SUBJECT = 'repo:octo-org/flink-jobs:ref:refs/heads/main';
const MINUTE = 60_000;
const DEBUG = { ACTIONS_STEP_DEBUG: 'true', RUNNER_DEBUG: '1' };

const DRAFTS = [
  {
    id: 'c84d73be-40ad-4627-8bdd-fa1eba51b234',
    file: 'sql/订单_enrich.sql',
    next: '-- 订单宽表 🚀\nINSERT INTO 宽表 SELECT * FROM orders;\n',
  },
  {
    id: '0b8f1c2e-5d4a-4f3b-9e21-7a6c5d4e3f21',
    file: 'sql/sessions.sql',
    next: 'INSERT INTO sessions\r\nSELECT user_id\r\nFROM clicks;\r\n',
  },
  {
    id: '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9',
    file: 'sql/alerts.sql',
    next: "INSERT INTO alerts SELECT * FROM events WHERE level = 'ERROR';\n",
  },
] as const;
const OLD = '-- old\nSELECT 1;\n';

let repo: string;
let before: string;
let after: string;

beforeAll(async () => {
  repo = await initRepo();
  const initial: Record<string, string> = {};
  const changed: Record<string, string> = {};
  for (const draft of DRAFTS) {
    initial[draft.file] = OLD;
    changed[draft.file] = draft.next;
  }
  initial['flink-drafts.yaml'] = manifestYaml(
    DRAFTS.map((draft) => ({ file: draft.file, draftId: draft.id })),
    { workspace: WS, namespace: NS },
  );
  before = await commitFiles(repo, initial, 'initial');
  after = await commitFiles(repo, changed, 'change the drafts');
});

afterAll(async () => {
  if (repo) await removeDir(repo);
});

/** A runner's token endpoint, STS, and a Ververica API that learns each key the moment STS issues it. */
interface Rig {
  oidc: FakeOidc;
  sts: FakeSts;
  api: FakeVervericaApi;
  close(): Promise<void>;
}

/** A Ververica API holding the drafts as they were before the push, and accepting no key yet. */
async function startApi(options: FakeOptions = {}): Promise<FakeVervericaApi> {
  const api = await FakeVervericaApi.start({ credentials: [], ...options });
  for (const draft of DRAFTS) {
    api.seedDraft(
      sqlDraft({
        id: draft.id,
        name: `draft-${draft.file}`,
        workspace: WS,
        namespace: NS,
        engineVersion: 'vvr-8.0.9-flink-1.17',
        executionMode: 'STREAMING',
        sqlScript: OLD,
        additionalDependencies: [],
      }),
    );
  }
  return api;
}

const ROLE_PRINCIPAL = { id: '300000000000000001', name: 'flink-sync-role' };

async function startRig(
  options: { api?: FakeOptions; sts?: FakeStsOptions; latencyMs?: number } = {},
): Promise<Rig> {
  const api = await startApi(options.api);
  if (options.latencyMs) api.setLatency(options.latencyMs);
  const sts = await startFakeSts({
    ...options.sts,
    // Every key STS issues acts for the one role, which holds the drafts' edit locks.
    onIssue: (issued) =>
      api.addCredential({
        accessKeyId: issued.AccessKeyId,
        accessKeySecret: issued.AccessKeySecret,
        securityToken: issued.SecurityToken,
        securityTokenExpiresAt: Date.parse(issued.Expiration),
        principal: ROLE_PRINCIPAL,
      }),
  });
  const oidc = await startFakeOidc({ subject: SUBJECT });
  return {
    oidc,
    sts,
    api,
    close: async () => {
      await Promise.all([oidc.close(), sts.close(), api.stop()]);
    },
  };
}

function keyless(
  rig: Rig,
  inputs: Record<string, string> = {},
  env: Record<string, string> = { ...rig.oidc.env() },
): Promise<ActionRun> {
  return runAction({
    workspace: repo,
    eventName: 'push',
    event: pushEvent({ before, after }),
    inputs: {
      endpoint: rig.api.url,
      'role-arn': ROLE_ARN,
      'oidc-provider-arn': PROVIDER_ARN,
      audience: AUDIENCE,
      'sts-endpoint': rig.sts.url.origin,
      'role-duration-seconds': '1800',
      'comment-on-pr': 'false',
      ...inputs,
    },
    env: { GITHUB_SHA: after, ...env },
  });
}

function script(api: FakeVervericaApi, draftId: string): string | undefined {
  return api.draft(WS, NS, draftId)?.artifact?.sqlArtifact?.sqlScript;
}

function expectExactScripts(api: FakeVervericaApi): void {
  for (const draft of DRAFTS) {
    const bytes = Buffer.from(script(api, draft.id) ?? '', 'utf8');
    expect({ draft: draft.file, exact: bytes.equals(Buffer.from(draft.next, 'utf8')) }).toEqual({
      draft: draft.file,
      exact: true,
    });
  }
}

function accessKeyOf(call: RecordedCall): string | undefined {
  return /Credential=([^,]+),/.exec(call.headers.authorization ?? '')?.[1];
}

function failure(run: ActionRun): string {
  const error = run.annotations.find(
    (a) => a.level === 'error' && a.message.startsWith('flink-draft-sync failed: '),
  );
  return error?.message ?? '';
}

/** Every place a secret could reach a reader; the runner swallows `::add-mask::` lines. */
function readable(run: ActionRun): Record<string, string> {
  return {
    stdout: run.stdout.replace(/^::add-mask::.*$/gm, ''),
    stderr: run.stderr,
    summary: run.summary,
    outputFile: run.outputFile,
    annotations: JSON.stringify(run.annotations),
  };
}

function leaks(run: ActionRun, secrets: string[]): string[] {
  const found: string[] = [];
  for (const [where, text] of Object.entries(readable(run))) {
    for (const secret of secrets) if (text.includes(secret)) found.push(`${where}: ${secret}`);
  }
  return found;
}

/** The OIDC tokens (whole, and the signature part alone), STS secrets and the runner's request token. */
function secretsOf(rig: Rig): string[] {
  const secrets = [rig.oidc.requestToken];
  for (const token of rig.oidc.issued) secrets.push(token, token.split('.')[2] ?? token);
  for (const issued of rig.sts.issued) secrets.push(issued.AccessKeySecret, issued.SecurityToken);
  return secrets;
}

describe('keyless push to main', () => {
  let rig: Rig;
  let run: ActionRun;

  beforeAll(async () => {
    rig = await startRig();
    run = await keyless(rig, {}, { ...rig.oidc.env(), ...DEBUG });
  });
  afterAll(() => rig?.close());

  it('updates every draft and succeeds', () => {
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ updated: '3', failed: '0' });
    expectExactScripts(rig.api);
  });

  it('asks the runner for one token, for the audience input', () => {
    expect(rig.oidc.calls).toEqual([{ audience: AUDIENCE, authorized: true }]);
    expect(rig.oidc.issued).toHaveLength(1);
  });

  it('makes exactly one anonymous AssumeRoleWithOIDC call with the documented parameters', () => {
    expect(rig.sts.violations).toEqual([]);
    expect(rig.sts.calls).toHaveLength(1);
    const call = rig.sts.calls[0]!;
    expect(call).toMatchObject({
      method: 'POST',
      query: {},
      contentType: 'application/x-www-form-urlencoded',
      authorization: undefined,
    });
    expect(call.params).toEqual({
      Action: 'AssumeRoleWithOIDC',
      Version: '2015-04-01',
      Format: 'JSON',
      Timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      SignatureNonce: expect.any(String),
      RoleArn: ROLE_ARN,
      OIDCProviderArn: PROVIDER_ARN,
      OIDCToken: rig.oidc.issued[0],
      RoleSessionName: 'flink-draft-sync-4242',
      DurationSeconds: '1800',
    });
    for (const signing of ['Signature', 'SignatureMethod', 'SignatureVersion', 'AccessKeyId']) {
      expect(call.params).not.toHaveProperty(signing);
    }
  });

  it('signs every Ververica call with the temporary key and sends its security token', () => {
    const issued = rig.sts.issued[0]!;
    expect(rig.api.calls.filter((c) => c.method === 'PATCH')).toHaveLength(DRAFTS.length);
    for (const call of rig.api.calls) {
      expect({
        status: call.status,
        key: accessKeyOf(call),
        token: call.headers['x-acs-security-token'],
      }).toEqual({ status: 200, key: issued.AccessKeyId, token: issued.SecurityToken });
    }
  });

  it('masks the OIDC token and every temporary credential, and prints none of them', () => {
    const issued = rig.sts.issued[0]!;
    for (const value of [rig.oidc.issued[0]!, issued.AccessKeySecret, issued.SecurityToken]) {
      expect(run.stdout).toContain(`::add-mask::${value}`);
    }
    expect(run.stdout).toContain('::debug::');
    expect(leaks(run, secretsOf(rig))).toEqual([]);
  });
});

// A run long enough to outlive its STS session would take minutes of real time, and the bundled
// action has no clock to inject. So the child process gets a preloaded Date that runs 60 times fast
// (one real second is one minute), and the fakes read the same clock: a 7-minute session is due for
// refresh 2 seconds in, and each Ververica call, held 1.1 seconds, moves the clock on 66 seconds.
const CLOCK_RATE = 60;
const CLOCK_PRELOAD = `
const Real = globalThis.Date;
const start = Number(process.env.TEST_CLOCK_START);
const rate = Number(process.env.TEST_CLOCK_RATE);
const now = () => start + (Real.now() - start) * rate;
globalThis.Date = new Proxy(Real, {
  construct: (target, args, newTarget) =>
    Reflect.construct(target, args.length > 0 ? args : [now()], newTarget),
  apply: () => new Real(now()).toString(),
  get: (target, key, receiver) => (key === 'now' ? now : Reflect.get(target, key, receiver)),
});
`;

describe('credentials close to expiry are replaced while the drafts sync', () => {
  const SESSION_MS = 7 * MINUTE;
  let rig: Rig;
  let run: ActionRun;

  beforeAll(async () => {
    const start = Date.now();
    const now = () => start + (Date.now() - start) * CLOCK_RATE;
    rig = await startRig({
      api: { now },
      sts: { expiration: () => new Date(now() + SESSION_MS) },
      latencyMs: 1100,
    });
    run = await keyless(
      rig,
      { concurrency: '1', 'timeout-minutes': '360' },
      {
        ...rig.oidc.env(),
        NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(CLOCK_PRELOAD)}`,
        TEST_CLOCK_START: String(start),
        TEST_CLOCK_RATE: String(CLOCK_RATE),
      },
    );
  });
  afterAll(() => rig?.close());

  it('still updates every draft', () => {
    expect(run.exitCode).toBe(0);
    expect(rig.api.calls.every((c) => c.status === 200)).toBe(true);
    expectExactScripts(rig.api);
  });

  it('exchanges a fresh GitHub token with STS again once a session nears its end', () => {
    expect(rig.sts.calls.length).toBeGreaterThanOrEqual(2);
    expect(rig.sts.violations).toEqual([]);
    expect(rig.sts.calls.map((c) => c.params.OIDCToken)).toEqual(rig.oidc.issued);
    expect(new Set(rig.oidc.issued).size).toBe(rig.oidc.issued.length);
  });

  it('signs each call with a key that has more than 5 minutes left, switching keys in issue order', () => {
    const order = rig.sts.issued.map((c) => c.AccessKeyId);
    const used: number[] = [];
    for (const call of rig.api.calls) {
      const index = order.indexOf(accessKeyOf(call) ?? '');
      const issued = rig.sts.issued[index];
      expect(issued).toBeDefined();
      expect(call.headers['x-acs-security-token']).toBe(issued?.SecurityToken);
      const left = Date.parse(issued?.Expiration ?? '') - Date.parse(call.headers['x-acs-date']!);
      expect(left).toBeGreaterThan(5 * MINUTE);
      used.push(index);
    }
    expect(new Set(used).size).toBeGreaterThanOrEqual(2);
    expect(used).toEqual([...used].sort((a, b) => a - b));
  });
});

describe('misconfiguration stops the run with a message that says what to fix', () => {
  interface Case {
    inputs?: Record<string, string>;
    /** The job lacks `permissions: id-token: write`, so the runner sets no token variables. */
    noIdToken?: boolean;
    fault?: StsFault;
    says: string[];
  }
  const echo = { echoToken: true } as const;
  const cases: Record<string, Case> = {
    'role-arn without oidc-provider-arn': {
      inputs: { 'oidc-provider-arn': '' },
      says: ['role-arn is set but oidc-provider-arn is missing', ':oidc-provider/'],
    },
    'key inputs together with role-arn': {
      inputs: {
        'access-key-id': 'LTAI5tKeyTogether0001',
        'access-key-secret': 'pasted-secret-4e1c9',
      },
      says: ['access-key-id and role-arn', 'not both'],
    },
    'no id-token permission': {
      noIdToken: true,
      says: ['`permissions: id-token: write`'],
    },
    'a wrong provider ARN': {
      fault: { status: 404, code: 'EntityNotExist.OIDCProvider', ...echo },
      says: [
        'STS EntityNotExist.OIDCProvider',
        `Check oidc-provider-arn: ${PROVIDER_ARN}`,
        'https://token.actions.githubusercontent.com',
        'STS RequestId: fake-sts-request-1',
      ],
    },
    'a wrong role': {
      fault: { status: 404, code: 'EntityNotExist.Role', ...echo },
      says: [
        'STS EntityNotExist.Role',
        `Check role-arn: ${ROLE_ARN}`,
        'STS RequestId: fake-sts-request-1',
      ],
    },
    'a trust policy that rejects the subject': {
      fault: {
        status: 401,
        code: 'AuthenticationFail.NoPermission',
        message: 'There is no permission to assume the role.',
        ...echo,
      },
      says: [
        'STS AuthenticationFail.NoPermission',
        `The trust policy of ${ROLE_ARN}`,
        `oidc:sub condition must match this run's subject "${SUBJECT}"`,
        `oidc:aud must match "${AUDIENCE}"`,
        'STS RequestId: fake-sts-request-1',
      ],
    },
  };

  let rig: Rig;
  beforeEach(async () => {
    rig = await startRig();
  });
  afterEach(() => rig.close());

  it.each(Object.entries(cases))('%s', async (_name, c) => {
    if (c.fault) rig.sts.failNext(c.fault);
    const run = await keyless(rig, c.inputs, c.noIdToken ? {} : { ...rig.oidc.env(), ...DEBUG });

    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/^::error::flink-draft-sync failed: /m);
    for (const part of c.says) expect(failure(run)).toContain(part);
    expect(rig.sts.calls).toHaveLength(c.fault ? 1 : 0);
    expect(rig.api.calls).toHaveLength(0);
    expect(rig.sts.issued).toHaveLength(0);
    // STS put the token into its message; it reaches the user masked, never in clear.
    if (c.fault) expect(failure(run)).toContain('for token ***');
    const pasted = Object.values(c.inputs ?? {}).filter((v) => v.startsWith('pasted-'));
    expect(leaks(run, [...secretsOf(rig), ...pasted])).toEqual([]);
  });
});

describe('environment credentials', () => {
  const ENV = {
    ALIBABA_CLOUD_ACCESS_KEY_ID: 'STS.EnvKeyId00000000001',
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'env-secret-7d2a9c41e0',
    ALIBABA_CLOUD_SECURITY_TOKEN: 'env-security-token-CAIS9f3b1e8a7c6d5e4f',
  };
  let api: FakeVervericaApi;
  let run: ActionRun;

  beforeAll(async () => {
    api = await startApi();
    api.addCredential({
      accessKeyId: ENV.ALIBABA_CLOUD_ACCESS_KEY_ID,
      accessKeySecret: ENV.ALIBABA_CLOUD_ACCESS_KEY_SECRET,
      securityToken: ENV.ALIBABA_CLOUD_SECURITY_TOKEN,
    });
    run = await runAction({
      workspace: repo,
      eventName: 'push',
      event: pushEvent({ before, after }),
      inputs: { endpoint: api.url, 'comment-on-pr': 'false' },
      env: { GITHUB_SHA: after, ...ENV, ...DEBUG },
    });
  });
  afterAll(() => api?.stop());

  it('syncs every draft with the key pair and security token from the environment', () => {
    expect(run.exitCode).toBe(0);
    expectExactScripts(api);
    for (const call of api.calls) {
      expect({
        status: call.status,
        key: accessKeyOf(call),
        token: call.headers['x-acs-security-token'],
      }).toEqual({
        status: 200,
        key: ENV.ALIBABA_CLOUD_ACCESS_KEY_ID,
        token: ENV.ALIBABA_CLOUD_SECURITY_TOKEN,
      });
    }
  });

  it('masks the secret and the token, and prints neither', () => {
    const secrets = [ENV.ALIBABA_CLOUD_ACCESS_KEY_SECRET, ENV.ALIBABA_CLOUD_SECURITY_TOKEN];
    for (const secret of secrets) expect(run.stdout).toContain(`::add-mask::${secret}`);
    expect(leaks(run, secrets)).toEqual([]);
  });
});

describe('secret canary with debug logging on', () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await startRig();
  });
  afterEach(() => rig.close());

  // How many OIDC tokens and STS credential sets each scenario hands out: the canary covers them all.
  const scenarios: Record<string, { arrange: (rig: Rig) => void; tokens: number; keys: number }> = {
    'a successful run': { arrange: () => {}, tokens: 1, keys: 1 },
    'STS echoing the token in its error': {
      arrange: (r) =>
        r.sts.failNext({
          status: 400,
          code: 'AuthenticationFail.OIDCToken.Invalid',
          message: 'The OIDC token is invalid',
          echoToken: true,
        }),
      tokens: 1,
      keys: 0,
    },
    'STS echoing the token on every retry of a throttled call': {
      arrange: (r) => r.sts.failAlways({ status: 400, code: 'Throttling.User', echoToken: true }),
      tokens: 1,
      keys: 0,
    },
    'the token endpoint failing': { arrange: (r) => r.oidc.failNext(500), tokens: 0, keys: 0 },
    'the Ververica API echoing the signed headers': {
      arrange: (r) => r.api.failNext(1, { kind: 'echo-secrets', code: 'InvalidParameter' }),
      tokens: 1,
      keys: 1,
    },
  };

  it.each(Object.keys(scenarios))('%s: zero hits', async (name) => {
    const scenario = scenarios[name]!;
    scenario.arrange(rig);
    const run = await keyless(rig, {}, { ...rig.oidc.env(), ...DEBUG });

    expect(run.stdout).toContain('::debug::');
    expect([rig.oidc.issued.length, rig.sts.issued.length]).toEqual([
      scenario.tokens,
      scenario.keys,
    ]);
    expect(leaks(run, secretsOf(rig))).toEqual([]);
  });
});
