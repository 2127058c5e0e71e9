import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import openapiUtil from '@alicloud/openapi-util';
import fc from 'fast-check';
import { Agent } from 'undici';
import type { DeploymentDraft } from '../src/ververica/draft.js';
import { acsDate, authorization, sha256Hex, type Credentials } from '../src/ververica/signer.js';
import {
  DEFAULT_CREDENTIAL,
  FakeVervericaApi,
  type FakeCredential,
  type FakeOptions,
  type Fault,
  type LockConflict,
  type Principal,
  type StoredDraftInput,
} from './support/fake-ververica.js';
import { OUTPUT_ONLY } from './support/fake-drafts.js';
import {
  draftSegments,
  send,
  signedCall,
  type CallSpec,
  type Reply,
  type WireCall,
} from './support/signed-request.js';

const WORKSPACE = 'ws-7f3a';
const NAMESPACE = 'ns-prod';
const T0 = Date.UTC(2025, 5, 1, 8, 0, 0);
const MINUTE = 60_000;

const STS: FakeCredential = {
  accessKeyId: 'STS.fake-id',
  accessKeySecret: 'sts-secret',
  securityToken: 'sts-token-1',
};
const EXPIRED_STS: FakeCredential = {
  accessKeyId: 'STS.expired-id',
  accessKeySecret: 'expired-secret',
  securityToken: 'sts-token-2',
  securityTokenExpiresAt: T0 - 1000,
};
const SECRETS = [DEFAULT_CREDENTIAL.accessKeySecret, STS.accessKeySecret, 'sts-token-1'];

interface OfficialSigner {
  getAuthorization(
    request: {
      method: string;
      pathname: string;
      query: Record<string, string>;
      headers: Record<string, string>;
    },
    algorithm: string,
    hashedPayload: string,
    accessKeyId: string,
    accessKeySecret: string,
  ): string;
}
// The package is CommonJS with the class on `default`; how it surfaces depends on the loader.
const official = ((openapiUtil as unknown as { default?: unknown }).default ??
  openapiUtil) as OfficialSigner;

const agent = new Agent();
let clock = T0;
let started: FakeVervericaApi[] = [];

beforeEach(() => {
  clock = T0;
});
afterEach(async () => {
  await Promise.all(started.map((api) => api.stop()));
  started = [];
});
afterAll(() => agent.close());

/** The tests' keys act for one person, who holds the seeded drafts' edit locks. */
const TESTER: Principal = { id: 'uid-tester', name: 'tester' };

async function startFake(options: FakeOptions = {}): Promise<FakeVervericaApi> {
  const api = await FakeVervericaApi.start({
    credentials: [
      { ...DEFAULT_CREDENTIAL, principal: TESTER },
      { ...STS, principal: TESTER },
      EXPIRED_STS,
    ],
    now: () => clock,
    ...options,
  });
  started.push(api);
  for (const id of ['d-1', 'd-2']) {
    api.seedDraft(sqlDraft(id));
    api.lockDraft(WORKSPACE, NAMESPACE, id, TESTER.name, TESTER.id);
  }
  return api;
}

function sqlDraft(id: string, sqlScript = `SELECT 1; -- ${id}`): StoredDraftInput {
  return {
    deploymentDraftId: id,
    name: `job-${id}`,
    workspace: WORKSPACE,
    namespace: NAMESPACE,
    executionMode: 'STREAMING',
    engineVersion: 'vvr-8.0.9-flink-1.17',
    artifact: { kind: 'SQLSCRIPT', sqlArtifact: { sqlScript, additionalDependencies: [] } },
    labels: { team: 'data' },
    creator: 'uid-alice',
    creatorName: 'alice',
    createdAt: 1_700_000_000,
    modifier: 'uid-alice',
    modifiedAt: 1_700_000_100,
  };
}

type Spec = Partial<CallSpec>;

function getCall(api: FakeVervericaApi, draftId: string, spec: Spec = {}): WireCall {
  return call(api, { method: 'GET', action: 'GetDeploymentDraft', draftId, ...spec });
}

function patchCall(api: FakeVervericaApi, draftId: string, body: unknown, spec: Spec = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return call(api, {
    method: 'PATCH',
    action: 'UpdateDeploymentDraft',
    draftId,
    body: text,
    ...spec,
  });
}

function listCall(api: FakeVervericaApi, query: Record<string, string>): WireCall {
  return call(api, { method: 'GET', action: 'ListDeploymentDrafts', query });
}

function call(api: FakeVervericaApi, spec: Spec & { draftId?: string }): WireCall {
  const { draftId, ...rest } = spec;
  return signedCall(api.url, {
    method: 'GET',
    action: 'GetDeploymentDraft',
    segments: draftSegments(NAMESPACE, draftId),
    credentials: DEFAULT_CREDENTIAL,
    date: new Date(clock),
    workspace: WORKSPACE,
    ...rest,
  });
}

function exec(api: FakeVervericaApi, wire: WireCall, signal?: AbortSignal): Promise<Reply> {
  return send(api.url, wire, signal ? { dispatcher: agent, signal } : { dispatcher: agent });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function json(reply: Reply): any {
  return JSON.parse(reply.text);
}

/** What an update sends: the editable fields as read, with a new script. */
function withScript(draft: DeploymentDraft | undefined, sqlScript: string): unknown {
  const editable: Record<string, unknown> = { ...draft };
  for (const field of OUTPUT_ONLY) delete editable[field];
  return { ...editable, artifact: { kind: 'SQLSCRIPT', sqlArtifact: { sqlScript } } };
}

function lockCall(api: FakeVervericaApi, draftId: string, spec: Spec = {}): WireCall {
  return call(api, {
    method: 'POST',
    action: 'GetDeploymentDraftLock',
    segments: [...draftSegments(NAMESPACE), 'getLock'],
    query: { deploymentDraftId: draftId },
    ...spec,
  });
}

/** Waits for the server to reach a state; polls a bounded number of times so a broken fake fails fast. */
async function until(condition: () => boolean): Promise<void> {
  for (let poll = 0; !condition(); poll += 1) {
    if (poll > 2000) throw new Error('the fake never reached the expected state');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** A latency sleep the test releases by hand. */
function gate() {
  const waiting: Array<{ ms: number; release: () => void }> = [];
  return {
    waiting,
    sleep: (ms: number) => new Promise<void>((release) => waiting.push({ ms, release })),
    releaseAll: () => waiting.forEach((w) => w.release()),
  };
}

describe('correctly signed calls', () => {
  it('GET answers the success envelope with the draft and a request id', async () => {
    const api = await startFake();
    const reply = await exec(api, getCall(api, 'd-1'));
    const body = json(reply);
    expect(reply.status).toBe(200);
    expect(body).toEqual({
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      success: true,
      httpCode: 200,
      data: api.draft(WORKSPACE, NAMESPACE, 'd-1'),
    });
    expect(reply.headers['x-acs-request-id']).toBe(body.requestId);
    expect(body.data.artifact.sqlArtifact.sqlScript).toBe('SELECT 1; -- d-1');
  });

  it('gives every response a fresh request id', async () => {
    const api = await startFake();
    const a = json(await exec(api, getCall(api, 'd-1')));
    const b = json(await exec(api, getCall(api, 'd-1')));
    expect(a.requestId).not.toBe(b.requestId);
  });

  it('PATCH replaces the draft, keeps server-owned fields and bumps modifiedAt', async () => {
    const api = await startFake();
    const read = api.draft(WORKSPACE, NAMESPACE, 'd-1');
    delete read?.labels;
    const body = {
      ...(withScript(read, 'SELECT 2;') as object),
      unknownField: { kept: true },
      deploymentDraftId: 'someone-else',
      workspace: 'ws-other',
      namespace: 'ns-other',
    };
    const reply = await exec(api, patchCall(api, 'd-1', body));
    const stored = api.draft(WORKSPACE, NAMESPACE, 'd-1');

    expect(reply.status).toBe(200);
    expect(json(reply).data).toEqual(stored);
    expect(stored).toMatchObject({
      deploymentDraftId: 'd-1',
      workspace: WORKSPACE,
      namespace: NAMESPACE,
      creator: 'uid-alice',
      createdAt: 1_700_000_000,
      artifact: { kind: 'SQLSCRIPT', sqlArtifact: { sqlScript: 'SELECT 2;' } },
      unknownField: { kept: true },
      modifiedAt: Math.floor(T0 / 1000),
      modifier: TESTER.id,
      modifierName: TESTER.name,
      lock: expect.objectContaining({ holderId: TESTER.id }),
    });
    expect(stored).not.toHaveProperty('labels');
  });

  it.each(OUTPUT_ONLY)('refuses a PATCH that sends the output-only field %s', async (field) => {
    const api = await startFake();
    const before = api.draft(WORKSPACE, NAMESPACE, 'd-1');
    const body = { ...(withScript(before, 'SELECT 2;') as object), [field]: before?.[field] ?? 1 };
    const reply = await exec(api, patchCall(api, 'd-1', body));
    expect(reply.status).toBe(400);
    expect(json(reply)).toMatchObject({
      errorCode: 'InvalidParameter',
      errorMessage: expect.stringContaining(field),
    });
    expect(api.draft(WORKSPACE, NAMESPACE, 'd-1')).toEqual(before);
  });

  it('keeps modifiedAt strictly increasing within one clock second', async () => {
    const api = await startFake();
    const stamps: number[] = [];
    for (const sql of ['SELECT 2;', 'SELECT 3;', 'SELECT 4;']) {
      const current = api.draft(WORKSPACE, NAMESPACE, 'd-1');
      const reply = await exec(api, patchCall(api, 'd-1', withScript(current, sql)));
      stamps.push(json(reply).data.modifiedAt);
    }
    expect(stamps).toEqual([0, 1, 2].map((i) => Math.floor(T0 / 1000) + i));
  });

  it('lists a namespace page by page', async () => {
    const api = await startFake();
    api.seedDraft(sqlDraft('d-3'));
    api.seedDraft({ ...sqlDraft('d-other-ns'), namespace: 'ns-dev' });
    api.seedDraft({ ...sqlDraft('d-other-ws'), workspace: 'ws-other' });

    const reply = await exec(api, listCall(api, { pageIndex: '2', pageSize: '2' }));
    const body = json(reply);
    expect(reply.status).toBe(200);
    expect(body).toMatchObject({ success: true, pageIndex: 2, pageSize: 2, totalSize: 3 });
    expect(body.data.map((d: { deploymentDraftId: string }) => d.deploymentDraftId)).toEqual([
      'd-3',
    ]);
  });

  it('refuses a page size out of range', async () => {
    const api = await startFake();
    const reply = await exec(api, listCall(api, { pageIndex: '1', pageSize: '0' }));
    expect(reply.status).toBe(400);
    expect(json(reply)).toMatchObject({ success: false, errorCode: 'InvalidParameter' });
  });

  it('decodes path segments and records both forms', async () => {
    const api = await startFake();
    const id = "draft (1)/ü'*";
    api.seedDraft(sqlDraft(id));
    const reply = await exec(api, getCall(api, id));
    expect(json(reply).data.deploymentDraftId).toBe(id);
    const [recorded] = api.calls;
    expect(recorded?.draftId).toBe(id);
    expect(recorded?.rawPath).toBe(
      `/api/v2/namespaces/${NAMESPACE}/deployment-drafts/draft%20%281%29%2F%C3%BC%27%2A`,
    );
  });

  it('accepts a signature made by the official SDK', async () => {
    const api = await startFake();
    const query = { pageIndex: '1', pageSize: '20' };
    const headers: Record<string, string> = {
      host: new URL(api.url).host,
      workspace: WORKSPACE,
      'x-acs-action': 'ListDeploymentDrafts',
      'x-acs-version': '2022-07-18',
      'x-acs-date': acsDate(new Date(clock)),
      'x-acs-signature-nonce': randomUUID(),
      'x-acs-content-sha256': sha256Hex(''),
    };
    const pathname = `/api/v2/namespaces/${NAMESPACE}/deployment-drafts`;
    headers.authorization = official.getAuthorization(
      { method: 'GET', pathname, query, headers },
      'ACS3-HMAC-SHA256',
      sha256Hex(''),
      DEFAULT_CREDENTIAL.accessKeyId,
      DEFAULT_CREDENTIAL.accessKeySecret,
    );
    const reply = await exec(api, {
      method: 'GET',
      path: `${pathname}?pageIndex=1&pageSize=20`,
      headers,
    });
    expect(reply.status).toBe(200);
    expect(json(reply)).toMatchObject({ success: true, totalSize: 2 });
  });

  it('verifies signatures over any draft id and query text the signer produces', async () => {
    const api = await startFake();
    const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(
        text.filter((s) => s !== '.' && s !== '..'),
        fc.dictionary(text, fc.string({ unit: 'grapheme', maxLength: 12 }), { maxKeys: 3 }),
        async (draftId, query) => {
          const reply = await exec(api, getCall(api, draftId, { query }));
          // A business 404 proves the gateway accepted the signature.
          expect(json(reply)).toMatchObject({ errorCode: 'DeploymentDraftNotFound' });
        },
      ),
      { numRuns: 60 },
    );
  });

  it.each([
    ['an action the fake does not serve', { method: 'POST', action: 'CreateDeploymentDraft' }],
    ['an action that does not fit the path', { method: 'PATCH', action: 'GetDeploymentDraft' }],
  ])('answers %s with a gateway 404', async (_name, spec) => {
    const api = await startFake();
    const reply = await exec(api, call(api, { ...spec, draftId: 'd-1', body: '{}' }));
    expect(reply.status).toBe(404);
    expect(json(reply)).toMatchObject({ Code: 'InvalidAction.NotFound' });
  });
});

describe('tampering with a signed PATCH', () => {
  const setHeader =
    (name: string, value: (old: string) => string) =>
    (wire: WireCall): WireCall => ({
      ...wire,
      headers: { ...wire.headers, [name]: value(wire.headers[name] ?? '') },
    });
  const oneSecondLater = (date: string) => acsDate(new Date(Date.parse(date) + 1000));

  const headerTampers: Array<[string, (old: string) => string]> = [
    ['host', () => 'ververica.cn-shanghai.aliyuncs.com'],
    ['content-type', () => 'text/plain'],
    ['x-acs-action', () => 'GetDeploymentDraft'],
    ['x-acs-version', () => '2021-01-01'],
    ['x-acs-date', oneSecondLater],
    ['x-acs-signature-nonce', () => randomUUID()],
    ['x-acs-content-sha256', () => sha256Hex('{}')],
    ['x-acs-security-token', () => 'token-of-someone-else'],
    ['x-acs-accesskey-id', () => 'STS.someone-else'],
  ];
  type Tamper = (wire: WireCall) => WireCall;
  const MISMATCH = 'SignatureDoesNotMatch';
  const cases: Array<[string, number, string, Tamper]> = [
    ['nothing', 200, 'accepted', (wire) => wire],
    ['the method', 400, MISMATCH, (wire) => ({ ...wire, method: 'POST' })],
    ['the path', 400, MISMATCH, (wire) => ({ ...wire, path: wire.path.replace('/d-1', '/d-2') })],
    ['the query', 400, MISMATCH, (wire) => ({ ...wire, path: `${wire.path}?pageSize=1` })],
    ...headerTampers.map(([name, value]): [string, number, string, Tamper] => [
      `header ${name}`,
      400,
      MISMATCH,
      setHeader(name, value),
    ]),
    [
      'the body',
      400,
      'ContentSha256Mismatch',
      (wire) => ({ ...wire, body: (wire.body ?? '').replace('SELECT 2', 'SELECT 9') }),
    ],
  ];

  function signedPatch(api: FakeVervericaApi): WireCall {
    const draft = api.draft(WORKSPACE, NAMESPACE, 'd-1');
    return patchCall(api, 'd-1', withScript(draft, 'SELECT 2;'), { credentials: STS });
  }

  it('covers every header the signature covers', async () => {
    const api = await startFake();
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(
      signedPatch(api).headers.authorization ?? '',
    );
    expect(signedHeaders?.[1]?.split(';').sort()).toEqual(headerTampers.map(([n]) => n).sort());
  });

  it.each(cases)('tampered %s → %i %s', async (_name, status, code, tamper) => {
    const api = await startFake();
    const before = api.draft(WORKSPACE, NAMESPACE, 'd-1');
    const reply = await exec(api, tamper(signedPatch(api)));

    expect(reply.status).toBe(status);
    if (status === 200) {
      expect(api.draft(WORKSPACE, NAMESPACE, 'd-1')?.artifact?.sqlArtifact?.sqlScript).toBe(
        'SELECT 2;',
      );
      return;
    }
    expect(json(reply)).toMatchObject({ Code: code });
    expect(api.draft(WORKSPACE, NAMESPACE, 'd-1')).toEqual(before);
    expect(api.draft(WORKSPACE, NAMESPACE, 'd-2')?.artifact?.sqlArtifact?.sqlScript).toBe(
      'SELECT 1; -- d-2',
    );
  });
});

describe('gateway checks', () => {
  const stranger: Credentials = { accessKeyId: 'LTAI-nobody', accessKeySecret: 'x' };
  const without =
    (name: string) =>
    (wire: WireCall): WireCall => {
      const headers = { ...wire.headers };
      delete headers[name];
      return { ...wire, headers };
    };
  /** Re-signs the call while leaving `name` out of SignedHeaders, but still sends it. */
  const unsigned =
    (name: string, secret: string) =>
    (wire: WireCall): WireCall => {
      const signedPart = { ...wire.headers };
      delete signedPart.authorization;
      delete signedPart[name];
      const [pathname = '', rawQuery = ''] = wire.path.split('?');
      const value = authorization(
        {
          method: wire.method,
          pathname,
          query: Object.fromEntries(new URLSearchParams(rawQuery)),
          headers: signedPart,
          hashedPayload: signedPart['x-acs-content-sha256'] ?? '',
        },
        { accessKeyId: DEFAULT_CREDENTIAL.accessKeyId, accessKeySecret: secret },
      );
      return { ...wire, headers: { ...wire.headers, authorization: value } };
    };
  const setAuth = (value: string) => (wire: WireCall) => ({
    ...wire,
    headers: { ...wire.headers, authorization: value },
  });

  type Case = [string, Spec, (wire: WireCall) => WireCall, number, string];
  const same = (wire: WireCall) => wire;
  const cases: Case[] = [
    ['an unknown access key', { credentials: stranger }, same, 404, 'InvalidAccessKeyId.NotFound'],
    [
      'a wrong secret',
      { credentials: { ...DEFAULT_CREDENTIAL, accessKeySecret: 'guess' } },
      same,
      400,
      'SignatureDoesNotMatch',
    ],
    ['no Authorization', {}, without('authorization'), 400, 'IncompleteSignature'],
    ['a Bearer Authorization', {}, setAuth('Bearer abc'), 400, 'IncompleteSignature'],
    [
      'an Authorization without a signature',
      {},
      setAuth('ACS3-HMAC-SHA256 Credential=LTAI-fake-id,SignedHeaders=host'),
      400,
      'IncompleteSignature',
    ],
    [
      'a non-hex signature',
      {},
      setAuth('ACS3-HMAC-SHA256 Credential=LTAI-fake-id,SignedHeaders=host,Signature=zz'),
      400,
      'IncompleteSignature',
    ],
    [
      'x-acs-date left unsigned',
      {},
      unsigned('x-acs-date', 'fake-secret'),
      400,
      'IncompleteSignature',
    ],
    [
      'content-type left unsigned',
      { method: 'PATCH', action: 'UpdateDeploymentDraft', body: '{}' },
      unsigned('content-type', 'fake-secret'),
      400,
      'IncompleteSignature',
    ],
    [
      'an x-acs-date 16 minutes old',
      { date: new Date(T0 - 16 * MINUTE) },
      same,
      400,
      'RequestTimeTooSkewed',
    ],
    [
      'an x-acs-date 16 minutes ahead',
      { date: new Date(T0 + 16 * MINUTE) },
      same,
      400,
      'RequestTimeTooSkewed',
    ],
    [
      'a malformed x-acs-date',
      {},
      (w) => ({ ...w, headers: { ...w.headers, 'x-acs-date': 'yesterday' } }),
      400,
      'InvalidParameter',
    ],
    ['no workspace header', {}, without('workspace'), 400, 'MissingParameter'],
    ['no x-acs-action', {}, without('x-acs-action'), 400, 'MissingParameter'],
    ['no x-acs-version', {}, without('x-acs-version'), 400, 'MissingParameter'],
    ['an unsupported version', { version: '2021-01-01' }, same, 400, 'InvalidVersion'],
    [
      'an STS key without its token',
      { credentials: { ...STS, securityToken: undefined } },
      same,
      400,
      'InvalidSecurityToken.Mismatch',
    ],
    [
      'an STS key with another token',
      { credentials: { ...STS, securityToken: 'forged' } },
      same,
      400,
      'InvalidSecurityToken.Mismatch',
    ],
    [
      'a token on a long-term key',
      { credentials: { ...DEFAULT_CREDENTIAL, securityToken: 'x' } },
      same,
      400,
      'InvalidSecurityToken.Mismatch',
    ],
    [
      'an expired STS token',
      { credentials: EXPIRED_STS },
      same,
      400,
      'InvalidSecurityToken.Expired',
    ],
  ];

  it.each(cases)('rejects %s', async (_name, spec, change, status, code) => {
    const api = await startFake();
    const reply = await exec(api, change(getCall(api, 'd-1', spec)));
    const body = json(reply);

    expect(reply.status).toBe(status);
    expect(body).toEqual({
      RequestId: reply.headers['x-acs-request-id'],
      Code: code,
      Message: expect.any(String),
      HostId: expect.any(String),
      Recommend: expect.stringContaining(code),
    });
    for (const secret of SECRETS) expect(reply.text).not.toContain(secret);
    expect(api.calls).toEqual([
      expect.objectContaining({ status, code, requestId: body.RequestId }),
    ]);
  });

  it.each([
    ['a long-term key', DEFAULT_CREDENTIAL],
    ['an STS key with its token', STS],
    ['an x-acs-date 14 minutes off', DEFAULT_CREDENTIAL, T0 - 14 * MINUTE],
  ])('accepts %s', async (_name, credentials, date = T0) => {
    const api = await startFake();
    const reply = await exec(api, getCall(api, 'd-1', { credentials, date: new Date(date) }));
    expect(reply.status).toBe(200);
  });

  it('honours an injected skew limit', async () => {
    const api = await startFake({ maxSkewMs: 1000 });
    const reply = await exec(api, getCall(api, 'd-1', { date: new Date(T0 - 2000) }));
    expect(json(reply).Code).toBe('RequestTimeTooSkewed');
  });

  it('refuses a reused nonce', async () => {
    const api = await startFake();
    const first = await exec(api, getCall(api, 'd-1', { nonce: 'n-1' }));
    const again = await exec(api, getCall(api, 'd-1', { nonce: 'n-1' }));
    expect(first.status).toBe(200);
    expect(again.status).toBe(400);
    expect(json(again).Code).toBe('SignatureNonceUsed');
  });

  it('does not let a forged call use up a nonce', async () => {
    const api = await startFake();
    const forged = setAuth(
      `ACS3-HMAC-SHA256 Credential=LTAI-fake-id,SignedHeaders=host,Signature=${'0'.repeat(64)}`,
    )(getCall(api, 'd-1', { nonce: 'n-2' }));
    expect(json(await exec(api, forged)).Code).toBe('IncompleteSignature');
    const badSignature = getCall(api, 'd-1', {
      nonce: 'n-2',
      credentials: { ...DEFAULT_CREDENTIAL, accessKeySecret: 'guess' },
    });
    expect(json(await exec(api, badSignature)).Code).toBe('SignatureDoesNotMatch');
    expect((await exec(api, getCall(api, 'd-1', { nonce: 'n-2' }))).status).toBe(200);
  });

  it('accepts keys added after start', async () => {
    const api = await startFake();
    const late = { accessKeyId: 'LTAI-late', accessKeySecret: 'late-secret' };
    expect((await exec(api, getCall(api, 'd-1', { credentials: late }))).status).toBe(404);
    api.addCredential(late);
    expect((await exec(api, getCall(api, 'd-1', { credentials: late }))).status).toBe(200);
  });
});

describe('faults', () => {
  const throttled: Fault = { kind: 'status', status: 429, code: 'Throttling.User' };
  const unavailable: Fault = { kind: 'status', status: 503, code: 'ServiceUnavailable' };

  it.each<[string, Fault, number, (reply: Reply) => void]>([
    [
      'gateway 503 with Retry-After',
      { ...unavailable, retryAfterSeconds: 7 },
      503,
      (r) => {
        expect(json(r)).toMatchObject({
          Code: 'ServiceUnavailable',
          RequestId: r.headers['x-acs-request-id'],
        });
        expect(r.headers['retry-after']).toBe('7');
      },
    ],
    [
      'gateway throttling',
      throttled,
      429,
      (r) => {
        expect(json(r).Code).toBe('Throttling.User');
        expect(r.headers['retry-after']).toBeUndefined();
      },
    ],
    [
      'envelope throttling',
      { kind: 'status', status: 400, code: 'Throttling.User', envelope: true },
      400,
      (r) =>
        expect(json(r)).toEqual({
          requestId: r.headers['x-acs-request-id'],
          success: false,
          httpCode: 400,
          errorCode: 'Throttling.User',
          errorMessage: expect.any(String),
          data: null,
        }),
    ],
    [
      'envelope failure at HTTP 200',
      { kind: 'status', status: 200, code: 'Forbidden.RAM', envelope: true, message: 'no' },
      200,
      (r) =>
        expect(json(r)).toMatchObject({
          success: false,
          errorCode: 'Forbidden.RAM',
          errorMessage: 'no',
        }),
    ],
    [
      'html',
      { kind: 'html' },
      502,
      (r) => {
        expect(r.headers['content-type']).toContain('text/html');
        expect(r.text).toMatch(/^<html>/);
      },
    ],
    [
      'html with a chosen status',
      { kind: 'html', status: 504 },
      504,
      (r) => expect(r.text).toMatch(/^<html>/),
    ],
    ['empty', { kind: 'empty' }, 200, (r) => expect(r.text).toBe('')],
    [
      'malformed JSON',
      { kind: 'malformed-json', status: 500 },
      500,
      (r) => expect(() => JSON.parse(r.text)).toThrow(),
    ],
    [
      'huge',
      { kind: 'huge' },
      200,
      (r) => expect(r.text.length).toBeGreaterThanOrEqual(20 * 1024 * 1024),
    ],
  ])('%s', async (_name, fault, status, check) => {
    const api = await startFake();
    api.failNext(1, fault);
    const reply = await exec(api, getCall(api, 'd-1'));
    expect(reply.status).toBe(status);
    check(reply);
    expect(api.calls[0]).toMatchObject({ fault: fault.kind, status });
    expect((await exec(api, getCall(api, 'd-1'))).status).toBe(200);
  });

  it('echo-secrets puts the Authorization header and security token in the message', async () => {
    const api = await startFake();
    api.failNext(1, { kind: 'echo-secrets' });
    const wire = getCall(api, 'd-1', { credentials: STS });
    const reply = await exec(api, wire);
    expect(reply.status).toBe(400);
    expect(json(reply).Message).toContain(wire.headers.authorization);
    expect(json(reply).Message).toContain(STS.securityToken);
  });

  it('reset drops the connection without applying the call', async () => {
    const api = await startFake();
    api.failNext(1, { kind: 'reset' });
    const patch = patchCall(api, 'd-1', withScript(sqlDraft('d-1'), 'SELECT 2;'));
    await expect(exec(api, patch)).rejects.toThrow();
    expect(api.draft(WORKSPACE, NAMESPACE, 'd-1')?.artifact?.sqlArtifact?.sqlScript).toBe(
      'SELECT 1; -- d-1',
    );
    expect(api.calls[0]).toMatchObject({ fault: 'reset', status: 0 });
  });

  it('reset-after-apply applies the PATCH, then drops the answer', async () => {
    const api = await startFake();
    api.failNext(1, { kind: 'reset-after-apply' });
    const patch = patchCall(api, 'd-1', withScript(sqlDraft('d-1'), 'SELECT 2;'));
    await expect(exec(api, patch)).rejects.toThrow();
    const stored = api.draft(WORKSPACE, NAMESPACE, 'd-1');
    expect(stored?.artifact?.sqlArtifact?.sqlScript).toBe('SELECT 2;');
    expect(stored?.modifiedAt).toBe(Math.floor(T0 / 1000));
  });

  it('hang never answers; the client gives up and the server lets go', async () => {
    const api = await startFake();
    api.failNext(1, { kind: 'hang' });
    const abort = new AbortController();
    const pending = exec(api, getCall(api, 'd-1'), abort.signal);
    await until(() => api.calls[0]?.fault === 'hang');
    expect(api.inFlight).toBe(1);
    abort.abort();
    await expect(pending).rejects.toThrow();
    await until(() => api.inFlight === 0);
    expect((await exec(api, getCall(api, 'd-1'))).status).toBe(200);
  });

  it('only faults correctly signed calls', async () => {
    const api = await startFake();
    api.failNext(1, unavailable);
    const forged = getCall(api, 'd-1', {
      credentials: { ...DEFAULT_CREDENTIAL, accessKeySecret: 'guess' },
    });
    expect(json(await exec(api, forged)).Code).toBe('SignatureDoesNotMatch');
    expect((await exec(api, getCall(api, 'd-1'))).status).toBe(503);
  });

  it('failNext counts down and honours filters, queued faults in order', async () => {
    const api = await startFake();
    api.failNext(2, unavailable, { draftId: 'd-2' });
    api.failNext(1, throttled, { method: 'patch' });
    api.failNext(1, { kind: 'html' }, { action: 'ListDeploymentDrafts' });
    const draft = withScript(api.draft(WORKSPACE, NAMESPACE, 'd-1'), 'SELECT 5;');
    const statuses: number[] = [];
    for (const wire of [
      getCall(api, 'd-1'),
      getCall(api, 'd-2'),
      patchCall(api, 'd-2', draft),
      getCall(api, 'd-2'),
      patchCall(api, 'd-1', draft),
      listCall(api, {}),
      patchCall(api, 'd-1', draft),
      listCall(api, {}),
    ]) {
      statuses.push((await exec(api, wire)).status);
    }
    expect(statuses).toEqual([200, 503, 503, 200, 429, 502, 200, 200]);
  });

  async function randomFaultRun(seed: number, rate = 0.5): Promise<string[]> {
    const api = await startFake();
    api.setRandomFaults(rate, seed, [unavailable, throttled, { kind: 'empty' }]);
    for (let i = 0; i < 30; i += 1) await exec(api, getCall(api, 'd-1'));
    return api.calls.map((c) => c.fault ?? (c.status === 200 ? 'ok' : 'unexpected'));
  }

  it('random faults replay exactly for the same seed', async () => {
    const first = await randomFaultRun(42);
    expect(await randomFaultRun(42)).toEqual(first);
    expect(await randomFaultRun(43)).not.toEqual(first);
    expect(first).toContain('ok');
    expect(first).toContain('status');
    expect(first).not.toContain('unexpected');
  });

  it('random faults at rate 0 are off', async () => {
    expect(new Set(await randomFaultRun(42, 0))).toEqual(new Set(['ok']));
  });

  it('reset() clears calls and faults but keeps drafts', async () => {
    const api = await startFake();
    api.failNext(5, unavailable);
    api.setRandomFaults(1, 1, [unavailable]);
    await exec(api, getCall(api, 'd-1'));
    api.reset();
    expect(api.calls).toEqual([]);
    expect((await exec(api, getCall(api, 'd-1'))).status).toBe(200);
  });
});

describe('draft rules', () => {
  it('refuses a PATCH on a draft someone else has locked, naming the holder', async () => {
    const api = await startFake();
    api.lockDraft(WORKSPACE, NAMESPACE, 'd-1', 'Zhang Wei');
    const before = api.draft(WORKSPACE, NAMESPACE, 'd-1');
    const patch = () => patchCall(api, 'd-1', withScript(before, 'SELECT 2;'));

    const refused = await exec(api, patch());
    expect(refused.status).toBe(400);
    expect(json(refused)).toMatchObject({
      success: false,
      httpCode: 400,
      errorCode: 'DeploymentDraftLocked',
      errorMessage: expect.stringContaining('Zhang Wei'),
      data: null,
    });
    expect(api.draft(WORKSPACE, NAMESPACE, 'd-1')).toEqual(before);
    expect(before?.lock?.holderName).toBe('Zhang Wei');
  });

  it('refuses a PATCH from a caller that never took the lock', async () => {
    const api = await startFake();
    api.unlockDraft(WORKSPACE, NAMESPACE, 'd-1');
    const before = api.draft(WORKSPACE, NAMESPACE, 'd-1');
    const refused = await exec(api, patchCall(api, 'd-1', withScript(before, 'SELECT 2;')));
    expect(refused.status).toBe(400);
    expect(json(refused)).toMatchObject({ errorCode: 'DeploymentDraftLockRequired' });
    expect(api.draft(WORKSPACE, NAMESPACE, 'd-1')).toEqual(before);

    const locked = await exec(api, lockCall(api, 'd-1'));
    expect(json(locked)).toMatchObject({
      success: true,
      data: {
        id: expect.any(String),
        workspace: WORKSPACE,
        namespace: NAMESPACE,
        holderId: TESTER.id,
        holderName: TESTER.name,
      },
    });
    // Taking the lock is not an edit.
    expect(api.draft(WORKSPACE, NAMESPACE, 'd-1')?.modifiedAt).toBe(before?.modifiedAt);
    expect((await exec(api, patchCall(api, 'd-1', withScript(before, 'SELECT 2;')))).status).toBe(
      200,
    );
  });

  it('gives a lock the caller holds again, and the same lock to another key of the same principal', async () => {
    const api = await startFake();
    const first = json(await exec(api, lockCall(api, 'd-1')));
    const again = json(await exec(api, lockCall(api, 'd-1', { credentials: STS })));
    expect(again.data).toEqual(first.data);
  });

  it.each<[string, LockConflict, (reply: Reply) => void]>([
    [
      'refuse',
      'refuse',
      (reply) => {
        expect(reply.status).toBe(400);
        expect(json(reply)).toMatchObject({
          success: false,
          errorCode: 'DeploymentDraftLocked',
          errorMessage: expect.stringContaining('Zhang Wei'),
        });
      },
    ],
    [
      'report-holder',
      'report-holder',
      (reply) => {
        expect(reply.status).toBe(200);
        expect(json(reply).data).toMatchObject({ holderName: 'Zhang Wei', holderId: 'uid-zw' });
      },
    ],
  ])("never hands another holder's lock over (lockConflict %s)", async (_n, conflict, check) => {
    const api = await startFake({ lockConflict: conflict });
    api.lockDraft(WORKSPACE, NAMESPACE, 'd-1', 'Zhang Wei', 'uid-zw');
    const before = api.draft(WORKSPACE, NAMESPACE, 'd-1');
    check(await exec(api, lockCall(api, 'd-1')));
    expect(api.draft(WORKSPACE, NAMESPACE, 'd-1')).toEqual(before);
  });

  it.each<[string, Spec, number, string]>([
    ['no deploymentDraftId', { query: {} }, 400, 'InvalidParameter'],
    ['a body', { body: '{}' }, 400, 'InvalidParameter'],
    [
      'an unknown draft',
      { query: { deploymentDraftId: 'd-missing' } },
      404,
      'DeploymentDraftNotFound',
    ],
    ['the GET method', { method: 'GET' }, 404, 'InvalidAction.NotFound'],
  ])('answers a lock call with %s as the API would', async (_n, spec, status, code) => {
    const api = await startFake();
    api.unlockDraft(WORKSPACE, NAMESPACE, 'd-1');
    const reply = await exec(api, lockCall(api, 'd-1', spec));
    expect(reply.status).toBe(status);
    expect(JSON.stringify(json(reply))).toContain(code);
    expect(api.draft(WORKSPACE, NAMESPACE, 'd-1')?.lock).toBeUndefined();
  });

  it.each([
    ['GET', 'd-missing', WORKSPACE],
    ['PATCH', 'd-missing', WORKSPACE],
    ['GET in another workspace', 'd-1', 'ws-other'],
  ])('answers 404 DeploymentDraftNotFound for %s', async (name, draftId, workspace) => {
    const api = await startFake();
    const wire = name.startsWith('PATCH')
      ? patchCall(api, draftId, sqlDraft(draftId), { workspace })
      : getCall(api, draftId, { workspace });
    const reply = await exec(api, wire);
    expect(reply.status).toBe(404);
    expect(json(reply)).toMatchObject({ success: false, errorCode: 'DeploymentDraftNotFound' });
  });

  it.each([
    ['invalid JSON', '{"artifact":'],
    ['an array', '[]'],
    ['a string', '"SELECT 1"'],
    ['no artifact', '{"name":"x"}'],
    ['an artifact without kind', '{"artifact":{"sqlArtifact":{"sqlScript":"x"}}}'],
    ['a changed artifact kind', JSON.stringify({ artifact: { kind: 'JAR' } })],
  ])('refuses a PATCH body with %s', async (_name, body) => {
    const api = await startFake();
    const before = api.draft(WORKSPACE, NAMESPACE, 'd-1');
    const reply = await exec(api, patchCall(api, 'd-1', body));
    expect(reply.status).toBe(400);
    expect(json(reply)).toMatchObject({ success: false, errorCode: 'InvalidParameter' });
    expect(api.draft(WORKSPACE, NAMESPACE, 'd-1')).toEqual(before);
  });

  it('keeps a JAR draft a JAR draft', async () => {
    const api = await startFake();
    api.seedDraft({
      ...sqlDraft('d-jar'),
      artifact: { kind: 'JAR', jarArtifact: { jarUri: 'oss://b/x.jar' } },
    });
    const toSql = await exec(
      api,
      patchCall(api, 'd-jar', withScript(sqlDraft('d-jar'), 'SELECT 2;')),
    );
    expect(json(toSql).errorCode).toBe('InvalidParameter');
    expect(api.draft(WORKSPACE, NAMESPACE, 'd-jar')?.artifact?.kind).toBe('JAR');

    const jar = {
      ...(withScript(sqlDraft('d-jar'), '') as object),
      artifact: { kind: 'JAR', jarArtifact: { jarUri: 'oss://b/y.jar' } },
    };
    api.lockDraft(WORKSPACE, NAMESPACE, 'd-jar', TESTER.name, TESTER.id);
    expect((await exec(api, patchCall(api, 'd-jar', jar))).status).toBe(200);
  });

  it('editDraftScript changes the script and bumps modifiedAt and modifier', async () => {
    const api = await startFake();
    api.editDraftScript(WORKSPACE, NAMESPACE, 'd-1', 'SELECT 42;');
    api.editDraftScript(WORKSPACE, NAMESPACE, 'd-1', 'SELECT 43;');
    const edited = api.draft(WORKSPACE, NAMESPACE, 'd-1');
    expect(edited?.artifact?.sqlArtifact?.sqlScript).toBe('SELECT 43;');
    expect(edited?.modifiedAt).toBe(Math.floor(T0 / 1000) + 1);
    expect(edited?.modifier).not.toBe('uid-alice');
    expect(() => api.editDraftScript(WORKSPACE, NAMESPACE, 'd-none', 'x')).toThrow();
  });

  it('stores and hands out copies', async () => {
    const api = await startFake();
    const seeded = sqlDraft('d-copy');
    api.seedDraft(seeded);
    seeded.name = 'changed after seeding';
    const handedOut = api.draft(WORKSPACE, NAMESPACE, 'd-copy');
    if (handedOut?.labels) handedOut.labels.team = 'changed after reading';
    expect(api.draft(WORKSPACE, NAMESPACE, 'd-copy')).toMatchObject({
      name: 'job-d-copy',
      labels: { team: 'data' },
    });
  });
});

describe('latency, concurrency, recording, stop', () => {
  it('waits the configured latency before answering', async () => {
    const latency = gate();
    const api = await startFake({ latencyMs: 250, sleep: latency.sleep });
    const pending = exec(api, getCall(api, 'd-1'));
    await until(() => latency.waiting.length === 1);
    expect(latency.waiting[0]?.ms).toBe(250);
    expect(api.calls[0]).toMatchObject({ status: 0, delayMs: 250 });

    latency.releaseAll();
    expect((await pending).status).toBe(200);
    api.setLatency(0);
    expect((await exec(api, getCall(api, 'd-1'))).status).toBe(200);
    expect(latency.waiting).toHaveLength(1);
    expect(api.calls[1]?.delayMs).toBeUndefined();
  });

  it('counts the most calls open at once', async () => {
    const latency = gate();
    const api = await startFake({ latencyMs: 1, sleep: latency.sleep });
    const pending = [1, 2, 3, 4, 5].map(() => exec(api, getCall(api, 'd-1')));
    await until(() => latency.waiting.length === 5);
    expect(api.inFlight).toBe(5);
    latency.releaseAll();
    expect((await Promise.all(pending)).map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    await until(() => api.inFlight === 0);
    expect(api.maxInFlight).toBe(5);
    api.setLatency(0);
    await exec(api, getCall(api, 'd-1'));
    expect(api.maxInFlight).toBe(5);
    await until(() => api.inFlight === 0);
    api.reset();
    expect(api.maxInFlight).toBe(0);
  });

  it('records accepted and rejected calls as received', async () => {
    const api = await startFake();
    clock = T0 + 5000;
    const forged = getCall(api, 'd-2', {
      credentials: { ...DEFAULT_CREDENTIAL, accessKeySecret: 'guess' },
    });
    const patch = patchCall(api, 'd-1', withScript(sqlDraft('d-1'), 'SELECT 2;'));
    const rejected = await exec(api, forged);
    const accepted = await exec(api, patch);

    expect(api.calls).toEqual([
      expect.objectContaining({
        method: 'GET',
        status: 400,
        code: 'SignatureDoesNotMatch',
        requestId: rejected.headers['x-acs-request-id'],
        action: 'GetDeploymentDraft',
        at: T0 + 5000,
      }),
      {
        method: 'PATCH',
        path: `/api/v2/namespaces/${NAMESPACE}/deployment-drafts/d-1`,
        rawPath: `/api/v2/namespaces/${NAMESPACE}/deployment-drafts/d-1`,
        query: {},
        headers: expect.objectContaining({
          workspace: WORKSPACE,
          authorization: patch.headers.authorization,
          'x-acs-action': 'UpdateDeploymentDraft',
        }),
        body: patch.body,
        status: 200,
        requestId: accepted.headers['x-acs-request-id'],
        action: 'UpdateDeploymentDraft',
        draftId: 'd-1',
        at: T0 + 5000,
      },
    ]);
  });

  it('stop() resolves with a hung call open', async () => {
    const api = await startFake();
    api.failNext(1, { kind: 'hang' });
    const pending = exec(api, getCall(api, 'd-1'));
    await until(() => api.calls[0]?.fault === 'hang');
    await api.stop();
    await expect(pending).rejects.toThrow();
  });

  it('stop() cancels a pending real latency', async () => {
    const api = await startFake({ latencyMs: 10 * MINUTE });
    const pending = exec(api, getCall(api, 'd-1'));
    await until(() => api.calls.length === 1);
    await api.stop();
    await expect(pending).rejects.toThrow();
  });
});
