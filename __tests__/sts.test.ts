import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:net';
import { createStsClient, type AssumeRoleWithOidcParams } from '../src/auth/sts.js';
import type { RetryContext } from '../src/runtime/retry.js';
import { startFakeSts, type FakeSts, type StsFault } from './support/fake-sts.js';

const PARAMS: AssumeRoleWithOidcParams = {
  roleArn: 'acs:ram::1234567890:role/flink-deployer',
  oidcProviderArn: 'acs:ram::1234567890:oidc-provider/github',
  oidcToken: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmFjbWUvZmxpbmsifQ.c2lnbmF0dXJl',
  roleSessionName: 'flink-draft-sync-42',
  durationSeconds: 1800,
};
const T0 = Date.UTC(2024, 4, 1, 10, 0, 0, 123);

let sts: FakeSts;
let sleeps: number[];
let nonces: number;

beforeEach(async () => {
  sts = await startFakeSts();
  sleeps = [];
  nonces = 0;
});
afterEach(() => sts.close());

/** The run's retry context on virtual time; jitter at its ceiling, so each wait is exact. */
function retryContext(maxAttempts: number, deadline = Number.POSITIVE_INFINITY): RetryContext {
  return {
    policy: { maxRetries: maxAttempts - 1, baseDelayMs: 500, maxDelayMs: 20_000 },
    clock: {
      now: () => T0 + sleeps.reduce((a, b) => a + b, 0),
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 1,
    },
    deadline,
  };
}

function client(maxAttempts = 3, deadline?: number) {
  return createStsClient({
    retry: retryContext(maxAttempts, deadline),
    nonce: () => `nonce-${++nonces}`,
  });
}

describe('AssumeRoleWithOIDC request', () => {
  it('is an anonymous RPC POST with exactly the documented parameters', async () => {
    const result = await client().assumeRoleWithOidc(sts.url, PARAMS);

    expect(result.ok).toBe(true);
    expect(sts.violations).toEqual([]);
    expect(sts.calls).toHaveLength(1);
    const call = sts.calls[0]!;
    expect(call.method).toBe('POST');
    expect(call.authorization).toBeUndefined();
    expect(call.contentType).toBe('application/x-www-form-urlencoded');
    // As the official clients send them: the common parameters in the query, the rest in the body.
    expect(call.query).toEqual({
      Action: 'AssumeRoleWithOIDC',
      Version: '2015-04-01',
      Format: 'JSON',
      Timestamp: '2024-05-01T10:00:00Z',
      SignatureNonce: 'nonce-1',
    });
    expect(call.form).toEqual({
      RoleArn: PARAMS.roleArn,
      OIDCProviderArn: PARAMS.oidcProviderArn,
      OIDCToken: PARAMS.oidcToken,
      RoleSessionName: 'flink-draft-sync-42',
      DurationSeconds: '1800',
    });
    expect(call.userAgent).toMatch(/^flink-draft-sync\/\d+\.\d+\.\d+ /);
  });

  it.each<[string, Record<string, string>, Record<string, string>, string[]]>([
    [
      'everything in the body',
      {},
      {
        Action: 'AssumeRoleWithOIDC',
        Version: '2015-04-01',
        Format: 'JSON',
        Timestamp: '2024-05-01T10:00:00Z',
        SignatureNonce: 'n',
        RoleArn: 'r',
        OIDCProviderArn: 'p',
        OIDCToken: 't',
        RoleSessionName: 's',
      },
      [
        'missing Action in the query',
        'Action in the body',
        'missing Version in the query',
        'Version in the body',
        'missing Format in the query',
        'Format in the body',
        'missing Timestamp in the query',
        'Timestamp in the body',
        'missing SignatureNonce in the query',
        'SignatureNonce in the body',
      ],
    ],
    [
      'the token in the query',
      {
        Action: 'AssumeRoleWithOIDC',
        Version: '2015-04-01',
        Format: 'JSON',
        Timestamp: '2024-05-01T10:00:00Z',
        SignatureNonce: 'n',
        OIDCToken: 't',
      },
      { RoleArn: 'r', OIDCProviderArn: 'p', RoleSessionName: 's' },
      ['OIDCToken in the query', 'missing OIDCToken in the body'],
    ],
  ])(
    'is checked by a fake that knows where each parameter travels: %s',
    async (_n, query, form, found) => {
      const url = new URL(sts.url);
      for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      });
      expect(response.status).toBe(400);
      expect(sts.violations).toEqual(found);
    },
  );

  it('is checked by a fake that refuses signing material', async () => {
    const signed = new URL(sts.url);
    signed.searchParams.set('Signature', 'abc');
    signed.searchParams.set('AccessKeyId', 'LTAI-example');
    const result = await client().assumeRoleWithOidc(signed, PARAMS);
    expect(result.ok).toBe(false);
    expect(sts.violations).toEqual(['parameter Signature', 'parameter AccessKeyId']);
  });

  it('keeps the OIDC token out of the URL', async () => {
    await client().assumeRoleWithOidc(sts.url, PARAMS);
    expect(Object.keys(sts.calls[0]!.query)).not.toContain('OIDCToken');
    expect(JSON.stringify(sts.calls[0]!.query)).not.toContain(PARAMS.oidcToken);
    expect(sts.calls[0]!.form.OIDCToken).toBe(PARAMS.oidcToken);
  });

  it('returns the credentials and the request id', async () => {
    const result = await client().assumeRoleWithOidc(sts.url, PARAMS);
    const issued = sts.issued[0]!;
    expect(result).toEqual({
      ok: true,
      value: {
        requestId: 'fake-sts-request-1',
        credentials: {
          accessKeyId: issued.AccessKeyId,
          accessKeySecret: issued.AccessKeySecret,
          securityToken: issued.SecurityToken,
          expiration: issued.Expiration,
        },
      },
    });
  });
});

describe('retries', () => {
  const transient: [string, StsFault][] = [
    ['503', { status: 503, code: 'ServiceUnavailable' }],
    ['500 without a JSON body', { status: 500, body: '<html>oops</html>' }],
    ['throttling', { status: 400, code: 'Throttling.User' }],
    ['a dropped connection', 'disconnect'],
  ];

  it.each(transient)('retries after %s with backoff and a fresh nonce', async (_name, fault) => {
    sts.failNext(fault, fault);
    const result = await client().assumeRoleWithOidc(sts.url, PARAMS);

    expect(result.ok).toBe(true);
    expect(sleeps).toEqual([500, 1000]);
    expect(sts.calls.map((c) => c.params.SignatureNonce)).toEqual([
      'nonce-1',
      'nonce-2',
      'nonce-3',
    ]);
    expect(sts.calls.map((c) => c.params.Timestamp)).toEqual([
      '2024-05-01T10:00:00Z',
      '2024-05-01T10:00:00Z',
      '2024-05-01T10:00:01Z',
    ]);
  });

  it('gives up after the last attempt and says how many were made', async () => {
    sts.failAlways({ status: 503, code: 'ServiceUnavailable', message: 'busy' });
    const result = await client(3).assumeRoleWithOidc(sts.url, PARAMS);

    expect(sts.calls).toHaveLength(3);
    expect(result).toEqual({
      ok: false,
      error: expect.objectContaining({
        kind: 'api',
        status: 503,
        code: 'ServiceUnavailable',
        message: 'busy',
        requestId: 'fake-sts-request-3',
        attempts: 3,
      }),
    });
  });

  it.each([
    ['EntityNotExist.Role', 404],
    ['AuthenticationFail.OIDCToken.Expired', 401],
    ['AuthenticationFail.NoPermission', 401],
  ])('does not retry %s', async (code, status) => {
    sts.failNext({ status, code });
    const result = await client().assumeRoleWithOidc(sts.url, PARAMS);
    expect(sts.calls).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(result.ok || result.error).toMatchObject({ code, attempts: 1, kind: 'api' });
  });

  it('reports a 2xx answer without credentials as malformed, without retrying', async () => {
    sts.failNext({ status: 200, body: '{"RequestId":"r-1","Credentials":{"AccessKeyId":"x"}}' });
    const result = await client().assumeRoleWithOidc(sts.url, PARAMS);
    expect(sts.calls).toHaveLength(1);
    expect(result.ok || result.error).toMatchObject({ kind: 'malformed', requestId: 'r-1' });
  });

  it.each([
    ['Retry-After in seconds', { 'retry-after': '3' }, 3000],
    ['x-acs-retry-after in milliseconds', { 'x-acs-retry-after': '1500' }, 1500],
    ['a Retry-After shorter than the backoff', { 'retry-after': '0' }, 500],
  ])('waits as %s says before the next attempt', async (_name, headers, wait) => {
    sts.failNext({ status: 503, code: 'ServiceUnavailable', headers });
    const result = await client().assumeRoleWithOidc(sts.url, PARAMS);
    expect(result.ok).toBe(true);
    expect(sleeps).toEqual([wait]);
  });

  it('treats x-acs-retry-after as throttling whatever the code', async () => {
    sts.failNext({ status: 400, code: 'SomethingElse', headers: { 'x-acs-retry-after': '200' } });
    const result = await client().assumeRoleWithOidc(sts.url, PARAMS);
    expect(result.ok).toBe(true);
    expect(sleeps).toEqual([500]);
  });

  it('jitters each wait with the clock: no two runs retry in step', async () => {
    sts.failNext({ status: 503, code: 'ServiceUnavailable' });
    const retry = retryContext(3);
    const result = await createStsClient({
      retry: { ...retry, clock: { ...retry.clock, random: () => 0.25 } },
    }).assumeRoleWithOidc(sts.url, PARAMS);
    expect(result.ok).toBe(true);
    expect(sleeps).toEqual([125]);
  });

  it('starts no attempt past the run deadline, and says so', async () => {
    sts.failAlways({ status: 503, code: 'ServiceUnavailable' });
    const result = await client(5, T0 + 1200).assumeRoleWithOidc(sts.url, PARAMS);
    // The first wait (500 ms) fits; the second (1,000 ms) would reach past the deadline.
    expect(sts.calls).toHaveLength(2);
    expect(sleeps).toEqual([500]);
    expect(result.ok || result.error).toMatchObject({ code: 'ServiceUnavailable', attempts: 2 });
  });

  it('makes no attempt once the deadline has passed', async () => {
    const result = await client(3, T0).assumeRoleWithOidc(sts.url, PARAMS);
    expect(sts.calls).toHaveLength(0);
    expect(result.ok || result.error).toMatchObject({
      kind: 'network',
      attempts: 0,
      message: expect.stringContaining('time budget'),
    });
  });

  it('reports an unreachable endpoint as a network failure after every attempt', async () => {
    const closed = await unusedPort();
    const result = await client(2).assumeRoleWithOidc(
      new URL(`http://127.0.0.1:${closed}`),
      PARAMS,
    );
    expect(result.ok || result.error).toMatchObject({ kind: 'network', attempts: 2 });
    expect(sleeps).toEqual([500]);
  });
});

async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}
