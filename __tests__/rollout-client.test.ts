// The deploy, job and savepoint calls, down to the bytes on the wire: method, raw path (the literal
// `%3A` of StopJob and StartJobWithParams), query and body as the official SDK sends them, and how
// each answer is read, including the shapes a server should not send.
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { VervericaClient } from '../src/ververica/client.js';
import { readDeployTicket, readJob, readSavepoint, type Job } from '../src/ververica/deployment.js';
import { FakeVervericaApi } from './support/fake-ververica.js';

const WS = 'ws-rollout';
const NS = 'ns-rollout';
const DRAFT = 'e1b2c3d4-0000-4000-8000-00000000000a';
const where = { workspace: WS, namespace: NS };

describe('rollout calls on the wire', () => {
  let fake: FakeVervericaApi;
  let client: VervericaClient;

  beforeAll(async () => {
    fake = await FakeVervericaApi.start();
    client = new VervericaClient({
      endpoint: new URL(fake.url),
      credentials: async () => ({ accessKeyId: 'LTAI-fake-id', accessKeySecret: 'fake-secret' }),
      requestTimeoutMs: 5000,
    });
    fake.seedDraft({
      deploymentDraftId: DRAFT,
      name: 'orders',
      workspace: WS,
      namespace: NS,
      artifact: { kind: 'SQLSCRIPT', sqlArtifact: { sqlScript: 'INSERT INTO s SELECT 1;' } },
    });
  });
  afterAll(async () => {
    await client.close();
    await fake.stop();
  });
  afterEach(() => fake.reset());

  const last = () => fake.calls[fake.calls.length - 1];

  it('deploys with the DraftDeployParams body, after the lock, and polls the ticket', async () => {
    const unlocked = await client.deployDraft(where, {
      deploymentDraftId: DRAFT,
      deploymentTarget: { mode: 'PER_JOB', name: 'default-queue' },
      skipValidate: false,
    });
    expect(unlocked.ok ? '' : unlocked.error.code).toBe('DeploymentDraftLockRequired');
    await client.getLock({ ...where, draftId: DRAFT });
    const sent = await client.deployDraft(where, {
      deploymentDraftId: DRAFT,
      deploymentTarget: { mode: 'PER_JOB', name: 'default-queue' },
      skipValidate: false,
    });
    expect(last()).toMatchObject({
      method: 'POST',
      rawPath: `/api/v2/namespaces/${NS}/deployment-drafts/async-deploy`,
      action: 'DeployDeploymentDraftAsync',
      body: JSON.stringify({
        deploymentDraftId: DRAFT,
        deploymentTarget: { mode: 'PER_JOB', name: 'default-queue' },
        skipValidate: false,
      }),
    });
    if (!sent.ok) throw new Error(sent.error.message);
    const ticket = await client.getDeployTicket(where, sent.value);
    expect(last()).toMatchObject({
      method: 'GET',
      rawPath: `/api/v2/namespaces/${NS}/deployment-drafts/tickets/${sent.value}/async-deploy`,
      action: 'GetDeployDeploymentDraftResult',
      body: '',
    });
    expect(ticket.ok && ticket.value.ticketStatus).toBe('FINISHED');
    const deploymentId = ticket.ok ? (ticket.value.deploymentId as string) : '';
    const deployment = await client.getDeployment(where, deploymentId);
    expect(last()?.rawPath).toBe(`/api/v2/namespaces/${NS}/deployments/${deploymentId}`);
    expect(deployment.ok && deployment.value.referencedDeploymentDraftId).toBe(DRAFT);
  });

  it('starts at `jobs%3Astart` and stops at `jobs/{id}%3Astop`, the colon encoded', async () => {
    const draft = fake.draft(WS, NS, DRAFT);
    const deploymentId = draft?.referencedDeploymentId as string;
    const started = await client.startJob(where, {
      deploymentId,
      restoreStrategy: { kind: 'NONE' },
    });
    expect(last()).toMatchObject({
      method: 'POST',
      rawPath: `/api/v2/namespaces/${NS}/jobs%3Astart`,
      action: 'StartJobWithParams',
      body: JSON.stringify({ deploymentId, restoreStrategy: { kind: 'NONE' } }),
    });
    if (!started.ok) throw new Error(started.error.message);
    const jobId = started.value.jobId;
    const listed = await client.listJobs(where, deploymentId, { pageIndex: 1, pageSize: 100 });
    expect(last()).toMatchObject({
      method: 'GET',
      rawPath: `/api/v2/namespaces/${NS}/jobs`,
      query: { deploymentId, pageIndex: '1', pageSize: '100' },
    });
    expect(listed.ok && listed.value.items.map((j: Job) => j.jobId)).toEqual([jobId]);
    expect(listed.ok && listed.value.totalSize).toBe(1);
    const running = await client.getJob(where, jobId);
    expect(last()?.rawPath).toBe(`/api/v2/namespaces/${NS}/jobs/${jobId}`);
    expect(running.ok && running.value.state).toBe('RUNNING');
    await client.stopJob(where, jobId, 'STOP_WITH_SAVEPOINT');
    expect(last()).toMatchObject({
      method: 'POST',
      rawPath: `/api/v2/namespaces/${NS}/jobs/${jobId}%3Astop`,
      action: 'StopJob',
      body: JSON.stringify({ stopStrategy: 'STOP_WITH_SAVEPOINT' }),
    });
    const savepoints = await client.listSavepoints(
      where,
      { deploymentId, jobId },
      { pageIndex: 1, pageSize: 100 },
    );
    expect(last()).toMatchObject({
      rawPath: `/api/v2/namespaces/${NS}/savepoints`,
      query: { deploymentId, jobId, pageIndex: '1', pageSize: '100' },
    });
    expect(savepoints.ok && savepoints.value.items.map((s) => [s.origin, s.state])).toEqual([
      ['STOP_WITH_SAVEPOINT', 'COMPLETED'],
    ]);
  });

  it('refuses a ticket, job or list whose shape it does not know, naming what it expected', async () => {
    fake.failNext(1, {
      kind: 'raw',
      status: 200,
      body: JSON.stringify({ requestId: 'r1', success: true, data: { ticketStatus: 'QUEUED' } }),
    });
    const ticket = await client.getDeployTicket(where, 'ticket-1');
    expect(ticket.ok ? '' : ticket.error.message).toBe(
      'the response data is not a deploy ticket with a known ticketStatus',
    );
    fake.failNext(1, {
      kind: 'raw',
      status: 200,
      body: JSON.stringify({ requestId: 'r2', success: true, data: [{ jobId: 'j' }] }),
    });
    const jobs = await client.listJobs(where, 'd', { pageIndex: 1, pageSize: 10 });
    expect(jobs.ok ? '' : jobs.error.code).toBe('InvalidResponse');
  });
});

describe('reading the answers', () => {
  it.each([
    [{ ticketStatus: 'EXECUTING' }, { ticketStatus: 'EXECUTING' }],
    [
      { ticketStatus: 'FINISHED', success: true, deploymentId: 'dep-1', message: '' },
      { ticketStatus: 'FINISHED', success: true, deploymentId: 'dep-1' },
    ],
    [
      {
        ticketStatus: 'FAILED',
        success: false,
        message: 'Validation failed',
        artifactValidationDetail: {
          validationResult: 'VALIDATION_RESULT_INVALID',
          errorDetails: {
            lineNumber: '3',
            columnNumber: '7',
            endLineNumber: '3',
            endColumnNumber: '9',
            message: "Unclosed '('",
          },
        },
      },
      {
        ticketStatus: 'FAILED',
        success: false,
        message: 'Validation failed',
        validation: {
          result: 'VALIDATION_RESULT_INVALID',
          message: "Unclosed '('",
          span: { line: 3, column: 7, endLine: 3, endColumn: 9 },
        },
      },
    ],
  ])('deploy ticket %j', (data, expected) => {
    expect(readDeployTicket(data)).toEqual(expected);
  });

  it.each([[{}], [{ ticketStatus: 'DONE' }], [null], [[]], ['FINISHED']])(
    'is no ticket: %j',
    (data) => {
      expect(readDeployTicket(data)).toBeUndefined();
    },
  );

  it('reads a job: string times in ms or seconds, the failure, the script it runs', () => {
    const job = readJob({
      jobId: 'j1',
      deploymentId: 'd1',
      artifact: { kind: 'SQLSCRIPT', sqlArtifact: { sqlScript: 'X' } },
      status: { currentJobStatus: 'FAILED', failure: { reason: 'R', message: 'M' } },
      createdAt: '1700000000',
    });
    expect(job).toEqual({
      jobId: 'j1',
      deploymentId: 'd1',
      artifact: { kind: 'SQLSCRIPT', sqlArtifact: { sqlScript: 'X' } },
      state: 'FAILED',
      failure: { reason: 'R', message: 'M' },
      createdAt: 1_700_000_000_000,
    });
    expect(readJob({ jobId: 'j', status: { currentJobStatus: 'PAUSED' } })).toBeUndefined();
    expect(
      readJob({ jobId: 'j', createdAt: '1700000000123', status: { currentJobStatus: 'RUNNING' } })
        ?.createdAt,
    ).toBe(1_700_000_000_123);
  });

  it('reads a savepoint with its origin, state and failure', () => {
    expect(
      readSavepoint({
        savepointId: 's1',
        jobId: 'j1',
        savepointOrigin: 'STOP_WITH_SAVEPOINT',
        status: { state: 'FAILED', failure: { message: 'storage down' } },
        createdAt: 1_700_000_000,
      }),
    ).toEqual({
      savepointId: 's1',
      jobId: 'j1',
      origin: 'STOP_WITH_SAVEPOINT',
      state: 'FAILED',
      failure: 'storage down',
      createdAt: 1_700_000_000_000,
    });
  });
});
