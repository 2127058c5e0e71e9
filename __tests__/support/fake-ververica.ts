// A fake of the Ververica OpenAPI (2022-07-18) on 127.0.0.1: it checks V3 signatures the way the
// gateway does, keeps drafts in memory, and can be told to misbehave (faults, latency) so that the
// action's client is tested against the failures it will meet for real.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DeploymentDraft } from '../../src/ververica/draft.js';
import {
  faultAnswer,
  gatewayError,
  internalError,
  type Answer,
  type AnswerContext,
} from './fake-answers.js';
import { DraftStore, type LockConflict, type StoredDraftInput } from './fake-drafts.js';
import { CatalogStore, type FakeEngineVersion } from './fake-catalog.js';
import { RolloutStore, type RolloutTiming, type JobFailureRule } from './fake-rollout.js';
import { FaultPlan, type Fault, type FaultFilter, type FaultKind } from './fake-faults.js';
import { admit, checkWorkspace, type FakeCredential, type GatewayState } from './fake-gateway.js';
import { matchRoute } from './fake-routes.js';
import { parseQuery, type WireRequest } from './fake-signature.js';

export type { FakeCredential, Principal } from './fake-gateway.js';
export { principalOf } from './fake-gateway.js';
export type { LockConflict } from './fake-drafts.js';
export type { Fault, FaultFilter, FaultKind } from './fake-faults.js';
export type { StoredDraftInput } from './fake-drafts.js';
export type { RolloutTiming, JobFailureRule, FakeJob, FakeSavepoint } from './fake-rollout.js';

export interface RecordedCall {
  method: string;
  /** Path with each segment percent-decoded. */
  path: string;
  /** Path exactly as received, without the query. */
  rawPath: string;
  query: Record<string, string>;
  /** Lower-case names, as received; repeated headers joined with ', '. */
  headers: Record<string, string>;
  body: string;
  /** 0 while unanswered, and for calls that never get an answer (reset, hang). */
  status: number;
  code?: string;
  requestId: string;
  action?: string;
  draftId?: string;
  fault?: FaultKind;
  /** Injected delay before the answer, when latency was set. */
  delayMs?: number;
  /** Clock reading when the call arrived. */
  at: number;
}

export interface FakeOptions {
  /** Accepted keys; default one: {accessKeyId:'LTAI-fake-id', accessKeySecret:'fake-secret'}. */
  credentials?: FakeCredential[];
  /** ms clock for the x-acs-date check, modifiedAt and `at`; default Date.now. */
  now?: () => number;
  /** Default 15 minutes. */
  maxSkewMs?: number;
  latencyMs?: number;
  /** How latency waits; default a real timer that stop() cancels. */
  sleep?: (ms: number) => Promise<void>;
  /** How GetDeploymentDraftLock answers on a draft another holder has; default `refuse`. */
  lockConflict?: LockConflict;
  /** Whether CreateDeploymentDraft hands the creator the new draft's lock; default true. */
  lockCreator?: boolean;
}

export const DEFAULT_CREDENTIAL: FakeCredential = {
  accessKeyId: 'LTAI-fake-id',
  accessKeySecret: 'fake-secret',
};

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function wireRequest(req: http.IncomingMessage, body: Buffer): WireRequest {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const headers = new Map<string, string[]>();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = (req.rawHeaders[i] ?? '').toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), req.rawHeaders[i + 1] ?? '']);
  }
  return {
    method: req.method ?? 'GET',
    rawPath: q < 0 ? url : url.slice(0, q),
    rawQuery: q < 0 ? '' : url.slice(q + 1),
    headers,
    body,
  };
}

/** DeployDeploymentDraftAsync names its draft in the body. */
function bodyDraftId(body: string): string | undefined {
  if (!body.includes('deploymentDraftId')) return undefined;
  try {
    const id = (JSON.parse(body) as Record<string, unknown>).deploymentDraftId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export class FakeVervericaApi {
  readonly calls: RecordedCall[] = [];
  /** When each TCP connection was accepted (the fake's clock), in order. */
  readonly connections: number[] = [];
  private readonly server: http.Server;
  private readonly store: DraftStore;
  /** Deployments, tickets, jobs and savepoints: see fake-rollout.ts. */
  readonly rollout: RolloutStore;
  /** Folders and engine versions: see fake-catalog.ts. */
  readonly catalog = new CatalogStore();
  private lockCreator: boolean;
  private readonly faults = new FaultPlan();
  private readonly gateway: GatewayState;
  private readonly credentials = new Map<string, FakeCredential>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private latencyMs: number;
  private lockConflict: LockConflict;
  private inFlightNow = 0;
  private maxInFlightSeen = 0;
  private baseUrl = '';

  private constructor(options: FakeOptions) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => this.timer(ms));
    this.latencyMs = options.latencyMs ?? 0;
    this.lockConflict = options.lockConflict ?? 'refuse';
    this.lockCreator = options.lockCreator ?? true;
    this.store = new DraftStore(this.now);
    this.rollout = new RolloutStore(this.now, {
      get: (ref) => this.store.get(ref),
      setDeployment: (ref, id) => this.store.setDeployment(ref, id),
    });
    for (const c of options.credentials ?? [DEFAULT_CREDENTIAL]) this.addCredential(c);
    this.gateway = {
      credentials: this.credentials,
      usedNonces: new Set(),
      now: this.now,
      maxSkewMs: options.maxSkewMs ?? 15 * 60 * 1000,
    };
    this.server = http.createServer((req, res) => void this.onRequest(req, res));
    this.server.on('connection', () => this.connections.push(this.now()));
  }

  static async start(options: FakeOptions = {}): Promise<FakeVervericaApi> {
    const api = new FakeVervericaApi(options);
    await new Promise<void>((resolve, reject) => {
      api.server.once('error', reject);
      api.server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = api.server.address() as AddressInfo;
    api.baseUrl = `http://127.0.0.1:${port}`;
    return api;
  }

  get url(): string {
    return this.baseUrl;
  }

  /** Highest number of calls open at the same time so far. */
  get maxInFlight(): number {
    return this.maxInFlightSeen;
  }

  /** Calls open right now. */
  get inFlight(): number {
    return this.inFlightNow;
  }

  addCredential(credential: FakeCredential): void {
    this.credentials.set(credential.accessKeyId, { ...credential });
  }

  seedDraft(draft: StoredDraftInput): void {
    this.store.seed(draft);
  }

  draft(workspace: string, namespace: string, draftId: string): DeploymentDraft | undefined {
    return this.store.get({ workspace, namespace, draftId });
  }

  /** A console user takes the draft's edit lock; `holderId` defaults to one made from the name. */
  lockDraft(
    workspace: string,
    namespace: string,
    draftId: string,
    holderName: string,
    holderId?: string,
  ): void {
    this.store.lock({ workspace, namespace, draftId }, holderName, holderId);
  }

  /** Makes the folder path (`a/b`) under the namespace's root; returns the last folder's ID. */
  seedFolder(workspace: string, namespace: string, path: string): string {
    return this.catalog.seedPath(workspace, namespace, path);
  }

  /** The namespace's root folder ID. */
  rootFolder(workspace: string, namespace: string): string {
    return this.catalog.rootOf(workspace, namespace);
  }

  /** Every draft of a namespace, as stored. */
  drafts(workspace: string, namespace: string): DeploymentDraft[] {
    return this.store.page(workspace, namespace, 0, Number.MAX_SAFE_INTEGER).drafts;
  }

  setEngineVersions(defaultEngineVersion: string, versions: FakeEngineVersion[]): void {
    this.catalog.engines = {
      defaultEngineVersion,
      engineVersionMetadata: structuredClone(versions),
    };
  }

  setLockCreator(lockCreator: boolean): void {
    this.lockCreator = lockCreator;
  }

  setLockConflict(conflict: LockConflict): void {
    this.lockConflict = conflict;
  }

  unlockDraft(workspace: string, namespace: string, draftId: string): void {
    this.store.unlock({ workspace, namespace, draftId });
  }

  /** A save in the console (or by another run, with that run's `editor`). */
  editDraftScript(
    workspace: string,
    namespace: string,
    draftId: string,
    sqlScript: string,
    editor?: string,
  ): void {
    this.store.editScript({ workspace, namespace, draftId }, sqlScript, editor);
  }

  /** Merges labels into a stored draft, as another writer's update would. */
  setLabels(
    workspace: string,
    namespace: string,
    draftId: string,
    labels: Record<string, string>,
  ): void {
    this.store.setLabels({ workspace, namespace, draftId }, labels);
  }

  /** Server time of a deploy ticket, a job's start and a stop. */
  setRolloutTiming(timing: Partial<RolloutTiming>): void {
    this.rollout.timing = { ...this.rollout.timing, ...timing };
  }

  /** Jobs whose script contains `rule.match` fail after starting, with the rule's cause. */
  failJobs(rule: JobFailureRule): void {
    this.rollout.failJobsWhoseScriptContains(rule);
  }

  /** A deployment of the draft with a RUNNING job (on `script`, default the draft's own). */
  runJob(
    workspace: string,
    namespace: string,
    draftId: string,
    script?: string,
  ): { deploymentId: string; jobId: string } {
    return this.rollout.seedRunning({ workspace, namespace, draftId }, script);
  }

  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  failNext(count: number, fault: Fault, filter?: FaultFilter): void {
    this.faults.failNext(count, fault, filter);
  }

  /** Each correctly signed call gets a fault with probability `rate`; rate 0 disables. */
  setRandomFaults(rate: number, seed: number, faults: Fault[]): void {
    this.faults.setRandom(rate, seed, faults);
  }

  /** Clears recorded calls and connections, faults and the concurrency high-water mark; drafts stay. */
  reset(): void {
    this.calls.length = 0;
    this.connections.length = 0;
    this.faults.clear();
    this.maxInFlightSeen = this.inFlightNow;
  }

  /** Closes the server, cutting open and hung connections, and cancels pending latency. */
  stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private timer(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.inFlightNow += 1;
    this.maxInFlightSeen = Math.max(this.maxInFlightSeen, this.inFlightNow);
    res.on('close', () => (this.inFlightNow -= 1));
    res.on('error', () => undefined);
    const requestId = randomUUID();
    try {
      const wire = wireRequest(req, await readBody(req));
      const call = this.record(wire, requestId);
      if (this.latencyMs > 0) {
        call.delayMs = this.latencyMs;
        await this.sleep(this.latencyMs);
      }
      if (!res.destroyed) this.dispatch(wire, call, req, res);
    } catch {
      if (!res.headersSent && !res.destroyed) write(res, requestId, internalError(requestId));
    }
  }

  private record(wire: WireRequest, requestId: string): RecordedCall {
    const headers: Record<string, string> = {};
    for (const [name, values] of wire.headers) headers[name] = values.join(', ');
    const call: RecordedCall = {
      method: wire.method,
      path: wire.rawPath.split('/').map(decodeSegment).join('/'),
      rawPath: wire.rawPath,
      query: parseQuery(wire.rawQuery),
      headers,
      body: new TextDecoder().decode(wire.body),
      status: 0,
      requestId,
      at: this.now(),
    };
    if (headers['x-acs-action'] !== undefined) call.action = headers['x-acs-action'];
    // Known on arrival, so that a test's latency hook can tell whose call it is.
    this.route(wire, call);
    this.calls.push(call);
    return call;
  }

  /** The route serving the call, noting its draft (a lock call names its draft in the query). */
  private route(wire: WireRequest, call: RecordedCall): ReturnType<typeof matchRoute> {
    const segments = wire.rawPath.split('/').slice(1).map(decodeSegment);
    const matched = matchRoute(wire.method, call.action, segments);
    const draftId =
      matched?.params.draftId ??
      (matched && (call.query.deploymentDraftId ?? bodyDraftId(call.body)));
    if (draftId !== undefined) call.draftId = draftId;
    return matched;
  }

  /** Gateway checks, then a fault if one is due, then the route. */
  private dispatch(
    wire: WireRequest,
    call: RecordedCall,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): void {
    const ctx: AnswerContext = {
      requestId: call.requestId,
      host: call.headers.host ?? '',
      headers: call.headers,
    };
    const verdict = admit(wire, this.gateway);
    if (!verdict.ok) return this.answer(res, call, gatewayError(ctx, verdict.rejection));
    const noWorkspace = checkWorkspace(wire);
    if (noWorkspace) return this.answer(res, call, gatewayError(ctx, noWorkspace));

    const matched = this.route(wire, call);
    const run = (): Answer =>
      matched
        ? matched.route.handle({
            store: this.store,
            rollout: this.rollout,
            catalog: this.catalog,
            lockCreator: this.lockCreator,
            rawPath: wire.rawPath,
            requestId: call.requestId,
            workspace: call.headers.workspace ?? '',
            params: matched.params,
            query: call.query,
            body: call.body,
            credential: verdict.credential,
            lockConflict: this.lockConflict,
          })
        : gatewayError(ctx, {
            status: 404,
            code: 'InvalidAction.NotFound',
            message: `No API ${call.action} for ${wire.method} ${wire.rawPath}.`,
          });

    const fault = this.faults.decide({
      method: wire.method,
      action: call.action,
      draftId: call.draftId,
      accessKeyId: verdict.credential.accessKeyId,
    });
    if (!fault) return this.answer(res, call, run());
    call.fault = fault.kind;
    switch (fault.kind) {
      case 'hang':
        return;
      case 'delay':
        // A slow server: the call is served, late. It runs when the wait is over, as a queue would.
        call.delayMs = (call.delayMs ?? 0) + (fault.delayMs ?? 0);
        return void this.sleep(fault.delayMs ?? 0).then(() => {
          if (!res.destroyed) this.answer(res, call, run());
        });
      case 'reset':
        return void req.socket.resetAndDestroy();
      case 'reset-after-apply':
        run();
        return void req.socket.resetAndDestroy();
      default:
        return this.answer(res, call, faultAnswer({ ...fault, kind: fault.kind }, ctx));
    }
  }

  private answer(res: http.ServerResponse, call: RecordedCall, answer: Answer): void {
    call.status = answer.status;
    if (answer.code !== undefined) call.code = answer.code;
    write(res, call.requestId, answer);
  }
}

function write(res: http.ServerResponse, requestId: string, answer: Answer): void {
  res.writeHead(answer.status, {
    ...answer.headers,
    'content-type': answer.contentType,
    'content-length': answer.parts.reduce((n, part) => n + part.length, 0),
    'x-acs-request-id': requestId,
  });
  for (const part of answer.parts) res.write(part);
  res.end();
}
