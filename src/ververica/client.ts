// The only place that talks to the Ververica OpenAPI. One signed HTTP attempt per call: retrying is
// the caller's job (see retry.ts), so that every attempt gets a fresh date, nonce and credentials.
// Every failure comes back as an `ApiError` value with secrets scrubbed from its message.
import { randomUUID } from 'node:crypto';
import { Agent, request, type Dispatcher } from 'undici';
import { apiError, ClientCode, retryHint, type ApiError, type ApiResult } from './errors.js';
import { MAX_RESPONSE_BYTES } from '../codes.js';
import type { DeploymentDraft, DraftLock, DraftRef, NewDraft } from './draft.js';
import { readVerdict, type SqlStatement, type SqlVerdict } from './sql-validation.js';
import {
  readDeployment,
  readDeployTicket,
  readJob,
  readList,
  readSavepoint,
  readTicketId,
  type Deployment,
  type DeployRequest,
  type DeployTicket,
  type Job,
  type Savepoint,
  type StartRequest,
  type StopStrategy,
} from './deployment.js';
import {
  readEngineVersions,
  readFolder,
  type EngineVersions,
  type Folder,
  type NewFolder,
} from './folders.js';
import { redact } from '../runtime/redact.js';
import { ok, type Err, type Result } from '../runtime/result.js';
import { canonicalQueryString, encodePath, signRequest, type Credentials } from './signer.js';
import { userAgent } from '../runtime/version.js';
import { createWarmConnections, type WarmConnections } from './warm-connections.js';

export const API_VERSION = '2022-07-18';
const DEFAULT_CONNECTIONS = 8;
const KEEP_ALIVE_MS = 30_000;
const EXCERPT_CHARS = 200;
const MESSAGE_CHARS = 1000;

export interface ClientOptions {
  endpoint: URL;
  /** Called for every attempt, so that refreshed STS credentials are used. */
  credentials: () => Promise<Credentials>;
  /** Budget for one attempt: connecting, sending, and reading the whole response. */
  requestTimeoutMs: number;
  /** Default MAX_RESPONSE_BYTES (25 MiB); a larger response fails with `ResponseTooLarge`. */
  maxResponseBytes?: number;
  /** Default: one keep-alive undici `Agent` owned by the client. */
  dispatcher?: Dispatcher;
  /** Connections per origin of the client's own agent (default 8); ignored with `dispatcher`. */
  connections?: number;
  /** For `x-acs-date` and `Retry-After` dates. */
  now?: () => Date;
  /** Default `crypto.randomUUID`. */
  nonce?: () => string;
  /** Extra values to scrub from any message. */
  secrets?: () => string[];
  /**
   * Epoch ms of the run's time budget: no read runs past it, whatever `requestTimeoutMs` says. A
   * write already sent keeps its `requestTimeoutMs`, so that its outcome is known.
   */
  deadline?: number;
}

/** The workspace and namespace a deployment or job call is made in. */
export type Where = Pick<DraftRef, 'workspace' | 'namespace'>;

/** One page of a listing, and the total the server says it has. */
export interface Page<T> {
  items: T[];
  totalSize?: number;
}

interface CallSpec {
  action: string;
  method: 'GET' | 'PATCH' | 'POST' | 'DELETE';
  workspace: string;
  segments: string[];
  query?: Record<string, string>;
  body?: string;
}

/** What a successful call carried besides its `data`. */
interface Envelope {
  status: number;
  data: unknown;
  root: Record<string, unknown>;
  requestId?: string;
}

type Sent = Result<Envelope, ApiError>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isDraft(value: unknown): value is DeploymentDraft {
  return isRecord(value) && typeof value.deploymentDraftId === 'string';
}

function headerValue(
  headers: Dispatcher.ResponseData['headers'],
  name: string,
): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Dot segments would be resolved away by URL handling on either side, changing the target. */
function checkSegments(segments: readonly string[]): string | undefined {
  const bad = segments.find((s) => s === '' || s === '.' || s === '..');
  return bad === undefined ? undefined : `path segment ${JSON.stringify(bad)} is not allowed`;
}

/** Header values must be visible ASCII to reach the server unchanged. */
function checkWorkspace(workspace: string): string | undefined {
  return /^[\x21-\x7e]+$/.test(workspace)
    ? undefined
    : `workspace ${JSON.stringify(workspace)} is not a valid header value`;
}

function isTimeoutError(error: unknown): boolean {
  const code = isRecord(error) ? error.code : undefined;
  return (
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT'
  );
}

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = isRecord(error) && typeof error.code === 'string' ? `${error.code}: ` : '';
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${code}${error.message}${cause}`;
}

export class VervericaClient {
  readonly #options: ClientOptions;
  readonly #dispatcher: Dispatcher;
  /** Set only when the client created the dispatcher, and so must close it. */
  readonly #ownAgent?: Agent;
  readonly #warmed?: WarmConnections;

  constructor(options: ClientOptions) {
    this.#options = options;
    if (options.dispatcher) {
      this.#dispatcher = options.dispatcher;
    } else {
      this.#warmed = createWarmConnections();
      this.#ownAgent = new Agent({
        connections: this.#connections(),
        keepAliveTimeout: KEEP_ALIVE_MS,
        connect: this.#warmed.connect,
      });
      this.#dispatcher = this.#ownAgent;
    }
  }

  /**
   * Starts opening up to `count` connections to the endpoint (never more than the pool holds), for
   * calls about to be made. Does nothing when the caller passed its own dispatcher.
   */
  warm(count: number): void {
    const room = this.#connections() - (this.#warmed?.waiting ?? 0);
    this.#warmed?.warm(this.#options.endpoint, Math.max(0, Math.min(count, room)));
  }

  async getDraft(ref: DraftRef): Promise<ApiResult<DeploymentDraft>> {
    const sent = await this.#send({
      action: 'GetDeploymentDraft',
      method: 'GET',
      workspace: ref.workspace,
      segments: draftSegments(ref.namespace, ref.draftId),
    });
    return draftResult(sent);
  }

  async updateDraft(ref: DraftRef, draft: DeploymentDraft): Promise<ApiResult<DeploymentDraft>> {
    const sent = await this.#send({
      action: 'UpdateDeploymentDraft',
      method: 'PATCH',
      workspace: ref.workspace,
      segments: draftSegments(ref.namespace, ref.draftId),
      body: JSON.stringify(draft),
    });
    return draftResult(sent);
  }

  /**
   * CreateDeploymentDraft: the body is the new draft (name, folder, kind, script, labels); the
   * answer is the draft as created, with the ID the server gave it.
   */
  async createDraft(where: Where, draft: NewDraft): Promise<ApiResult<DeploymentDraft>> {
    const sent = await this.#send({
      action: 'CreateDeploymentDraft',
      method: 'POST',
      workspace: where.workspace,
      segments: draftSegments(where.namespace),
      body: JSON.stringify(draft),
    });
    return draftResult(sent);
  }

  /** GetFolder: the namespace's root folder when `folderId` is empty, else that folder. */
  async getFolder(where: Where, folderId = ''): Promise<ApiResult<Folder>> {
    const sent = await this.#send({
      action: 'GetFolder',
      method: 'GET',
      workspace: where.workspace,
      segments: namespaceSegments(where.namespace, 'folder'),
      query: { folderId },
    });
    return shaped(sent, readFolder, 'a folder');
  }

  /** CreateFolder: `{name, parentId}`; the answer is the new folder. */
  async createFolder(where: Where, folder: NewFolder): Promise<ApiResult<Folder>> {
    const sent = await this.#send({
      action: 'CreateFolder',
      method: 'POST',
      workspace: where.workspace,
      segments: namespaceSegments(where.namespace, 'folder'),
      body: JSON.stringify(folder),
    });
    return shaped(sent, readFolder, 'a folder');
  }

  /** ListEngineVersionMetadata: not under a namespace; the workspace header still goes along. */
  async listEngineVersions(workspace: string): Promise<ApiResult<EngineVersions>> {
    const sent = await this.#send({
      action: 'ListEngineVersionMetadata',
      method: 'GET',
      workspace,
      segments: ['api', 'v2', 'engine-version-meta.json'],
    });
    return shaped(sent, readEngineVersions, 'engine version metadata');
  }

  /** DeleteDeploymentDraft (the API requires the draft's edit lock; a deployed draft is refused). */
  async deleteDraft(ref: DraftRef): Promise<ApiResult<void>> {
    const sent = await this.#send({
      action: 'DeleteDeploymentDraft',
      method: 'DELETE',
      workspace: ref.workspace,
      segments: draftSegments(ref.namespace, ref.draftId),
    });
    if (!sent.ok) return sent;
    return { ok: true, value: undefined, requestId: sent.value.requestId };
  }

  /**
   * GetDeploymentDraftLock: asks for the draft's edit lock, which the API requires before an edit.
   * The answer is the lock as it now stands; whose it is, the caller decides (see draft-lock.ts).
   */
  async getLock(ref: DraftRef): Promise<ApiResult<DraftLock>> {
    const sent = await this.#send({
      action: 'GetDeploymentDraftLock',
      method: 'POST',
      workspace: ref.workspace,
      segments: draftSegments(ref.namespace, 'getLock'),
      query: { deploymentDraftId: ref.draftId },
    });
    if (!sent.ok) return sent;
    const { data, requestId } = sent.value;
    if (!isRecord(data)) return invalidShape(sent.value, 'a draft lock');
    return { ok: true, value: data as DraftLock, requestId };
  }

  /**
   * ValidateSqlStatement: the server's static check of a script in the given context. It runs
   * nothing and needs no draft lock (unlike ExecuteSqlStatement, which this client never calls).
   */
  async validateSql(
    where: Pick<DraftRef, 'workspace' | 'namespace'>,
    statement: SqlStatement,
  ): Promise<ApiResult<SqlVerdict>> {
    const sent = await this.#send({
      action: 'ValidateSqlStatement',
      method: 'POST',
      workspace: where.workspace,
      segments: ['api', 'v2', 'namespaces', where.namespace, 'sql-statement', 'validate'],
      body: JSON.stringify(statement),
    });
    if (!sent.ok) return sent;
    const verdict = readVerdict(sent.value.data);
    if (!verdict) return invalidShape(sent.value, 'a SQL validation result');
    return { ok: true, value: verdict, requestId: sent.value.requestId };
  }

  /**
   * DeployDeploymentDraftAsync: deploys the draft (the API requires its edit lock first) and
   * answers with the ticket to poll.
   */
  async deployDraft(where: Where, body: DeployRequest): Promise<ApiResult<string>> {
    const sent = await this.#send({
      action: 'DeployDeploymentDraftAsync',
      method: 'POST',
      workspace: where.workspace,
      segments: draftSegments(where.namespace, 'async-deploy'),
      body: JSON.stringify(body),
    });
    return shaped(sent, readTicketId, 'a ticket ID');
  }

  /** GetDeployDeploymentDraftResult: where a deploy ticket stands. */
  async getDeployTicket(where: Where, ticketId: string): Promise<ApiResult<DeployTicket>> {
    const sent = await this.#send({
      action: 'GetDeployDeploymentDraftResult',
      method: 'GET',
      workspace: where.workspace,
      segments: draftSegments(where.namespace, 'tickets', ticketId, 'async-deploy'),
    });
    return shaped(sent, readDeployTicket, 'a deploy ticket with a known ticketStatus');
  }

  async getDeployment(where: Where, deploymentId: string): Promise<ApiResult<Deployment>> {
    const sent = await this.#send({
      action: 'GetDeployment',
      method: 'GET',
      workspace: where.workspace,
      segments: namespaceSegments(where.namespace, 'deployments', deploymentId),
    });
    return shaped(sent, readDeployment, 'a deployment');
  }

  /** ListJobs of one deployment, a page at a time (`pageIndex` from 1). */
  async listJobs(
    where: Where,
    deploymentId: string,
    page: { pageIndex: number; pageSize: number },
  ): Promise<ApiResult<Page<Job>>> {
    const sent = await this.#send({
      action: 'ListJobs',
      method: 'GET',
      workspace: where.workspace,
      segments: namespaceSegments(where.namespace, 'jobs'),
      query: {
        deploymentId,
        pageIndex: String(page.pageIndex),
        pageSize: String(page.pageSize),
      },
    });
    return pageOf(sent, readJob, 'a list of jobs');
  }

  async getJob(where: Where, jobId: string): Promise<ApiResult<Job>> {
    const sent = await this.#send({
      action: 'GetJob',
      method: 'GET',
      workspace: where.workspace,
      segments: namespaceSegments(where.namespace, 'jobs', jobId),
    });
    return shaped(sent, readJob, 'a job with a known status');
  }

  /** StopJob: `POST …/jobs/{jobId}%3Astop`, the colon encoded as the official SDK sends it. */
  async stopJob(where: Where, jobId: string, stopStrategy: StopStrategy): Promise<ApiResult<Job>> {
    const sent = await this.#send({
      action: 'StopJob',
      method: 'POST',
      workspace: where.workspace,
      segments: namespaceSegments(where.namespace, 'jobs', `${jobId}:stop`),
      body: JSON.stringify({ stopStrategy }),
    });
    return shaped(sent, readJob, 'a job with a known status');
  }

  /** StartJobWithParams: `POST …/jobs%3Astart`; the answer is the new job. */
  async startJob(where: Where, body: StartRequest): Promise<ApiResult<Job>> {
    const sent = await this.#send({
      action: 'StartJobWithParams',
      method: 'POST',
      workspace: where.workspace,
      segments: namespaceSegments(where.namespace, 'jobs:start'),
      body: JSON.stringify(body),
    });
    return shaped(sent, readJob, 'a job with a known status');
  }

  /** ListSavepoints of one job of a deployment. */
  async listSavepoints(
    where: Where,
    ids: { deploymentId: string; jobId: string },
    page: { pageIndex: number; pageSize: number },
  ): Promise<ApiResult<Page<Savepoint>>> {
    const sent = await this.#send({
      action: 'ListSavepoints',
      method: 'GET',
      workspace: where.workspace,
      segments: namespaceSegments(where.namespace, 'savepoints'),
      query: {
        deploymentId: ids.deploymentId,
        jobId: ids.jobId,
        pageIndex: String(page.pageIndex),
        pageSize: String(page.pageSize),
      },
    });
    return pageOf(sent, readSavepoint, 'a list of savepoints');
  }

  async listDrafts(
    workspace: string,
    namespace: string,
    page: { pageIndex?: number; pageSize?: number } = {},
  ): Promise<ApiResult<{ drafts: DeploymentDraft[]; totalSize?: number }>> {
    const query: Record<string, string> = {};
    if (page.pageIndex !== undefined) query.pageIndex = String(page.pageIndex);
    if (page.pageSize !== undefined) query.pageSize = String(page.pageSize);
    const sent = await this.#send({
      action: 'ListDeploymentDrafts',
      method: 'GET',
      workspace,
      segments: draftSegments(namespace),
      query,
    });
    if (!sent.ok) return sent;
    const { data, root, requestId } = sent.value;
    if (!Array.isArray(data) || !data.every(isDraft)) {
      return invalidShape(sent.value, 'a list of deployment drafts');
    }
    const totalSize = typeof root.totalSize === 'number' ? root.totalSize : undefined;
    return { ok: true, value: { drafts: data, totalSize }, requestId };
  }

  /** Closes the client's own agent; a dispatcher passed in belongs to the caller. */
  async close(): Promise<void> {
    this.#warmed?.close();
    await this.#ownAgent?.close();
  }

  #connections(): number {
    return this.#options.connections ?? DEFAULT_CONNECTIONS;
  }

  async #send(spec: CallSpec): Promise<Sent> {
    const invalid = checkSegments(spec.segments) ?? checkWorkspace(spec.workspace);
    if (invalid) return failed(0, ClientCode.InvalidRequest, `${spec.action}: ${invalid}`);

    const extraSecrets = this.#options.secrets?.() ?? [];
    let credentials: Credentials;
    try {
      credentials = await this.#options.credentials();
    } catch (error) {
      const message = redact(`${spec.action}: no credentials: ${errorText(error)}`, extraSecrets);
      return failed(0, ClientCode.NoCredentials, message);
    }
    let signed: { url: URL; headers: Record<string, string> };
    try {
      signed = this.#sign(spec, credentials);
    } catch (error) {
      // e.g. a lone surrogate in a path segment, which has no UTF-8 percent-encoding.
      const message = redact(`${spec.action}: cannot build the request: ${errorText(error)}`, [
        credentials.accessKeySecret,
        credentials.securityToken ?? '',
        ...extraSecrets,
      ]);
      return failed(0, ClientCode.InvalidRequest, message);
    }
    const authorization = signed.headers.authorization ?? '';
    const signature = /Signature=([0-9a-f]+)/.exec(authorization)?.[1] ?? '';
    const secrets = [
      credentials.accessKeySecret,
      credentials.securityToken ?? '',
      authorization,
      signature,
      ...extraSecrets,
    ];
    return this.#exchange(spec, signed, (message) => redact(message, secrets));
  }

  #sign(spec: CallSpec, credentials: Credentials): { url: URL; headers: Record<string, string> } {
    const pathname = encodePath(spec.segments);
    const query = spec.query ?? {};
    const headers = signRequest({
      method: spec.method,
      host: this.#options.endpoint.host,
      pathname,
      query,
      headers: {
        accept: 'application/json',
        ...(spec.body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
        workspace: spec.workspace,
        // Not signed, as in the official runtime: only host, content-type and x-acs-* are.
        'user-agent': userAgent(),
      },
      body: spec.body,
      action: spec.action,
      version: API_VERSION,
      credentials,
      date: this.#now(),
      nonce: (this.#options.nonce ?? randomUUID)(),
    });
    // The query goes on the wire exactly as it was signed.
    const queryString = canonicalQueryString(query);
    const target = queryString ? `${pathname}?${queryString}` : pathname;
    return { url: new URL(target, this.#options.endpoint), headers };
  }

  async #exchange(
    spec: CallSpec,
    signed: { url: URL; headers: Record<string, string> },
    scrub: (message: string) => string,
  ): Promise<Sent> {
    const timeoutMs = this.#attemptBudgetMs(spec.method);
    const abort = new AbortController();
    let timedOut = false;
    // One budget for the whole attempt: undici's own timeouts are per phase, not in total.
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, timeoutMs);
    try {
      const response = await request(signed.url, {
        dispatcher: this.#dispatcher,
        method: spec.method,
        headers: signed.headers,
        body: spec.body,
        signal: abort.signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const body = await this.#readCapped(response);
      if (body === undefined) {
        return failed(
          response.statusCode,
          ClientCode.ResponseTooLarge,
          `${spec.action}: HTTP ${response.statusCode} response is larger than ${this.#maxBytes()} bytes`,
          scrub(headerValue(response.headers, 'x-acs-request-id') ?? '') || undefined,
        );
      }
      return this.#interpret(spec.action, response, body, scrub);
    } catch (error) {
      if (timedOut || isTimeoutError(error)) {
        const message = `${spec.action}: no complete response within ${timeoutMs} ms`;
        return failed(0, ClientCode.RequestTimeout, message);
      }
      const code =
        isRecord(error) && error.code === 'UND_ERR_INVALID_ARG'
          ? ClientCode.InvalidRequest
          : ClientCode.NetworkError;
      return failed(0, code, scrub(`${spec.action}: ${errorText(error)}`));
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * A write cut short at the deadline may still land, and its draft would be reported failed while
   * holding the new script; a read cut short loses nothing.
   */
  #attemptBudgetMs(method: CallSpec['method']): number {
    const { requestTimeoutMs, deadline } = this.#options;
    if (deadline === undefined || method !== 'GET') return requestTimeoutMs;
    return Math.max(1, Math.min(requestTimeoutMs, deadline - this.#now().getTime()));
  }

  #now(): Date {
    return this.#options.now?.() ?? new Date();
  }

  #maxBytes(): number {
    return this.#options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  }

  /** The whole body, or undefined (with the body destroyed) once it exceeds the cap. */
  async #readCapped(response: Dispatcher.ResponseData): Promise<Buffer | undefined> {
    const cap = this.#maxBytes();
    const declared = Number(headerValue(response.headers, 'content-length'));
    if (declared > cap) {
      // Destroying an unread undici body emits an abort error: unheard, it would end the process.
      response.body.on('error', () => undefined).destroy();
      return undefined;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      size += buffer.length;
      if (size > cap) {
        response.body.destroy();
        return undefined;
      }
      chunks.push(buffer);
    }
    return Buffer.concat(chunks);
  }

  #interpret(
    action: string,
    response: Dispatcher.ResponseData,
    body: Buffer,
    scrub: (message: string) => string,
  ): Sent {
    const status = response.statusCode;
    // Everything the server sends may echo a secret: the request ID and code too, not only the text.
    const scrubbed = (value: string | undefined): string | undefined =>
      value === undefined ? undefined : scrub(value);
    const headerRequestId = scrubbed(headerValue(response.headers, 'x-acs-request-id'));
    const { retryAfterMs, throttled } = retryHint(
      (name) => headerValue(response.headers, name),
      this.#now().getTime(),
    );
    const raw = body.toString('utf8');
    const invalid = (what: string, requestId = headerRequestId): Sent => {
      const excerpt = scrub(raw.replace(/\s+/g, ' ').trim()).slice(0, EXCERPT_CHARS);
      const message = `${action}: HTTP ${status} with ${what}${excerpt ? `: ${excerpt}` : ''}`;
      const code = ClientCode.InvalidResponse;
      const error = apiError({ status, code, message, requestId, retryAfterMs, throttled });
      return { ok: false, error };
    };
    if (raw.trim() === '') return invalid('an empty body');
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return invalid('a body that is not JSON');
    }
    if (!isRecord(parsed)) return invalid('a JSON body that is not an object');

    // Business envelope (`requestId`, `success`, `errorCode`) or gateway form (`RequestId`, `Code`),
    // whose fields the official runtime also accepts in lower case (`code`, `message`).
    const requestId = scrubbed(text(parsed.requestId) ?? text(parsed.RequestId)) ?? headerRequestId;
    const is2xx = status >= 200 && status < 300;
    if (is2xx && parsed.success === true) {
      return ok({ status, data: parsed.data, root: parsed, requestId });
    }
    const code = scrubbed(text(parsed.errorCode) ?? text(parsed.Code) ?? text(parsed.code));
    if (!code) {
      const what = parsed.success === false || !is2xx ? 'no error code' : 'no success field';
      return invalid(what, requestId);
    }
    const apiMessage =
      text(parsed.errorMessage) ?? text(parsed.Message) ?? text(parsed.message) ?? '(no message)';
    const message = scrub(apiMessage).slice(0, MESSAGE_CHARS);
    const error = apiError({ status, code, message, requestId, retryAfterMs, throttled });
    return { ok: false, error };
  }
}

/** `/api/v2/namespaces/{namespace}/…`. */
function namespaceSegments(namespace: string, ...rest: string[]): string[] {
  return ['api', 'v2', 'namespaces', namespace, ...rest];
}

/** `/api/v2/namespaces/{namespace}/deployment-drafts`, then a draft ID or an operation's name. */
function draftSegments(namespace: string, ...rest: string[]): string[] {
  return namespaceSegments(namespace, 'deployment-drafts', ...rest);
}

/** The call's `data` read by `read`, or InvalidResponse naming what was expected. */
function shaped<T>(
  sent: Sent,
  read: (data: unknown) => T | undefined,
  expected: string,
): ApiResult<T> {
  if (!sent.ok) return sent;
  const value = read(sent.value.data);
  if (value === undefined) return invalidShape(sent.value, expected);
  return { ok: true, value, requestId: sent.value.requestId };
}

function pageOf<T>(
  sent: Sent,
  read: (item: unknown) => T | undefined,
  expected: string,
): ApiResult<Page<T>> {
  if (!sent.ok) return sent;
  const items = readList(sent.value.data, read);
  if (items === undefined) return invalidShape(sent.value, expected);
  const total = sent.value.root.totalSize;
  const totalSize = typeof total === 'number' ? total : undefined;
  return { ok: true, value: { items, totalSize }, requestId: sent.value.requestId };
}

function failed(status: number, code: string, message: string, requestId?: string): Sent {
  return { ok: false, error: apiError({ status, code, message, requestId }) };
}

function invalidShape(envelope: Envelope, expected: string): Err<ApiError> {
  return {
    ok: false,
    error: apiError({
      status: envelope.status,
      code: ClientCode.InvalidResponse,
      message: `the response data is not ${expected}`,
      requestId: envelope.requestId,
    }),
  };
}

function draftResult(sent: Sent): ApiResult<DeploymentDraft> {
  if (!sent.ok) return sent;
  const { data, requestId } = sent.value;
  if (!isDraft(data)) return invalidShape(sent.value, 'a deployment draft');
  return { ok: true, value: data, requestId };
}
