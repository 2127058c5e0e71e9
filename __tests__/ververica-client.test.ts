import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { isTransientCode, parseRetryAfter, type ApiError } from '../src/ververica/errors.js';
import type { DeploymentDraft } from '../src/ververica/draft.js';
import type { Credentials } from '../src/ververica/signer.js';
import { VERSION } from '../src/runtime/version.js';
import { VervericaClient, type ClientOptions } from '../src/ververica/client.js';
import { FakeVervericaApi, principalOf, type Fault } from './support/fake-ververica.js';

const WORKSPACE = 'a1b2c3d4e5f6';
const NAMESPACE = 'team-default';
const KEY: Credentials = { accessKeyId: 'LTAI-fake-id', accessKeySecret: 'fake-secret' };

function sqlDraft(id: string, sqlScript = 'SELECT 1;'): DeploymentDraft {
  return {
    deploymentDraftId: id,
    name: `draft ${id}`,
    executionMode: 'STREAMING',
    engineVersion: 'vvr-8.0.5-flink-1.17',
    artifact: { kind: 'SQLSCRIPT', sqlArtifact: { sqlScript, additionalDependencies: [] } },
  };
}

const clients: VervericaClient[] = [];

function clientFor(url: string, options: Partial<ClientOptions> = {}): VervericaClient {
  const client = new VervericaClient({
    endpoint: new URL(url),
    credentials: async () => KEY,
    requestTimeoutMs: 5000,
    ...options,
  });
  clients.push(client);
  return client;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

function errorOf(result: { ok: true } | { ok: false; error: ApiError }): ApiError {
  if (result.ok) throw new Error('expected a failure, got success');
  return result.error;
}

describe('VervericaClient against the fake API', () => {
  let fake: FakeVervericaApi;

  beforeAll(async () => {
    fake = await FakeVervericaApi.start();
  });
  afterAll(async () => {
    await fake.stop();
  });
  afterEach(() => fake.reset());

  function seed(namespace: string, draft: DeploymentDraft): void {
    fake.seedDraft({ ...draft, workspace: WORKSPACE, namespace });
  }

  it('reads a draft with a signature the gateway accepts', async () => {
    seed(NAMESPACE, sqlDraft('d-1', 'SELECT 42;'));
    const result = await clientFor(fake.url).getDraft({
      workspace: WORKSPACE,
      namespace: NAMESPACE,
      draftId: 'd-1',
    });

    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.artifact?.sqlArtifact?.sqlScript).toBe('SELECT 42;');
    const [call] = fake.calls;
    expect(fake.calls).toHaveLength(1);
    expect(call?.status).toBe(200);
    expect(result.requestId).toBe(call?.requestId);
    expect(call?.method).toBe('GET');
    expect(call?.rawPath).toBe('/api/v2/namespaces/team-default/deployment-drafts/d-1');
    expect(call?.headers).toMatchObject({
      workspace: WORKSPACE,
      accept: 'application/json',
      'x-acs-action': 'GetDeploymentDraft',
      'x-acs-version': '2022-07-18',
    });
    expect(call?.headers['content-type']).toBeUndefined();
    expect(call?.headers.authorization).toMatch(/^ACS3-HMAC-SHA256 Credential=LTAI-fake-id,/);
  });

  it('sends the injected date and nonce', async () => {
    seed(NAMESPACE, sqlDraft('d-1'));
    const client = clientFor(fake.url, {
      now: () => new Date(),
      nonce: () => 'nonce-0001',
    });
    await client.getDraft({ workspace: WORKSPACE, namespace: NAMESPACE, draftId: 'd-1' });
    expect(fake.calls[0]?.headers['x-acs-signature-nonce']).toBe('nonce-0001');
    expect(fake.calls[0]?.headers['x-acs-date']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('signs every call with a fresh nonce by default', async () => {
    seed(NAMESPACE, sqlDraft('d-1'));
    const client = clientFor(fake.url);
    const ref = { workspace: WORKSPACE, namespace: NAMESPACE, draftId: 'd-1' };
    const results = [await client.getDraft(ref), await client.getDraft(ref)];
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    const nonces = fake.calls.map((c) => c.headers['x-acs-signature-nonce']);
    expect(new Set(nonces).size).toBe(2);
  });

  it.each([
    ['plain', 'default-namespace', 'draft-0001', 'default-namespace', 'draft-0001'],
    ['space and plus', 'ns with space', 'a+b', 'ns%20with%20space', 'a%2Bb'],
    ["sub-delims !'()*", "it's(ok)*!", 'x!y', 'it%27s%28ok%29%2A%21', 'x%21y'],
    ['reserved /?#%&=', 'a/b?c#d', '50%&x=y', 'a%2Fb%3Fc%23d', '50%25%26x%3Dy'],
    ['unreserved kept', 'A-z_0.9~', 'id~1', 'A-z_0.9~', 'id~1'],
    [
      'unicode',
      'ünï-命名',
      '草稿😀',
      '%C3%BCn%C3%AF-%E5%91%BD%E5%90%8D',
      '%E8%8D%89%E7%A8%BF%F0%9F%98%80',
    ],
  ])('encodes path segments on the wire: %s', async (_name, namespace, draftId, wireNs, wireId) => {
    seed(namespace, sqlDraft(draftId));
    const result = await clientFor(fake.url).getDraft({ workspace: WORKSPACE, namespace, draftId });

    expect(result.ok).toBe(true);
    expect(fake.calls[0]?.rawPath).toBe(`/api/v2/namespaces/${wireNs}/deployment-drafts/${wireId}`);
    if (result.ok) expect(result.value.deploymentDraftId).toBe(draftId);
  });

  it('reaches any namespace and draft ID the fake can store', async () => {
    const client = clientFor(fake.url);
    const segment = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 12 })
      .filter((s) => s !== '.' && s !== '..');
    await fc.assert(
      fc.asyncProperty(segment, segment, async (namespace, draftId) => {
        seed(namespace, sqlDraft(draftId));
        const result = await client.getDraft({ workspace: WORKSPACE, namespace, draftId });
        expect(result.ok && result.value.deploymentDraftId).toBe(draftId);
      }),
      { numRuns: 40 },
    );
  });

  it('sends the draft as its exact JSON and returns the stored draft', async () => {
    seed(NAMESPACE, sqlDraft('d-2', 'SELECT 1;'));
    const update = sqlDraft('d-2', "INSERT INTO sink SELECT '日本語 ✓' FROM src;\n");
    update.labels = { owner: 'data-team' };
    const ref = { workspace: WORKSPACE, namespace: NAMESPACE, draftId: 'd-2' };
    const client = clientFor(fake.url);
    expect((await client.getLock(ref)).ok).toBe(true);
    const result = await client.updateDraft(ref, update);

    expect(result.ok).toBe(true);
    const call = fake.calls[1];
    expect(call?.method).toBe('PATCH');
    expect(call?.body).toBe(JSON.stringify(update));
    expect(call?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(call?.headers['x-acs-action']).toBe('UpdateDeploymentDraft');
    if (!result.ok) return;
    expect(result.value.artifact?.sqlArtifact?.sqlScript).toBe(
      update.artifact?.sqlArtifact?.sqlScript,
    );
    expect(typeof result.value.modifiedAt).toBe('number');
    expect(fake.draft(WORKSPACE, NAMESPACE, 'd-2')?.labels).toEqual({ owner: 'data-team' });
  });

  it('asks for the edit lock as the official SDK does: POST, draft ID in the query, no body', async () => {
    seed(NAMESPACE, sqlDraft('d-lock'));
    const result = await clientFor(fake.url).getLock({
      workspace: WORKSPACE,
      namespace: NAMESPACE,
      draftId: 'd-lock',
    });

    expect(result).toEqual({
      ok: true,
      value: expect.objectContaining({ holderId: principalOf(KEY).id, namespace: NAMESPACE }),
      requestId: fake.calls[0]?.requestId,
    });
    const call = fake.calls[0];
    expect(call).toMatchObject({
      method: 'POST',
      rawPath: '/api/v2/namespaces/team-default/deployment-drafts/getLock',
      query: { deploymentDraftId: 'd-lock' },
      body: '',
      status: 200,
      draftId: 'd-lock',
    });
    expect(call?.headers['x-acs-action']).toBe('GetDeploymentDraftLock');
    // No body, so no content-type, and the hash is the empty string's.
    expect(call?.headers['content-type']).toBeUndefined();
    expect(call?.headers['x-acs-content-sha256']).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('reports a lock answer that is not a lock as an invalid response', async () => {
    seed(NAMESPACE, sqlDraft('d-lock2'));
    fake.failNext(1, { kind: 'raw', body: '{"success":true,"requestId":"r","data":"locked"}' });
    const result = await clientFor(fake.url).getLock({
      workspace: WORKSPACE,
      namespace: NAMESPACE,
      draftId: 'd-lock2',
    });
    expect(errorOf(result)).toMatchObject({ code: 'InvalidResponse' });
  });

  it('lists drafts with the page in the query', async () => {
    const namespace = 'listing';
    for (const id of ['l-1', 'l-2', 'l-3']) seed(namespace, sqlDraft(id));
    const result = await clientFor(fake.url).listDrafts(WORKSPACE, namespace, {
      pageIndex: 1,
      pageSize: 2,
    });

    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.drafts).toHaveLength(2);
    expect(result.value.totalSize).toBe(3);
    expect(fake.calls[0]?.query).toEqual({ pageIndex: '1', pageSize: '2' });
    expect(fake.calls[0]?.rawPath).toBe('/api/v2/namespaces/listing/deployment-drafts');
    expect(fake.calls[0]?.headers['x-acs-action']).toBe('ListDeploymentDrafts');
  });

  it('sends STS credentials as x-acs-security-token, fetched for every call', async () => {
    const sts = {
      accessKeyId: 'STS.fake-id',
      accessKeySecret: 'sts-secret-value',
      securityToken: 'CAIS+sts/token==',
    };
    fake.addCredential(sts);
    seed(NAMESPACE, sqlDraft('d-3'));
    let fetched = 0;
    const client = clientFor(fake.url, {
      credentials: async () => {
        fetched += 1;
        return sts;
      },
    });
    const ref = { workspace: WORKSPACE, namespace: NAMESPACE, draftId: 'd-3' };
    const results = [await client.getDraft(ref), await client.getDraft(ref)];

    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(fetched).toBe(2);
    expect(fake.calls[0]?.headers['x-acs-security-token']).toBe(sts.securityToken);
    // As the official runtime does: the STS key's ID rides beside the token, and is signed.
    expect(fake.calls[0]?.headers['x-acs-accesskey-id']).toBe(sts.accessKeyId);
    const signedHeaders = /SignedHeaders=([^,]+)/.exec(fake.calls[0]?.headers.authorization ?? '');
    expect(signedHeaders?.[1]?.split(';')).toEqual(
      expect.arrayContaining(['x-acs-accesskey-id', 'x-acs-security-token']),
    );
  });

  it('sends x-acs-accesskey-id only with a security token', async () => {
    seed(NAMESPACE, sqlDraft('d-1'));
    await clientFor(fake.url).getDraft(REF);
    expect(fake.calls[0]?.headers['x-acs-accesskey-id']).toBeUndefined();
  });

  it('names the action and its version in an unsigned user-agent', async () => {
    seed(NAMESPACE, sqlDraft('d-1'));
    await clientFor(fake.url).getDraft(REF);
    const headers = fake.calls[0]?.headers ?? {};
    expect(headers['user-agent']).toBe(
      `flink-draft-sync/${VERSION} (Node.js ${process.version}; ${process.platform}; ${process.arch})`,
    );
    expect(headers.authorization).not.toMatch(/user-agent/);
  });

  it.each<[string, Credentials, Partial<ApiError>]>([
    [
      'wrong secret',
      { accessKeyId: 'LTAI-fake-id', accessKeySecret: 'not-the-secret' },
      { status: 400, code: 'SignatureDoesNotMatch', transient: false, throttled: false },
    ],
    [
      'unknown key',
      { accessKeyId: 'LTAI-unknown', accessKeySecret: 'fake-secret' },
      { status: 404, code: 'InvalidAccessKeyId.NotFound', transient: false },
    ],
  ])('reports gateway rejections: %s', async (_name, credentials, expected) => {
    seed(NAMESPACE, sqlDraft('d-1'));
    const result = await clientFor(fake.url, { credentials: async () => credentials }).getDraft({
      workspace: WORKSPACE,
      namespace: NAMESPACE,
      draftId: 'd-1',
    });
    const error = errorOf(result);
    expect(error).toMatchObject(expected);
    expect(error.requestId).toBe(fake.calls[0]?.requestId);
    expect(error.message).not.toContain(credentials.accessKeySecret);
  });

  it.each([
    ['missing draft', 'GET', 'nope', { status: 404, code: 'DeploymentDraftNotFound' }],
    ['locked draft', 'PATCH', 'locked', { status: 400, code: 'DeploymentDraftLocked' }],
  ])('reports business errors from the envelope: %s', async (_name, method, draftId, expected) => {
    seed(NAMESPACE, sqlDraft('locked'));
    fake.lockDraft(WORKSPACE, NAMESPACE, 'locked', 'Alice Console');
    const client = clientFor(fake.url);
    const ref = { workspace: WORKSPACE, namespace: NAMESPACE, draftId };
    const result =
      method === 'GET'
        ? await client.getDraft(ref)
        : await client.updateDraft(ref, sqlDraft(draftId));
    const error = errorOf(result);
    expect(error).toMatchObject({ ...expected, transient: false });
    expect(error.requestId).toBe(fake.calls[0]?.requestId);
    if (expected.code === 'DeploymentDraftLocked') expect(error.message).toContain('Alice Console');
  });

  // Every row has all four columns: jest passes `done` in place of a missing one.
  type FaultCase = [name: string, fault: Fault, expected: Partial<ApiError>, message: RegExp];
  const faults: FaultCase[] = [
    [
      'gateway 503',
      { kind: 'status', status: 503, code: 'ServiceUnavailable' },
      { status: 503, code: 'ServiceUnavailable', transient: true, throttled: false },
      /./,
    ],
    [
      'throttled with 429 and Retry-After',
      { kind: 'status', status: 429, code: 'Throttling.User', retryAfterSeconds: 7 },
      {
        status: 429,
        code: 'Throttling.User',
        transient: true,
        throttled: true,
        retryAfterMs: 7000,
      },
      /./,
    ],
    [
      'throttled with 400',
      { kind: 'status', status: 400, code: 'Throttling.Api' },
      { status: 400, code: 'Throttling.Api', transient: true, throttled: true },
      /./,
    ],
    [
      'permission denied',
      { kind: 'status', status: 403, code: 'Forbidden.RAM', message: 'not allowed' },
      { status: 403, code: 'Forbidden.RAM', transient: false },
      /^not allowed$/,
    ],
    [
      'success:false on HTTP 200',
      { kind: 'status', status: 200, code: 'InvalidParameter', envelope: true, message: 'bad' },
      { status: 200, code: 'InvalidParameter', transient: false },
      /^bad$/,
    ],
    [
      'HTML error page from a proxy',
      { kind: 'html', status: 502 },
      { status: 502, code: 'InvalidResponse', transient: true },
      /HTTP 502 with a body that is not JSON: .*<html/i,
    ],
    [
      'HTML on HTTP 200',
      { kind: 'html', status: 200 },
      { status: 200, code: 'InvalidResponse', transient: false },
      /not JSON/,
    ],
    [
      'empty body',
      { kind: 'empty', status: 200 },
      { status: 200, code: 'InvalidResponse', transient: false },
      /HTTP 200 with an empty body$/,
    ],
    [
      'malformed JSON',
      { kind: 'malformed-json', status: 200 },
      { status: 200, code: 'InvalidResponse', transient: false },
      /not JSON/,
    ],
    [
      'huge response',
      { kind: 'huge' },
      { code: 'ResponseTooLarge', transient: false },
      /larger than 26214400 bytes/,
    ],
    [
      'connection reset',
      { kind: 'reset' },
      { status: 0, code: 'NetworkError', transient: true },
      /^GetDeploymentDraft: /,
    ],
  ];

  it.each(faults)('maps faults to errors: %s', async (_name, fault, expected, message) => {
    seed(NAMESPACE, sqlDraft('d-1'));
    fake.failNext(1, fault);
    const result = await clientFor(fake.url).getDraft({
      workspace: WORKSPACE,
      namespace: NAMESPACE,
      draftId: 'd-1',
    });
    const error = errorOf(result);
    expect(error).toMatchObject(expected);
    expect(error.message).toMatch(message);
    if (error.status !== 0) expect(error.requestId).toBe(fake.calls[0]?.requestId);
  });

  it('gives up on a hung call after requestTimeoutMs', async () => {
    seed(NAMESPACE, sqlDraft('d-1'));
    fake.failNext(1, { kind: 'hang' });
    const result = await clientFor(fake.url, { requestTimeoutMs: 150 }).getDraft({
      workspace: WORKSPACE,
      namespace: NAMESPACE,
      draftId: 'd-1',
    });
    expect(errorOf(result)).toMatchObject({ status: 0, code: 'RequestTimeout', transient: true });
  });

  it('never lets one attempt run past the run deadline, whatever requestTimeoutMs says', async () => {
    seed(NAMESPACE, sqlDraft('d-1'));
    fake.failNext(1, { kind: 'hang' });
    const now = new Date(); // frozen, so the budget left is exactly 150 ms
    const client = clientFor(fake.url, {
      requestTimeoutMs: 600_000,
      now: () => now,
      deadline: now.getTime() + 150,
    });
    const result = await client.getDraft({
      workspace: WORKSPACE,
      namespace: NAMESPACE,
      draftId: 'd-1',
    });
    const error = errorOf(result);
    expect(error).toMatchObject({ status: 0, code: 'RequestTimeout' });
    expect(error.message).toContain('within 150 ms');
  });

  it('reports a lost answer to an applied update as a network error', async () => {
    seed(NAMESPACE, sqlDraft('d-4', 'SELECT 1;'));
    fake.failNext(1, { kind: 'reset-after-apply' }, { method: 'PATCH' });
    const ref = { workspace: WORKSPACE, namespace: NAMESPACE, draftId: 'd-4' };
    const client = clientFor(fake.url);
    await client.getLock(ref);
    const result = await client.updateDraft(ref, sqlDraft('d-4', 'SELECT 2;'));
    expect(errorOf(result)).toMatchObject({ code: 'NetworkError', transient: true });
    expect(fake.draft(WORKSPACE, NAMESPACE, 'd-4')?.artifact?.sqlArtifact?.sqlScript).toBe(
      'SELECT 2;',
    );
  });

  it('scrubs secrets the server echoes back', async () => {
    const sts = {
      accessKeyId: 'STS.echo-id',
      accessKeySecret: 'echo-secret-value',
      securityToken: 'CAIS-echo-token/with+chars=',
    };
    fake.addCredential(sts);
    seed(NAMESPACE, sqlDraft('d-1'));
    fake.failNext(1, { kind: 'echo-secrets' });
    const result = await clientFor(fake.url, {
      credentials: async () => sts,
      secrets: () => ['extra-secret-value'],
    }).getDraft({ workspace: WORKSPACE, namespace: NAMESPACE, draftId: 'd-1' });

    const error = errorOf(result);
    const sent = fake.calls[0]?.headers ?? {};
    const signature = /Signature=([0-9a-f]+)/.exec(sent.authorization ?? '')?.[1];
    expect(signature).toBeDefined();
    expect(error.message).toContain('***');
    for (const secret of [sts.securityToken, sts.accessKeySecret, sent.authorization, signature]) {
      expect(error.message).not.toContain(secret);
    }
  });

  it('keeps concurrent calls within the connection limit', async () => {
    seed(NAMESPACE, sqlDraft('d-1'));
    fake.setLatency(30);
    try {
      const client = clientFor(fake.url, { connections: 2 });
      const ref = { workspace: WORKSPACE, namespace: NAMESPACE, draftId: 'd-1' };
      const results = await Promise.all(Array.from({ length: 6 }, () => client.getDraft(ref)));
      expect(results.every((r) => r.ok)).toBe(true);
      expect(fake.maxInFlight).toBeLessThanOrEqual(2);
    } finally {
      fake.setLatency(0);
    }
  });
});

describe('VervericaClient without sending', () => {
  let fake: FakeVervericaApi;

  beforeAll(async () => {
    fake = await FakeVervericaApi.start();
  });
  afterAll(async () => {
    await fake.stop();
  });

  it.each([
    ['dot namespace', { workspace: WORKSPACE, namespace: '..', draftId: 'd' }, /path segment/],
    ['dot draft ID', { workspace: WORKSPACE, namespace: NAMESPACE, draftId: '.' }, /path segment/],
    ['empty draft ID', { workspace: WORKSPACE, namespace: NAMESPACE, draftId: '' }, /path segment/],
    [
      'newline in workspace',
      { workspace: 'ws\r\nx: y', namespace: 'n', draftId: 'd' },
      /workspace/,
    ],
    ['unicode workspace', { workspace: 'wörkspace', namespace: 'n', draftId: 'd' }, /workspace/],
    [
      'lone surrogate',
      { workspace: WORKSPACE, namespace: 'n\uD800', draftId: 'd' },
      /cannot build/,
    ],
  ])('refuses a request that cannot be sent as asked: %s', async (_name, ref, message) => {
    const error = errorOf(await clientFor(fake.url).getDraft(ref));
    expect(error).toMatchObject({ status: 0, code: 'InvalidRequest', transient: false });
    expect(error.message).toMatch(message);
    expect(fake.calls).toHaveLength(0);
  });

  it('turns a failing credentials provider into a scrubbed error', async () => {
    const client = clientFor(fake.url, {
      credentials: async () => {
        throw new Error('STS refused token oidc-token-value');
      },
      secrets: () => ['oidc-token-value'],
    });
    const error = errorOf(
      await client.getDraft({ workspace: WORKSPACE, namespace: NAMESPACE, draftId: 'd' }),
    );
    expect(error).toMatchObject({ status: 0, code: 'NoCredentials', transient: false });
    expect(error.message).toContain('STS refused token ***');
    expect(fake.calls).toHaveLength(0);
  });
});

/** A server that answers every request with whatever `answer` does, counting connections. */
async function scripted(
  answer: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const server: Server = createServer(answer);
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
}

const REF = { workspace: WORKSPACE, namespace: NAMESPACE, draftId: 'd-1' };

describe('VervericaClient response handling', () => {
  it.each<[string, (req: IncomingMessage, res: ServerResponse) => void, Partial<ApiError>, RegExp]>(
    [
      [
        'no success field',
        json(200, { data: sqlDraft('d-1') }),
        { status: 200 },
        /no success field/,
      ],
      [
        'success:false without a code',
        json(200, { success: false, errorMessage: 'hmm' }),
        { status: 200 },
        /no error code/,
      ],
      [
        'success but no draft',
        json(200, { success: true, data: null }),
        { status: 200 },
        /not a deployment draft/,
      ],
      ['JSON array body', json(200, [1, 2]), { status: 200 }, /not an object/],
      [
        'unknown JSON on 500',
        json(500, { oops: true }),
        { status: 500, transient: true },
        /no error code/,
      ],
    ],
  )('rejects unexpected bodies: %s', async (_name, answer, expected, message) => {
    const server = await scripted(answer);
    try {
      const error = errorOf(await clientFor(server.url).getDraft(REF));
      expect(error).toMatchObject({ code: 'InvalidResponse', ...expected });
      expect(error.message).toMatch(message);
    } finally {
      await server.close();
    }
  });

  it.each<[string, unknown, Partial<ApiError>]>([
    [
      'the gateway form',
      { RequestId: 'req-G', Code: 'Forbidden.RAM', Message: 'denied' },
      { requestId: 'req-G', code: 'Forbidden.RAM', message: 'denied' },
    ],
    [
      'lower-case fields, as the official runtime also reads',
      { requestId: 'req-l', code: 'Forbidden.RAM', message: 'denied in lower case' },
      { requestId: 'req-l', code: 'Forbidden.RAM', message: 'denied in lower case' },
    ],
    [
      'the business envelope',
      { requestId: 'req-b', success: false, errorCode: 'Bad', errorMessage: 'bad draft' },
      { requestId: 'req-b', code: 'Bad', message: 'bad draft' },
    ],
  ])('reads an error body in %s', async (_name, body, expected) => {
    const server = await scripted(json(403, body));
    try {
      expect(errorOf(await clientFor(server.url).getDraft(REF))).toMatchObject({
        status: 403,
        transient: false,
        ...expected,
      });
    } finally {
      await server.close();
    }
  });

  it.each<[string, Record<string, string>, Partial<ApiError>]>([
    [
      'x-acs-retry-after (ms) makes any error throttling with that wait',
      { 'x-acs-retry-after': '1500' },
      { throttled: true, transient: true, retryAfterMs: 1500 },
    ],
    [
      'x-acs-retry-after wins over Retry-After',
      { 'x-acs-retry-after': '250', 'retry-after': '9' },
      { throttled: true, retryAfterMs: 250 },
    ],
    [
      'an unreadable x-acs-retry-after is ignored',
      { 'x-acs-retry-after': 'soon' },
      { throttled: false, transient: false },
    ],
  ])('%s', async (_name, headers, expected) => {
    const server = await scripted(
      json(400, { RequestId: 'req-t', Code: 'QuotaExceeded', Message: 'slow down' }, headers),
    );
    try {
      const error = errorOf(await clientFor(server.url).getDraft(REF));
      expect(error).toMatchObject({ code: 'QuotaExceeded', ...expected });
      if (expected.retryAfterMs === undefined) expect(error.retryAfterMs).toBeUndefined();
    } finally {
      await server.close();
    }
  });

  it('scrubs a secret the server puts in the error code or the request ID', async () => {
    const token = 'CAIS-token-echoed-in-code-and-request-id-0123456789';
    const server = await scripted(
      json(400, {
        requestId: token,
        success: false,
        errorCode: `InvalidSecurityToken.${token}`,
        errorMessage: 'bad token',
      }),
    );
    try {
      const error = errorOf(
        await clientFor(server.url, {
          credentials: async () => ({ ...KEY, securityToken: token }),
        }).getDraft(REF),
      );
      expect(JSON.stringify(error)).not.toContain(token);
      expect(error.code).toBe('InvalidSecurityToken.***');
      expect(error.requestId).toBe('***');
    } finally {
      await server.close();
    }
  });

  it('reads Retry-After given as an HTTP date against the injected clock', async () => {
    const now = new Date('2025-01-01T00:00:00Z');
    const server = await scripted(
      json(
        503,
        { RequestId: 'req-1', Code: 'ServiceUnavailable', Message: 'later' },
        { 'retry-after': 'Wed, 01 Jan 2025 00:00:30 GMT' },
      ),
    );
    try {
      const error = errorOf(await clientFor(server.url, { now: () => now }).getDraft(REF));
      expect(error).toMatchObject({ requestId: 'req-1', retryAfterMs: 30_000, transient: true });
    } finally {
      await server.close();
    }
  });

  it('stops reading a streamed body once it passes the size cap', async () => {
    let closed = false;
    const server = await scripted((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      // Chunked, with no content-length: only counting while streaming can catch it.
      const timer = setInterval(() => res.write(chunk), 1);
      res.on('close', () => {
        closed = true;
        clearInterval(timer);
      });
    });
    try {
      const error = errorOf(
        await clientFor(server.url, { maxResponseBytes: 64 * 1024 }).getDraft(REF),
      );
      expect(error).toMatchObject({ code: 'ResponseTooLarge', status: 200 });
      expect(error.message).toMatch(/larger than 65536 bytes/);
      await new Promise<void>((resolve) => {
        const check = () => (closed ? resolve() : setTimeout(check, 5));
        check();
      });
      expect(closed).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('reuses kept-alive connections for calls in sequence', async () => {
    const server = await scripted(json(200, { success: true, data: sqlDraft('d-1') }));
    try {
      const client = clientFor(server.url);
      const calls = 6;
      for (let i = 0; i < calls; i += 1) expect((await client.getDraft(REF)).ok).toBe(true);
      // undici may open a second socket while the first is being released; it must not open one per call.
      expect(server.connections()).toBeLessThan(calls / 2);
    } finally {
      await server.close();
    }
  });

  it('leaves a dispatcher it was given open when it closes', async () => {
    const server = await scripted(json(200, { success: true, data: sqlDraft('d-1') }));
    const shared = new Agent({ connections: 1 });
    try {
      const first = clientFor(server.url, { dispatcher: shared });
      expect((await first.getDraft(REF)).ok).toBe(true);
      await first.close();
      const second = clientFor(server.url, { dispatcher: shared });
      expect((await second.getDraft(REF)).ok).toBe(true);
    } finally {
      await shared.close();
      await server.close();
    }
  });

  it('reports a refused connection as a transient network error', async () => {
    const server = await scripted(json(200, {}));
    await server.close();
    const error = errorOf(await clientFor(server.url).getDraft(REF));
    expect(error).toMatchObject({ status: 0, code: 'NetworkError', transient: true });
    expect(error.message).toMatch(/GetDeploymentDraft: .*ECONNREFUSED/);
  });
});

describe('error classification', () => {
  it.each([
    ['Throttling.User', 400, true],
    ['Throttling', 503, true],
    ['ServiceUnavailable', 503, true],
    ['InternalError', 500, true],
    ['InvalidResponse', 502, true],
    ['NetworkError', 0, true],
    ['RequestTimeout', 0, true],
    ['SomethingNew', 429, true],
    ['SignatureDoesNotMatch', 400, false],
    ['Forbidden.RAM', 403, false],
    ['DeploymentDraftNotFound', 404, false],
    ['InvalidResponse', 200, false],
    ['ResponseTooLarge', 200, false],
  ])('%s with HTTP %d is transient: %s', (code, status, transient) => {
    expect(isTransientCode(code, status)).toBe(transient);
  });

  const now = Date.parse('2025-01-01T00:00:00Z');
  it.each<[string | undefined, number | undefined]>([
    ['5', 5000],
    [' 0 ', 0],
    ['Wed, 01 Jan 2025 00:01:00 GMT', 60_000],
    ['Tue, 31 Dec 2024 23:59:00 GMT', 0],
    ['-3', undefined],
    ['1.5', undefined],
    ['soon', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('Retry-After %p is %p ms', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});
