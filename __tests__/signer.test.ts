import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import openapiUtil from '@alicloud/openapi-util';
import {
  acsDate,
  authorization,
  canonicalRequest,
  encodePath,
  encodeRfc3986,
  sha256Hex,
  signRequest,
  type Credentials,
  type SignRequestInput,
} from '../src/ververica/signer.js';

// The official Alibaba Cloud signer is the oracle. The package is CommonJS, so depending on the
// loader the default import is either the class itself or the module object holding it.
interface OfficialSigner {
  getAuthorization(
    request: {
      method: string;
      pathname: string;
      query: Record<string, string>;
      headers: Record<string, string>;
    },
    signatureAlgorithm: string,
    hashedPayload: string,
    accessKeyId: string,
    accessKeySecret: string,
  ): string;
}
const official = ((openapiUtil as unknown as { default?: unknown }).default ??
  openapiUtil) as OfficialSigner;

function officialAuthorization(
  request: {
    method: string;
    pathname: string;
    query: Record<string, string>;
    headers: Record<string, string>;
  },
  hashedPayload: string,
  credentials: Credentials,
): string {
  return official.getAuthorization(
    request,
    'ACS3-HMAC-SHA256',
    hashedPayload,
    credentials.accessKeyId,
    credentials.accessKeySecret,
  );
}

// --- generators -------------------------------------------------------------------------------

const METHODS = ['GET', 'PATCH', 'POST', 'PUT', 'DELETE'] as const;
const method = fc
  .tuple(fc.constantFrom(...METHODS), fc.boolean())
  .map(([m, lower]) => (lower ? m.toLowerCase() : m));

const RESERVED = [...`!'()*%+ ~/:@?#&=;,$[]"<>\\^\`{|}`];
const SCRIPT_SAMPLES = ['草稿', '订单流', 'ジョブ', '🚀', '👩‍💻', '🇯🇵', 'é', 'e\u0301'];
const reservedText = fc.string({
  unit: fc.constantFrom(...RESERVED, ...SCRIPT_SAMPLES, 'a', 'Z', '0', '-', '_', '.'),
  maxLength: 16,
});
const unicodeText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 16 }),
  fc.string({ unit: 'binary', maxLength: 16 }),
  reservedText,
);

const UNRESERVED = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', ...'._~-'];
// The official signer puts query KEYS into the canonical string verbatim, while src/ververica/signer.ts
// percent-encodes them (as the V3 specification asks). The two agree only for keys made of
// unreserved characters, which is all the Ververica API uses (pageIndex, pageSize, …), so keys
// are drawn from that set. Values are arbitrary: both sides encode them.
const queryKey = fc.string({
  unit: fc.constantFrom(...UNRESERVED),
  minLength: 1,
  maxLength: 12,
});
const query = fc.oneof(
  fc.constant<Record<string, string>>({}),
  fc.dictionary(queryKey, unicodeText, { maxKeys: 6 }),
);

/** Same header name, every letter independently upper- or lower-cased. */
function casingOf(name: string): fc.Arbitrary<string> {
  return fc
    .array(fc.boolean(), { minLength: name.length, maxLength: name.length })
    .map((upper) =>
      [...name].map((c, i) => (upper[i] ? c.toUpperCase() : c.toLowerCase())).join(''),
    );
}

const padding = fc.constantFrom('', ' ', '  ', '\t', ' \t ');
function padded(value: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.tuple(padding, value, padding).map(([before, v, after]) => before + v + after);
}

const printable = fc.string({ unit: 'grapheme-ascii', maxLength: 24 });

// Headers that never take part in the signature, including near-misses of the `x-acs-` prefix.
const UNSIGNED_NAMES = [
  'workspace',
  'accept',
  'user-agent',
  'content-length',
  'authorization',
  'x-acs',
  'x-acsx-trace',
  'x-custom',
];
const unsignedHeaders = fc.array(
  fc.tuple(fc.constantFrom(...UNSIGNED_NAMES).chain(casingOf), printable),
  { maxLength: 4 },
);
// Extra signed headers; the tiny suffix alphabet makes names that differ only by case collide,
// which exercises grouping of several values under one canonical name.
const extraSignedHeaders = fc.array(
  fc.tuple(
    fc
      .string({ unit: fc.constantFrom('a', 'b'), minLength: 1, maxLength: 2 })
      .chain((suffix) => casingOf(`x-acs-meta-${suffix}`)),
    padded(printable),
  ),
  { maxLength: 3 },
);

// Large bodies are built by repetition so that generating them stays cheap.
const body = fc.oneof(
  { arbitrary: fc.constant(''), weight: 2 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 200 }), weight: 3 },
  {
    arbitrary: fc
      .tuple(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 48 }),
        fc.integer({ min: 64 * 1024, max: 1024 * 1024 }),
      )
      .map(([chunk, bytes]) =>
        chunk.repeat(Math.max(1, Math.floor(bytes / Buffer.byteLength(chunk)))),
      ),
    weight: 1,
  },
);

const credentials: fc.Arbitrary<Credentials> = fc
  .tuple(
    fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 24 }),
    fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 40 }),
    fc.option(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 80 })),
  )
  .map(([accessKeyId, accessKeySecret, token]) =>
    token === null
      ? { accessKeyId, accessKeySecret }
      : { accessKeyId, accessKeySecret, securityToken: token },
  );

const request = fc.record({
  method,
  segments: fc.array(unicodeText, { maxLength: 6 }),
  query,
  host: fc.constantFrom(
    'ververica.cn-hangzhou.aliyuncs.com',
    'ververica.ap-southeast-1.aliyuncs.com',
    '127.0.0.1:8080',
  ),
  body,
  contentType: fc.option(fc.constantFrom('application/json; charset=utf-8', 'text/plain')),
  credentials,
  date: fc.date({
    min: new Date('2000-01-01T00:00:00Z'),
    max: new Date('2099-12-31T23:59:59Z'),
    noInvalidDate: true,
  }),
  nonce: fc.uuid(),
  action: fc.constantFrom('UpdateDeploymentDraft', 'GetDeploymentDraft'),
  unsigned: unsignedHeaders,
  extraSigned: extraSignedHeaders,
  casings: fc.record({
    host: casingOf('host'),
    contentType: casingOf('content-type'),
    action: casingOf('x-acs-action'),
    version: casingOf('x-acs-version'),
    date: casingOf('x-acs-date'),
    nonce: casingOf('x-acs-signature-nonce'),
    sha: casingOf('x-acs-content-sha256'),
    token: casingOf('x-acs-security-token'),
  }),
  pad: fc.array(padding, { minLength: 16, maxLength: 16 }),
});

type GeneratedRequest = typeof request extends fc.Arbitrary<infer R> ? R : never;

/** Builds the header record by hand so that name casing and value padding vary freely. */
function handBuiltHeaders(r: GeneratedRequest, hashedPayload: string): Record<string, string> {
  let p = 0;
  const pad = (value: string): string =>
    (r.pad[p++ % r.pad.length] ?? '') + value + (r.pad[p++ % r.pad.length] ?? '');
  const headers: Record<string, string> = {};
  for (const [name, value] of r.unsigned) headers[name] = value;
  for (const [name, value] of r.extraSigned) headers[name] = value;
  headers[r.casings.host] = pad(r.host);
  headers[r.casings.action] = pad(r.action);
  headers[r.casings.version] = pad('2022-07-18');
  headers[r.casings.date] = pad(acsDate(r.date));
  headers[r.casings.nonce] = pad(r.nonce);
  headers[r.casings.sha] = pad(hashedPayload);
  if (r.contentType !== null) headers[r.casings.contentType] = pad(r.contentType);
  if (r.credentials.securityToken !== undefined) {
    headers[r.casings.token] = pad(r.credentials.securityToken);
  }
  return headers;
}

function withoutAuthorization(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name !== 'authorization'));
}

// --- tests ------------------------------------------------------------------------------------

describe('signature agrees with the official Alibaba Cloud signer', () => {
  it('for any request: authorization() and signRequest() match getAuthorization()', () => {
    const seen = {
      runs: 0,
      lowerCaseMethod: 0,
      emptyQuery: 0,
      largeBody: 0,
      emptyBody: 0,
      sts: 0,
      noSts: 0,
      nonAsciiPath: 0,
    };
    fc.assert(
      fc.property(request, (r) => {
        seen.runs++;
        if (r.method !== r.method.toUpperCase()) seen.lowerCaseMethod++;
        if (Object.keys(r.query).length === 0) seen.emptyQuery++;
        if (r.body.length === 0) seen.emptyBody++;
        if (Buffer.byteLength(r.body) >= 64 * 1024) seen.largeBody++;
        if (r.credentials.securityToken === undefined) seen.noSts++;
        else seen.sts++;
        if (r.segments.some((s) => /[^\x20-\x7e]/.test(s))) seen.nonAsciiPath++;

        const pathname = encodePath(r.segments);
        const hashedPayload = sha256Hex(r.body);
        // The official signer signs the method verbatim; ours signs it upper-cased, which is
        // also what the client puts on the wire, so the oracle is given the wire form.
        const wireMethod = r.method.toUpperCase();

        const headers = handBuiltHeaders(r, hashedPayload);
        const ours = authorization(
          { method: r.method, pathname, query: r.query, headers, hashedPayload },
          r.credentials,
        );
        const theirs = officialAuthorization(
          { method: wireMethod, pathname, query: r.query, headers },
          hashedPayload,
          r.credentials,
        );
        expect(ours).toBe(theirs);

        const extra: Record<string, string> = {};
        for (const [name, value] of r.unsigned) extra[name] = value;
        if (r.contentType !== null) extra['content-type'] = r.contentType;
        const input: SignRequestInput = {
          method: r.method,
          host: r.host,
          pathname,
          query: r.query,
          headers: extra,
          body: r.body,
          action: r.action,
          version: '2022-07-18',
          credentials: r.credentials,
          date: r.date,
          nonce: r.nonce,
        };
        const signed = signRequest(input);
        expect(signed['x-acs-content-sha256']).toBe(hashedPayload);
        expect(signed.authorization).toBe(
          officialAuthorization(
            {
              method: wireMethod,
              pathname,
              query: r.query,
              headers: withoutAuthorization(signed),
            },
            hashedPayload,
            r.credentials,
          ),
        );
      }),
      { numRuns: 1000 },
    );

    expect(seen.runs).toBeGreaterThanOrEqual(1000);
    // Guards the generator itself: every family of inputs must actually have been produced.
    for (const [family, count] of Object.entries(seen)) {
      expect([family, count > 0]).toEqual([family, true]);
    }
  });
});

describe('known answers', () => {
  const PATCH_DRAFT: SignRequestInput = {
    method: 'PATCH',
    host: 'ververica.cn-hangzhou.aliyuncs.com',
    pathname: encodePath(['api', 'v2', 'namespaces', 'ns-prod', 'deployment-drafts', '草稿 (1)*']),
    query: {},
    headers: {
      accept: 'application/json',
      'content-type': 'application/json; charset=utf-8',
      workspace: 'a1b2c3',
    },
    body: '{"name":"订单"}',
    action: 'UpdateDeploymentDraft',
    version: '2022-07-18',
    credentials: {
      accessKeyId: 'LTAI-test-id',
      accessKeySecret: 'test-secret',
      securityToken: 'sts-token-1',
    },
    date: new Date('2024-05-06T07:08:09.123Z'),
    nonce: '3f1c1d2e-0000-4000-8000-000000000001',
  };
  const LIST_DRAFTS: SignRequestInput = {
    method: 'GET',
    host: 'ververica.ap-southeast-1.aliyuncs.com',
    pathname: '/api/v2/namespaces/ns-prod/deployment-drafts',
    query: { pageSize: '100', pageIndex: '2', filter: "a b+c!'()*~/" },
    headers: { accept: 'application/json', workspace: 'a1b2c3' },
    action: 'ListDeploymentDrafts',
    version: '2022-07-18',
    credentials: { accessKeyId: 'LTAI-test-id', accessKeySecret: 'test-secret' },
    date: new Date('2024-12-31T23:59:59.999Z'),
    nonce: 'nonce-2',
  };

  const cases: Array<{
    name: string;
    input: SignRequestInput;
    canonical: string;
    authorization: string;
  }> = [
    {
      name: 'UpdateDeploymentDraft with STS token and a unicode draft id',
      input: PATCH_DRAFT,
      canonical: [
        'PATCH',
        '/api/v2/namespaces/ns-prod/deployment-drafts/%E8%8D%89%E7%A8%BF%20%281%29%2A',
        '',
        'content-type:application/json; charset=utf-8',
        'host:ververica.cn-hangzhou.aliyuncs.com',
        'x-acs-accesskey-id:LTAI-test-id',
        'x-acs-action:UpdateDeploymentDraft',
        'x-acs-content-sha256:96f4ee913839d8f5a405d314981f02ce9c15f734241eee13d545da2d0a5a099b',
        'x-acs-date:2024-05-06T07:08:09Z',
        'x-acs-security-token:sts-token-1',
        'x-acs-signature-nonce:3f1c1d2e-0000-4000-8000-000000000001',
        'x-acs-version:2022-07-18',
        '',
        'content-type;host;x-acs-accesskey-id;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-security-token;x-acs-signature-nonce;x-acs-version',
        '96f4ee913839d8f5a405d314981f02ce9c15f734241eee13d545da2d0a5a099b',
      ].join('\n'),
      authorization:
        'ACS3-HMAC-SHA256 Credential=LTAI-test-id,' +
        'SignedHeaders=content-type;host;x-acs-accesskey-id;x-acs-action;x-acs-content-sha256;' +
        'x-acs-date;x-acs-security-token;x-acs-signature-nonce;x-acs-version,' +
        'Signature=85ea74bcec2139895fae2c7a0f7eff732214b0ad9e3071d358ee347ebd054e32',
    },
    {
      name: 'ListDeploymentDrafts with a query needing encoding, no body, no STS token',
      input: LIST_DRAFTS,
      canonical: [
        'GET',
        '/api/v2/namespaces/ns-prod/deployment-drafts',
        'filter=a%20b%2Bc%21%27%28%29%2A~%2F&pageIndex=2&pageSize=100',
        'host:ververica.ap-southeast-1.aliyuncs.com',
        'x-acs-action:ListDeploymentDrafts',
        'x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        'x-acs-date:2024-12-31T23:59:59Z',
        'x-acs-signature-nonce:nonce-2',
        'x-acs-version:2022-07-18',
        '',
        'host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version',
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      ].join('\n'),
      authorization:
        'ACS3-HMAC-SHA256 Credential=LTAI-test-id,' +
        'SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;' +
        'x-acs-signature-nonce;x-acs-version,' +
        'Signature=9adade067a5837eac79d538cee6bc6e9cf3de4df04dfcb019744499e3d65c15a',
    },
  ];

  it.each(cases)('$name', ({ input, canonical, authorization: expected }) => {
    const headers = signRequest(input);
    const hashedPayload = sha256Hex(input.body ?? '');
    const canonicalInput = {
      method: input.method,
      pathname: input.pathname,
      query: input.query ?? {},
      headers,
      hashedPayload,
    };
    expect(canonicalRequest(canonicalInput).canonical).toBe(canonical);
    expect(headers.authorization).toBe(expected);
    expect(authorization(canonicalInput, input.credentials)).toBe(expected);
    expect(
      officialAuthorization(
        {
          method: input.method,
          pathname: input.pathname,
          query: { ...input.query },
          headers: withoutAuthorization(headers),
        },
        hashedPayload,
        input.credentials,
      ),
    ).toBe(expected);
  });

  it('a different secret gives a different signature', () => {
    const headers = signRequest({
      ...LIST_DRAFTS,
      credentials: { accessKeyId: 'LTAI-test-id', accessKeySecret: 'other' },
    });
    expect(headers.authorization).not.toBe(cases[1]?.authorization);
  });
});

describe('encodeRfc3986', () => {
  it.each([
    ['', ''],
    ['abcXYZ019', 'abcXYZ019'],
    ['-._~', '-._~'],
    [' ', '%20'],
    ['+', '%2B'],
    ['%', '%25'],
    ['/', '%2F'],
    ["!'()*", '%21%27%28%29%2A'],
    [':@?#&=;,$', '%3A%40%3F%23%26%3D%3B%2C%24'],
    ['草稿', '%E8%8D%89%E7%A8%BF'],
    ['🚀', '%F0%9F%9A%80'],
    ['é', '%C3%A9'],
    ['%20', '%2520'],
  ])('%j → %s', (raw, encoded) => {
    expect(encodeRfc3986(raw)).toBe(encoded);
  });

  it.each([
    [[], '/'],
    [['api', 'v2'], '/api/v2'],
    [['a/b', 'c d'], '/a%2Fb/c%20d'],
    [['', 'x'], '//x'],
  ])('encodePath(%j) → %s', (segments, path) => {
    expect(encodePath(segments)).toBe(path);
  });
});

describe('acsDate', () => {
  it.each([
    ['2024-05-06T07:08:09.123Z', '2024-05-06T07:08:09Z'],
    ['2024-12-31T23:59:59.999Z', '2024-12-31T23:59:59Z'],
    ['2000-01-01T00:00:00.000Z', '2000-01-01T00:00:00Z'],
    ['2024-02-29T12:00:00+08:00', '2024-02-29T04:00:00Z'],
  ])('%s → %s', (iso, expected) => {
    expect(acsDate(new Date(iso))).toBe(expected);
  });

  it('always has the form YYYY-MM-DDTHH:mm:ssZ in UTC', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1970-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        (date) => {
          const text = acsDate(date);
          expect(text).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
          expect(new Date(text).getTime()).toBe(Math.floor(date.getTime() / 1000) * 1000);
        },
      ),
    );
  });
});

describe('signRequest', () => {
  const base: SignRequestInput = {
    method: 'PATCH',
    host: 'ververica.cn-hangzhou.aliyuncs.com',
    pathname: '/api/v2/namespaces/ns/deployment-drafts/d1',
    headers: { workspace: 'ws-1', accept: 'application/json' },
    body: '{}',
    action: 'UpdateDeploymentDraft',
    version: '2022-07-18',
    credentials: { accessKeyId: 'id', accessKeySecret: 'secret' },
    date: new Date('2024-01-02T03:04:05Z'),
    nonce: 'n-1',
  };

  it('sets every required header and keeps the caller headers', () => {
    const headers = signRequest(base);
    expect(headers).toMatchObject({
      host: 'ververica.cn-hangzhou.aliyuncs.com',
      'x-acs-action': 'UpdateDeploymentDraft',
      'x-acs-version': '2022-07-18',
      'x-acs-date': '2024-01-02T03:04:05Z',
      'x-acs-signature-nonce': 'n-1',
      'x-acs-content-sha256': sha256Hex('{}'),
      workspace: 'ws-1',
      accept: 'application/json',
    });
    expect(headers.authorization).toMatch(
      /^ACS3-HMAC-SHA256 Credential=id,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=[0-9a-f]{64}$/,
    );
  });

  it('hashes an absent body as the empty string', () => {
    const withoutBody: SignRequestInput = { ...base };
    delete withoutBody.body;
    expect(signRequest(withoutBody)['x-acs-content-sha256']).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('hashes a byte body the same as the equal string body', () => {
    const text = '{"sqlScript":"SELECT \'流\'"}';
    expect(
      signRequest({ ...base, body: new TextEncoder().encode(text) })['x-acs-content-sha256'],
    ).toBe(signRequest({ ...base, body: text })['x-acs-content-sha256']);
  });

  it.each([
    { name: 'no token', securityToken: undefined, signed: false },
    { name: 'empty token', securityToken: '', signed: false },
    { name: 'STS token', securityToken: 'sts-123', signed: true },
  ])('$name: x-acs-security-token sent and signed = $signed', (c) => {
    const credentials: Credentials = { accessKeyId: 'id', accessKeySecret: 'secret' };
    if (c.securityToken !== undefined) credentials.securityToken = c.securityToken;
    const headers = signRequest({ ...base, credentials });
    const signedHeaders = /SignedHeaders=([^,]*)/.exec(headers.authorization ?? '')?.[1];
    expect(signedHeaders?.split(';').includes('x-acs-security-token')).toBe(c.signed);
    expect('x-acs-security-token' in headers).toBe(c.signed);
    if (c.signed) expect(headers['x-acs-security-token']).toBe(c.securityToken);
  });

  it('a fresh nonce or date changes the signature', () => {
    const first = signRequest(base).authorization;
    expect(signRequest({ ...base, nonce: 'n-2' }).authorization).not.toBe(first);
    expect(signRequest({ ...base, date: new Date('2024-01-02T03:04:06Z') }).authorization).not.toBe(
      first,
    );
  });

  it('ignores unsigned headers such as workspace and accept', () => {
    const a = signRequest(base).authorization;
    const b = signRequest({
      ...base,
      headers: { workspace: 'another', accept: 'text/html', 'user-agent': 'x' },
    }).authorization;
    expect(b).toBe(a);
  });
});
