import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import * as core from '@actions/core';
import fc from 'fast-check';
import {
  createCredentialProvider,
  CredentialError,
  type CredentialProvider,
} from '../src/auth/provider.js';
import {
  chooseCredentialSource,
  NO_CREDENTIALS_MESSAGE,
  type CredentialInputs,
  type CredentialSource,
  type OidcSource,
} from '../src/auth/sources.js';
import { createStsClient } from '../src/auth/sts.js';
import type { RetryContext } from '../src/runtime/retry.js';
import { startFakeOidc, type FakeOidc } from './support/fake-oidc.js';
import { startFakeSts, type FakeSts, type StsFault } from './support/fake-sts.js';

const ROLE_ARN = 'acs:ram::1234567890:role/flink-deployer';
const PROVIDER_ARN = 'acs:ram::1234567890:oidc-provider/github';
const SUBJECT = 'repo:acme/flink-jobs:ref:refs/heads/main';

const EMPTY: CredentialInputs = {
  accessKeyId: '',
  accessKeySecret: '',
  securityToken: '',
  roleArn: '',
  oidcProviderArn: '',
  // What settings hand over when the inputs keep action.yml's defaults (settings.test.ts).
  roleSessionName: 'flink-draft-sync-42',
  roleDurationSeconds: 3600,
  audience: 'sts.aliyuncs.com',
  stsEndpoint: '',
  region: '',
};
const OIDC: Partial<CredentialInputs> = { roleArn: ROLE_ARN, oidcProviderArn: PROVIDER_ARN };
/** Three attempts on a clock that never sleeps, as a run with max-retries 2 would make them. */
function stsRetry(now: () => number): RetryContext {
  return {
    policy: { maxRetries: 2, baseDelayMs: 500, maxDelayMs: 20_000 },
    clock: { now, sleep: async () => {}, random: () => 1 },
    deadline: Number.POSITIVE_INFINITY,
  };
}

const ENV_KEYS = {
  ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI-env-id',
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'env-secret',
};

function choose(inputs: Partial<CredentialInputs>, env: Record<string, string> = {}) {
  return chooseCredentialSource({ ...EMPTY, ...inputs }, env);
}

function chosen(inputs: Partial<CredentialInputs>, env: Record<string, string> = {}) {
  const result = choose(inputs, env);
  if (!result.ok) throw new Error(`expected a source, got: ${result.error}`);
  return result.value;
}

describe('chooseCredentialSource: chain order', () => {
  const cases: [string, Partial<CredentialInputs>, Record<string, string>, CredentialSource][] = [
    [
      'key inputs, with a security token',
      { accessKeyId: 'LTAI-id', accessKeySecret: 'secret', securityToken: 'token' },
      {},
      {
        kind: 'keys',
        origin: 'inputs',
        credentials: { accessKeyId: 'LTAI-id', accessKeySecret: 'secret', securityToken: 'token' },
      },
    ],
    [
      'key inputs before environment',
      { accessKeyId: 'LTAI-id', accessKeySecret: 'secret' },
      ENV_KEYS,
      {
        kind: 'keys',
        origin: 'inputs',
        credentials: { accessKeyId: 'LTAI-id', accessKeySecret: 'secret' },
      },
    ],
    [
      'environment when no input names a source',
      {},
      { ...ENV_KEYS, ALIBABA_CLOUD_SECURITY_TOKEN: 'env-token' },
      {
        kind: 'keys',
        origin: 'env',
        credentials: {
          accessKeyId: 'LTAI-env-id',
          accessKeySecret: 'env-secret',
          securityToken: 'env-token',
        },
      },
    ],
    ['nothing at all', {}, {}, { kind: 'none' }],
    [
      'blank values count as unset',
      { accessKeyId: '  ', roleArn: ' ' },
      { ALIBABA_CLOUD_ACCESS_KEY_ID: '' },
      { kind: 'none' },
    ],
  ];

  it.each(cases)('%s', (_name, inputs, env, expected) => {
    expect(chosen(inputs, env)).toEqual(expected);
  });

  it('prefers OIDC inputs over environment keys', () => {
    expect(chosen(OIDC, ENV_KEYS).kind).toBe('oidc');
  });
});

describe('chooseCredentialSource: OIDC settings', () => {
  it('takes the settings as given', () => {
    expect(chosen(OIDC)).toEqual({
      kind: 'oidc',
      roleArn: ROLE_ARN,
      oidcProviderArn: PROVIDER_ARN,
      roleSessionName: 'flink-draft-sync-42',
      durationSeconds: 3600,
      audience: 'sts.aliyuncs.com',
      stsEndpoint: new URL('https://sts.aliyuncs.com'),
    });
  });

  const cases: [string, Partial<CredentialInputs>, Partial<OidcSource>][] = [
    [
      'regional STS endpoint',
      { region: 'cn-hangzhou' },
      { stsEndpoint: new URL('https://sts.cn-hangzhou.aliyuncs.com') },
    ],
    [
      'sts-endpoint over region',
      { region: 'cn-hangzhou', stsEndpoint: 'https://sts.example.com' },
      { stsEndpoint: new URL('https://sts.example.com') },
    ],
    [
      'http on loopback',
      { stsEndpoint: 'http://127.0.0.1:8080' },
      { stsEndpoint: new URL('http://127.0.0.1:8080') },
    ],
    [
      'given session name',
      { roleSessionName: 'deploy@acme.prod' },
      { roleSessionName: 'deploy@acme.prod' },
    ],
    ['audience', { audience: 'github-flink' }, { audience: 'github-flink' }],
  ];

  it.each(cases)('%s', (_name, inputs, expected) => {
    expect(chosen({ ...OIDC, ...inputs })).toMatchObject(expected);
  });
});

describe('chooseCredentialSource: misconfiguration', () => {
  const cases: [string, Partial<CredentialInputs>, Record<string, string>, string[]][] = [
    [
      'key id and role-arn',
      { accessKeyId: 'a', accessKeySecret: 'b', roleArn: ROLE_ARN },
      {},
      ['access-key-id', 'role-arn', 'not both'],
    ],
    [
      'secret and provider',
      { accessKeySecret: 'b', oidcProviderArn: PROVIDER_ARN },
      {},
      ['access-key-secret', 'oidc-provider-arn', 'not both'],
    ],
    ['token and OIDC', { securityToken: 't', ...OIDC }, {}, ['security-token', 'role-arn']],
    [
      'key id alone',
      { accessKeyId: 'a' },
      ENV_KEYS,
      ['access-key-id is set but access-key-secret is empty'],
    ],
    [
      'secret alone',
      { accessKeySecret: 'b' },
      {},
      ['access-key-secret is set but access-key-id is empty'],
    ],
    [
      'token alone',
      { securityToken: 't' },
      {},
      ['security-token is set', 'access-key-id and access-key-secret are not'],
    ],
    [
      'role-arn alone',
      { roleArn: ROLE_ARN },
      {},
      ['oidc-provider-arn is missing', 'oidc-provider/'],
    ],
    ['provider alone', { oidcProviderArn: PROVIDER_ARN }, {}, ['role-arn is missing', ':role/']],
    ['swapped ARNs', { roleArn: PROVIDER_ARN, oidcProviderArn: ROLE_ARN }, {}, ['swapped']],
    [
      'bad role ARN',
      { ...OIDC, roleArn: 'acs:ram::1:user/bob' },
      {},
      ['role-arn "acs:ram::1:user/bob" is not a RAM role ARN'],
    ],
    [
      'bad provider ARN',
      { ...OIDC, oidcProviderArn: 'github' },
      {},
      ['oidc-provider-arn is not a RAM OIDC provider ARN'],
    ],
    [
      'http STS endpoint',
      { ...OIDC, stsEndpoint: 'http://sts.aliyuncs.com' },
      {},
      ['sts-endpoint', 'https'],
    ],
    [
      'STS endpoint with a path',
      { ...OIDC, stsEndpoint: 'https://sts.aliyuncs.com/x' },
      {},
      ['sts-endpoint'],
    ],
    ['bad region', { ...OIDC, region: 'Hangzhou!' }, {}, ['region']],
    [
      'env key id alone',
      {},
      { ALIBABA_CLOUD_ACCESS_KEY_ID: 'x' },
      ['ALIBABA_CLOUD_ACCESS_KEY_ID is set but ALIBABA_CLOUD_ACCESS_KEY_SECRET is empty'],
    ],
    [
      'env secret alone',
      {},
      { ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'x' },
      ['ALIBABA_CLOUD_ACCESS_KEY_SECRET is set but ALIBABA_CLOUD_ACCESS_KEY_ID is empty'],
    ],
    [
      'env token alone',
      {},
      { ALIBABA_CLOUD_SECURITY_TOKEN: 'x' },
      ['ALIBABA_CLOUD_SECURITY_TOKEN is set'],
    ],
  ];

  it.each(cases)('%s', (_name, inputs, env, expected) => {
    const result = choose(inputs, env);
    expect(result.ok).toBe(false);
    for (const part of expected) expect(result.ok || result.error).toContain(part);
  });

  it('never puts a secret value into a message', () => {
    const canary = fc.string({ minLength: 1, maxLength: 12 }).map((s) => `CANARY${s}`);
    const maybe = fc.option(canary, { nil: '' });
    fc.assert(
      fc.property(
        fc.record({
          accessKeyId: maybe,
          accessKeySecret: maybe,
          securityToken: maybe,
          roleArn: fc.constantFrom('', ROLE_ARN, 'CANARY-pasted-into-role-arn'),
          oidcProviderArn: fc.constantFrom('', PROVIDER_ARN, 'CANARY-pasted-into-provider'),
        }),
        fc.record({
          ALIBABA_CLOUD_ACCESS_KEY_ID: maybe,
          ALIBABA_CLOUD_ACCESS_KEY_SECRET: maybe,
          ALIBABA_CLOUD_SECURITY_TOKEN: maybe,
        }),
        (inputs, env) => {
          const result = choose(inputs, env);
          if (!result.ok) expect(result.error).not.toContain('CANARY');
        },
      ),
    );
  });
});

describe('createCredentialProvider without OIDC', () => {
  it('masks key inputs at once and hands them out', async () => {
    const masked: string[] = [];
    const provider = createCredentialProvider(
      chosen({ accessKeyId: 'LTAI-id', accessKeySecret: 'key-secret', securityToken: 'sts-token' }),
      {
        getIdToken: () => Promise.reject(new Error('unused')),
        setSecret: (s) => void masked.push(s),
        now: () => 0,
      },
    );
    expect(masked.sort()).toEqual(['LTAI-id', 'key-secret', 'sts-token']);
    expect(provider.secrets().sort()).toEqual(['LTAI-id', 'key-secret', 'sts-token']);
    await expect(provider.get()).resolves.toEqual({
      accessKeyId: 'LTAI-id',
      accessKeySecret: 'key-secret',
      securityToken: 'sts-token',
    });
  });

  it('fails with the three ways to provide credentials when there are none', async () => {
    const provider = createCredentialProvider(
      { kind: 'none' },
      { getIdToken: () => Promise.reject(new Error('unused')), setSecret: () => {}, now: () => 0 },
    );
    const error = await provider.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialError);
    expect(error).toMatchObject({ code: 'NoCredentials', message: NO_CREDENTIALS_MESSAGE });
    for (const way of ['role-arn', 'access-key-id', 'ALIBABA_CLOUD_ACCESS_KEY_ID']) {
      expect(NO_CREDENTIALS_MESSAGE).toContain(way);
    }
  });
});

describe('createCredentialProvider with GitHub OIDC', () => {
  const T0 = Date.UTC(2024, 4, 1, 10, 0, 0);
  const MINUTE = 60_000;
  let oidc: FakeOidc;
  let sts: FakeSts;
  let clock: number;
  let masked: string[];
  const savedEnv = { ...process.env };

  beforeEach(async () => {
    oidc = await startFakeOidc({ subject: SUBJECT });
    sts = await startFakeSts();
    Object.assign(process.env, oidc.env());
    clock = T0;
    masked = [];
    // Credentials live one hour from the moment they are issued, on the virtual clock.
    sts.setExpiration(() => new Date(clock + 60 * MINUTE));
    jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    process.env = { ...savedEnv };
    await Promise.all([oidc.close(), sts.close()]);
  });

  function provider(
    overrides: Partial<Parameters<typeof createCredentialProvider>[1]> = {},
  ): CredentialProvider {
    const source = chosen({ ...OIDC, stsEndpoint: sts.url.origin });
    return createCredentialProvider(source, {
      getIdToken: (audience) => core.getIDToken(audience),
      setSecret: (s) => void masked.push(s),
      now: () => clock,
      sts: createStsClient({ retry: stsRetry(() => clock) }),
      ...overrides,
    });
  }

  async function failure(p: CredentialProvider): Promise<CredentialError> {
    const error = await p.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialError);
    return error as CredentialError;
  }

  it('exchanges a GitHub token from core.getIDToken for STS credentials', async () => {
    const credentials = await provider().get();

    expect(oidc.calls).toEqual([{ audience: 'sts.aliyuncs.com', authorized: true }]);
    expect(sts.violations).toEqual([]);
    expect(sts.calls).toHaveLength(1);
    expect(sts.calls[0]!.params).toMatchObject({
      Action: 'AssumeRoleWithOIDC',
      Version: '2015-04-01',
      RoleArn: ROLE_ARN,
      OIDCProviderArn: PROVIDER_ARN,
      OIDCToken: oidc.issued[0],
      RoleSessionName: 'flink-draft-sync-42',
      DurationSeconds: '3600',
      Timestamp: '2024-05-01T10:00:00Z',
    });
    const issued = sts.issued[0]!;
    expect(credentials).toEqual({
      accessKeyId: issued.AccessKeyId,
      accessKeySecret: issued.AccessKeySecret,
      securityToken: issued.SecurityToken,
    });
  });

  it('masks the OIDC token before sending it, and every STS credential as it arrives', async () => {
    const real = createStsClient({ retry: stsRetry(() => clock) });
    let maskedBeforeExchange: string[] = [];
    const p = provider({
      sts: {
        assumeRoleWithOidc: (endpoint, params) => {
          maskedBeforeExchange = [...masked];
          return real.assumeRoleWithOidc(endpoint, params);
        },
      },
    });
    await p.get();

    const issued = sts.issued[0]!;
    const token = oidc.issued[0]!;
    expect(maskedBeforeExchange).toEqual([token]);
    expect(masked.sort()).toEqual(
      [token, issued.AccessKeyId, issued.AccessKeySecret, issued.SecurityToken].sort(),
    );
    expect(p.secrets().sort()).toEqual(masked);
  });

  it('refreshes five minutes before expiry, with a fresh GitHub token', async () => {
    const p = provider();
    const first = await p.get();

    clock = T0 + 55 * MINUTE - 1;
    expect(await p.get()).toEqual(first);
    expect(sts.calls).toHaveLength(1);

    clock = T0 + 55 * MINUTE;
    const second = await p.get();
    expect(second).not.toEqual(first);
    expect(sts.calls).toHaveLength(2);
    expect(oidc.issued).toHaveLength(2);
    expect(sts.calls[1]!.params.OIDCToken).toBe(oidc.issued[1]);
    expect(p.secrets()).toEqual(
      expect.arrayContaining([first.accessKeySecret, second.accessKeySecret]),
    );
  });

  it('always hands out credentials with at least five minutes left during a long run', async () => {
    const p = provider();
    const expiryOf = new Map(sts.issued.map((c) => [c.AccessKeyId, c.Expiration]));
    for (clock = T0; clock <= T0 + 240 * MINUTE; clock += MINUTE) {
      const credentials = await p.get();
      for (const c of sts.issued) expiryOf.set(c.AccessKeyId, c.Expiration);
      const left = Date.parse(expiryOf.get(credentials.accessKeyId)!) - clock;
      expect(left).toBeGreaterThan(5 * MINUTE);
    }
    // Sessions start at minutes 0, 55, 110, 165 and 220.
    expect(sts.calls).toHaveLength(5);
  });

  it('asks STS at most once a minute when the runner clock is ahead of STS', async () => {
    sts.setExpiration(() => new Date(clock + 2 * MINUTE));
    const p = provider();
    await p.get();
    clock += MINUTE - 1;
    await p.get();
    expect(sts.calls).toHaveLength(1);
    clock += 1;
    await p.get();
    expect(sts.calls).toHaveLength(2);
  });

  it('makes one STS call for concurrent requests, also at refresh time', async () => {
    const p = provider();
    const burst = await Promise.all(Array.from({ length: 20 }, () => p.get()));
    expect(new Set(burst.map((c) => c.accessKeyId)).size).toBe(1);
    expect(sts.calls).toHaveLength(1);

    clock = T0 + 56 * MINUTE;
    const again = await Promise.all(Array.from({ length: 20 }, () => p.get()));
    expect(new Set(again.map((c) => c.accessKeyId)).size).toBe(1);
    expect(sts.calls).toHaveLength(2);
    expect(oidc.calls).toHaveLength(2);
  });

  it('asks for id-token permission when the runner offers no token', async () => {
    const getIdToken = jest.fn((_audience: string) => Promise.resolve('unused'));
    const error = await failure(provider({ getIdToken, env: {} }));
    expect(error.code).toBe('OidcTokenUnavailable');
    expect(error.message).toContain('permissions: id-token: write');
    expect(getIdToken).not.toHaveBeenCalled();
    expect(sts.calls).toHaveLength(0);
  });

  it('explains a refused token request without the runner request token', async () => {
    process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = 'wrong-request-token';
    const error = await failure(provider());
    expect(error.code).toBe('OidcTokenUnavailable');
    expect(error.message).toContain('id-token: write');
    expect(sts.calls).toHaveLength(0);

    const echoing = provider({
      getIdToken: () => Promise.reject(new Error(`denied for wrong-request-token`)),
    });
    expect((await failure(echoing)).message).not.toContain('wrong-request-token');
  });

  const stsErrors: [string, Extract<StsFault, { code: string }>, string[]][] = [
    [
      'unknown provider',
      { status: 404, code: 'EntityNotExist.OIDCProvider' },
      ['oidc-provider-arn', PROVIDER_ARN],
    ],
    [
      'unregistered provider',
      {
        status: 401,
        code: 'AuthenticationFail.NoPermission',
        message: 'No such OIDC Provider registered.',
      },
      ['oidc-provider-arn', 'token.actions.githubusercontent.com'],
    ],
    ['unknown role', { status: 404, code: 'EntityNotExist.Role' }, ['role-arn', ROLE_ARN]],
    ['malformed role ARN', { status: 400, code: 'InvalidParameter.RoleArn' }, ['role-arn']],
    [
      'trust policy',
      { status: 401, code: 'AuthenticationFail.NoPermission', message: 'There is no permission' },
      ['trust policy', 'oidc:sub', `"${SUBJECT}"`, PROVIDER_ARN],
    ],
    ['NoPermission', { status: 403, code: 'NoPermission' }, ['trust policy', 'oidc:sub']],
    [
      'audience',
      { status: 401, code: 'AuthenticationFail.OIDCToken.AudienceNotMatch' },
      ['audience', '"sts.aliyuncs.com"', 'client IDs'],
    ],
    [
      'expired token',
      { status: 401, code: 'AuthenticationFail.OIDCToken.Expired' },
      ['expired', 're-run'],
    ],
    [
      'bad token signature',
      { status: 401, code: 'AuthenticationFail.OIDCToken.InvalidSignature' },
      ['issuer URL', 'fingerprint'],
    ],
    [
      'invalid token',
      { status: 401, code: 'AuthenticationFail.OIDCToken.Invalid' },
      ['issuer URL'],
    ],
    [
      'duration over the role maximum',
      { status: 400, code: 'InvalidParameter.DurationSeconds' },
      ['role-duration-seconds (3600)', 'MaxSessionDuration'],
    ],
    [
      'session name',
      { status: 400, code: 'InvalidParameter.RoleSessionName' },
      ['role-session-name'],
    ],
    ['unknown code', { status: 400, code: 'Something.New' }, ['Something.New', 'trust policy']],
  ];

  it.each(stsErrors)(
    'explains %s, with the request id and without the token',
    async (_name, fault, expected) => {
      sts.failNext({ ...fault, echoToken: true });
      const error = await failure(provider());

      expect(sts.calls).toHaveLength(1);
      expect(error.code).toBe(fault.code);
      expect(error.requestId).toBe('fake-sts-request-1');
      expect(error.message).toContain('RequestId: fake-sts-request-1');
      expect(error.message).toContain(ROLE_ARN);
      for (const part of expected) expect(error.message).toContain(part);
      expect(error.message).not.toContain(oidc.issued[0]!);
      expect(error.message).not.toContain(oidc.requestToken);
    },
  );

  it('says STS is unavailable after retrying transient failures', async () => {
    sts.failAlways({ status: 400, code: 'Throttling.User', echoToken: true });
    const error = await failure(provider());
    expect(sts.calls).toHaveLength(3);
    expect(error.code).toBe('Throttling.User');
    expect(error.message).toContain('after 3 attempt(s)');
    expect(error.message).toContain('RequestId: fake-sts-request-3');
    expect(error.message).not.toContain(oidc.issued[0]!);
  });

  it('tries again on the next request after a failure', async () => {
    sts.failNext({ status: 404, code: 'EntityNotExist.Role' });
    const p = provider();
    await failure(p);
    const credentials = await p.get();
    expect(credentials.accessKeyId).toBe(sts.issued[0]!.AccessKeyId);
    expect(sts.calls).toHaveLength(2);
  });

  it('rejects an unreadable Expiration without showing the credentials', async () => {
    sts.setExpiration(() => 'next Tuesday');
    const error = await failure(provider());
    expect(error.code).toBe('StsBadResponse');
    const issued = sts.issued[0]!;
    for (const secret of [issued.AccessKeySecret, issued.SecurityToken, oidc.issued[0]!]) {
      expect(error.message).not.toContain(secret);
    }
    expect(masked).toEqual(expect.arrayContaining([issued.AccessKeySecret, issued.SecurityToken]));
  });
});
