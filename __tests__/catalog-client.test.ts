// Creating drafts and folders, and reading engine versions, down to the bytes on the wire: method,
// raw path, query and body as the official SDK sends them, and how each answer is read, including
// the shapes a server should not send.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { VervericaClient } from '../src/ververica/client.js';
import {
  defaultSqlEngineVersion,
  readEngineVersions,
  readFolder,
} from '../src/ververica/folders.js';
import { FakeVervericaApi } from './support/fake-ververica.js';

const WS = 'ws-catalog';
const NS = 'ns-catalog';
const where = { workspace: WS, namespace: NS };

describe('catalog calls on the wire', () => {
  let fake: FakeVervericaApi;
  let client: VervericaClient;

  beforeAll(async () => {
    fake = await FakeVervericaApi.start();
    client = new VervericaClient({
      endpoint: new URL(fake.url),
      credentials: async () => ({ accessKeyId: 'LTAI-fake-id', accessKeySecret: 'fake-secret' }),
      requestTimeoutMs: 5000,
    });
  });
  afterAll(async () => {
    await client.close();
    await fake.stop();
  });
  afterEach(() => fake.reset());

  const last = () => fake.calls[fake.calls.length - 1];

  it('reads the root folder with an empty folderId, then a folder by its ID', async () => {
    const child = fake.seedFolder(WS, NS, 'orders');
    const root = await client.getFolder(where);
    expect(last()).toMatchObject({
      method: 'GET',
      rawPath: `/api/v2/namespaces/${NS}/folder`,
      query: { folderId: '' },
      action: 'GetFolder',
      body: '',
    });
    if (!root.ok) throw new Error(root.error.message);
    expect(root.value.folderId).toBe(fake.rootFolder(WS, NS));
    expect(root.value.subFolder).toEqual([{ folderId: child, name: 'orders' }]);
    const got = await client.getFolder(where, child);
    expect(last()?.query).toEqual({ folderId: child });
    expect(got.ok && got.value.name).toBe('orders');
  });

  it('creates a folder with the body {name, parentId}', async () => {
    const parentId = fake.rootFolder(WS, NS);
    const made = await client.createFolder(where, { name: 'enrichment', parentId });
    expect(last()).toMatchObject({
      method: 'POST',
      rawPath: `/api/v2/namespaces/${NS}/folder`,
      action: 'CreateFolder',
      body: JSON.stringify({ name: 'enrichment', parentId }),
    });
    expect(last()?.headers['content-type']).toBe('application/json; charset=utf-8');
    if (!made.ok) throw new Error(made.error.message);
    expect(made.value).toMatchObject({ name: 'enrichment', parentId });
    const again = await client.createFolder(where, { name: 'enrichment', parentId });
    expect(again.ok ? '' : again.error.code).toBe('FolderAlreadyExists');
  });

  it('creates a draft with the DeploymentDraft body and reads back the server-given ID', async () => {
    const body = {
      name: 'orders-enrich',
      parentId: fake.rootFolder(WS, NS),
      executionMode: 'STREAMING',
      engineVersion: 'vvr-8.0.11-flink-1.17',
      artifact: { kind: 'SQLSCRIPT', sqlArtifact: { sqlScript: 'SELECT 1;' } },
      labels: { team: 'orders' },
    };
    const made = await client.createDraft(where, body as never);
    expect(last()).toMatchObject({
      method: 'POST',
      rawPath: `/api/v2/namespaces/${NS}/deployment-drafts`,
      action: 'CreateDeploymentDraft',
      body: JSON.stringify(body),
    });
    if (!made.ok) throw new Error(made.error.message);
    expect(made.value.deploymentDraftId).toMatch(/^[0-9a-f-]{36}$/);
    expect(fake.draft(WS, NS, made.value.deploymentDraftId)?.name).toBe('orders-enrich');
  });

  it('lists engine versions at /api/v2/engine-version-meta.json, outside any namespace', async () => {
    const got = await client.listEngineVersions(WS);
    expect(last()).toMatchObject({
      method: 'GET',
      rawPath: '/api/v2/engine-version-meta.json',
      action: 'ListEngineVersionMetadata',
      body: '',
    });
    expect(last()?.headers.workspace).toBe(WS);
    if (!got.ok) throw new Error(got.error.message);
    expect(got.value.defaultEngineVersion).toBe('vvr-8.0.11-flink-1.17');
    expect(got.value.versions[0]).toEqual({
      engineVersion: 'vvr-8.0.11-flink-1.17',
      status: 'STABLE',
      sql: true,
    });
  });
});

describe('catalog readers', () => {
  it.each([
    ['no folderId', { subFolder: [] }],
    ['subFolder not a list', { folderId: 'f', subFolder: {} }],
    ['a sub-folder without an ID', { folderId: 'f', subFolder: [{ name: 'x' }] }],
    ['a sub-folder without a name', { folderId: 'f', subFolder: [{ folderId: 'g' }] }],
    ['not an object', ['f']],
  ])('refuses a folder with %s', (_why, data) => {
    expect(readFolder(data)).toBeUndefined();
  });

  it('reads a folder without sub-folders as having none', () => {
    expect(readFolder({ folderId: 'f', name: 'a', parentId: 'r' })).toEqual({
      folderId: 'f',
      name: 'a',
      parentId: 'r',
      subFolder: [],
    });
  });

  it.each([
    ['metadata not a list', { engineVersionMetadata: {} }],
    ['an entry without a version', { engineVersionMetadata: [{ status: 'STABLE' }] }],
    ['a null entry', { engineVersionMetadata: [null] }],
  ])('refuses engine versions with %s', (_why, data) => {
    expect(readEngineVersions(data)).toBeUndefined();
  });

  it.each([
    [
      'the default, when it serves SQL',
      { defaultEngineVersion: 'v2', versions: [{ engineVersion: 'v2', sql: true }] },
      { ok: true, value: 'v2' },
    ],
    [
      'the default, when the metadata does not say',
      { defaultEngineVersion: 'v2', versions: [] },
      { ok: true, value: 'v2' },
    ],
    [
      'an error naming the SQL versions, when the default is not for SQL',
      {
        defaultEngineVersion: 'v3',
        versions: [
          { engineVersion: 'v3', sql: false },
          { engineVersion: 'v2', sql: true },
        ],
      },
      {
        ok: false,
        error:
          "the service's default engine version v3 does not serve SQL drafts; declare `engineVersion:` in the entry; versions for SQL: v2",
      },
    ],
    [
      'an error, when there is no default',
      { versions: [] },
      {
        ok: false,
        error: 'the service names no default engine version; declare `engineVersion:` in the entry',
      },
    ],
  ])('picks %s', (_why, index, expected) => {
    expect(defaultSqlEngineVersion(index)).toEqual(expected);
  });
});
