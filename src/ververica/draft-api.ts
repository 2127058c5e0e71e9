// The draft API a run uses: one client, and one bound on the calls in flight that the listing and
// every draft's own calls share. The one place that decides how the client is built.
import type { CredentialProvider } from '../auth/provider.js';
import { Limiter } from '../runtime/limiter.js';
import { VervericaClient, type Page, type Where } from './client.js';
import type {
  Deployment,
  DeployRequest,
  DeployTicket,
  Job,
  Savepoint,
  StartRequest,
  StopStrategy,
} from './deployment.js';
import type { DeploymentDraft, DraftLock, DraftRef, NewDraft } from './draft.js';
import type { ApiResult } from './errors.js';
import type { SqlStatement, SqlVerdict } from './sql-validation.js';
import type { EngineVersions, Folder, NewFolder } from './folders.js';
import type { DraftLister } from './listing.js';

export interface DraftApi {
  getDraft(ref: DraftRef): Promise<ApiResult<DeploymentDraft>>;
  /** GetDeploymentDraftLock: the API requires the draft's edit lock before an edit. */
  getLock(ref: DraftRef): Promise<ApiResult<DraftLock>>;
  updateDraft(ref: DraftRef, draft: DeploymentDraft): Promise<ApiResult<DeploymentDraft>>;
  /** ValidateSqlStatement, in the draft's workspace and namespace. */
  validateSql(ref: DraftRef, statement: SqlStatement): Promise<ApiResult<SqlVerdict>>;
  /** DeleteDeploymentDraft: only for a draft the manifest no longer names (on-removed: delete). */
  deleteDraft(ref: DraftRef): Promise<ApiResult<void>>;
}

/** The calls that create what a manifest names and the namespace lacks: folders and drafts. */
export interface CreateApi extends DraftLister {
  createDraft(where: Where, draft: NewDraft): Promise<ApiResult<DeploymentDraft>>;
  getFolder(where: Where, folderId?: string): Promise<ApiResult<Folder>>;
  createFolder(where: Where, folder: NewFolder): Promise<ApiResult<Folder>>;
  listEngineVersions(workspace: string): Promise<ApiResult<EngineVersions>>;
}

/** The calls that take a draft to a running job: deploy, and the job's stop and start. */
export interface RolloutApi {
  deployDraft(where: Where, body: DeployRequest): Promise<ApiResult<string>>;
  getDeployTicket(where: Where, ticketId: string): Promise<ApiResult<DeployTicket>>;
  getDeployment(where: Where, deploymentId: string): Promise<ApiResult<Deployment>>;
  listJobs(
    where: Where,
    deploymentId: string,
    page: { pageIndex: number; pageSize: number },
  ): Promise<ApiResult<Page<Job>>>;
  getJob(where: Where, jobId: string): Promise<ApiResult<Job>>;
  stopJob(where: Where, jobId: string, strategy: StopStrategy): Promise<ApiResult<Job>>;
  startJob(where: Where, body: StartRequest): Promise<ApiResult<Job>>;
  listSavepoints(
    where: Where,
    ids: { deploymentId: string; jobId: string },
    page: { pageIndex: number; pageSize: number },
  ): Promise<ApiResult<Page<Savepoint>>>;
}

export interface OpenedDraftApi extends DraftApi, RolloutApi, CreateApi {
  /** Opens up to this many connections while the first calls are in flight. */
  warm(calls: number): void;
  /** Closes the idle connections; resolves once they are closed. */
  close(): Promise<void>;
}

export interface DraftApiOptions {
  endpoint: URL;
  provider: CredentialProvider;
  /** Calls in flight at once, listing included. */
  concurrency: number;
  requestTimeoutMs: number;
  /** Epoch ms of the run's time budget. */
  deadline: number;
}

export function openDraftApi(options: DraftApiOptions): OpenedDraftApi {
  const { provider } = options;
  const client = new VervericaClient({
    endpoint: options.endpoint,
    credentials: () => provider.get(),
    requestTimeoutMs: options.requestTimeoutMs,
    // Twice the calls in flight: a call then never waits for the connection that just answered
    // (see warm-connections.ts). The limiter below still bounds the calls to `concurrency`.
    connections: 2 * options.concurrency,
    deadline: options.deadline,
    secrets: () => provider.secrets(),
  });
  const calls = new Limiter(options.concurrency);
  return {
    getDraft: (ref) => calls.run(() => client.getDraft(ref)),
    getLock: (ref) => calls.run(() => client.getLock(ref)),
    updateDraft: (ref, draft) => calls.run(() => client.updateDraft(ref, draft)),
    validateSql: (ref, statement) => calls.run(() => client.validateSql(ref, statement)),
    deleteDraft: (ref) => calls.run(() => client.deleteDraft(ref)),
    createDraft: (where, draft) => calls.run(() => client.createDraft(where, draft)),
    getFolder: (where, id) => calls.run(() => client.getFolder(where, id)),
    createFolder: (where, folder) => calls.run(() => client.createFolder(where, folder)),
    listEngineVersions: (workspace) => calls.run(() => client.listEngineVersions(workspace)),
    deployDraft: (where, body) => calls.run(() => client.deployDraft(where, body)),
    getDeployTicket: (where, id) => calls.run(() => client.getDeployTicket(where, id)),
    getDeployment: (where, id) => calls.run(() => client.getDeployment(where, id)),
    listJobs: (where, id, page) => calls.run(() => client.listJobs(where, id, page)),
    getJob: (where, id) => calls.run(() => client.getJob(where, id)),
    stopJob: (where, id, strategy) => calls.run(() => client.stopJob(where, id, strategy)),
    startJob: (where, body) => calls.run(() => client.startJob(where, body)),
    listSavepoints: (where, ids, page) => calls.run(() => client.listSavepoints(where, ids, page)),
    listDrafts: (workspace, namespace, page) =>
      calls.run(() => client.listDrafts(workspace, namespace, page)),
    warm: (count) => client.warm(count),
    close: () => client.close(),
  };
}
