// The run's deadline in the Ververica client: a read in flight is cut short at it, a write already
// sent is not, so that a write's outcome is always known and its draft reported as it really is.
import { afterEach, describe, expect, it } from '@jest/globals';
import { VervericaClient } from '../src/ververica/client.js';
import { FakeVervericaApi, principalOf } from './support/fake-ververica.js';

const WS = 'ws-deadline';
const NS = 'ns-deadline';
const KEY = { accessKeyId: 'LTAI-deadline-id', accessKeySecret: 'deadline-secret-value' };
const REF = { workspace: WS, namespace: NS, draftId: '2e000000-0000-4000-8000-000000000001' };
const DRAFT = {
  deploymentDraftId: REF.draftId,
  workspace: WS,
  namespace: NS,
  artifact: { kind: 'SQLSCRIPT', sqlArtifact: { sqlScript: 'SELECT 1;\n' } },
};

const open: Array<{ api: FakeVervericaApi; client: VervericaClient }> = [];
afterEach(async () => {
  for (const { api, client } of open.splice(0)) {
    await client.close();
    await api.stop();
  }
});

/** Every answer takes 300 ms; the run's deadline is 30 ms away. */
async function slowApiNearDeadline(): Promise<{ api: FakeVervericaApi; client: VervericaClient }> {
  const api = await FakeVervericaApi.start({ credentials: [KEY], latencyMs: 300 });
  api.seedDraft(DRAFT);
  const client = new VervericaClient({
    endpoint: new URL(api.url),
    credentials: async () => KEY,
    requestTimeoutMs: 10_000,
    deadline: Date.now() + 30,
  });
  open.push({ api, client });
  return { api, client };
}

describe('the deadline', () => {
  it('cuts a read short', async () => {
    const { client } = await slowApiNearDeadline();
    const got = await client.getDraft(REF);
    expect(got.ok ? 'ok' : got.error.code).toBe('RequestTimeout');
  });

  it('lets a write already sent finish, so that its answer says what happened', async () => {
    const { api, client } = await slowApiNearDeadline();
    const body = {
      ...DRAFT,
      artifact: { kind: 'SQLSCRIPT', sqlArtifact: { sqlScript: 'SELECT 2;\n' } },
    };
    api.lockDraft(WS, NS, REF.draftId, principalOf(KEY).name, principalOf(KEY).id);
    const put = await client.updateDraft(REF, body);
    expect(put.ok ? 'ok' : put.error.code).toBe('ok');
    expect(api.draft(WS, NS, REF.draftId)?.artifact?.sqlArtifact?.sqlScript).toBe('SELECT 2;\n');
  });
});
