// The fake API's deployments, deploy tickets, jobs and savepoints: a state machine on the fake's
// clock. Every transition has a time (a ticket finishes `ticketMs` after it was made, a job runs
// `startMs` after its start, a stop ends `stopMs` after it was asked), applied lazily whenever a call
// arrives, so that latency and polling behave as they would against the real service.
import { randomUUID } from 'node:crypto';
import type { DeploymentDraft, DraftRef } from '../../src/ververica/draft.js';
import type { BusinessError, DraftOutcome } from './fake-drafts.js';
import { validateSql } from './fake-sql-validator.js';

export interface RolloutTiming {
  /** From DeployDeploymentDraftAsync to a finished ticket. */
  ticketMs: number;
  /** From StartJobWithParams to RUNNING (or FAILED, for a job told to fail). */
  startMs: number;
  /** From StopJob to CANCELLED (and the savepoint COMPLETED). */
  stopMs: number;
}

/** A job whose script contains `match` fails this long after it starts, with this cause. */
export interface JobFailureRule {
  match: string;
  reason: string;
  message: string;
  /** Default: as it would have reached RUNNING (`startMs`). */
  afterMs?: number;
}

export interface FakeDeployment {
  deploymentId: string;
  name: string;
  workspace: string;
  namespace: string;
  referencedDeploymentDraftId: string;
  engineVersion?: string;
  executionMode: string;
  deploymentTarget: { mode: string; name: string };
  artifact: DeploymentDraft['artifact'];
  createdAt: number;
  modifiedAt: number;
}

export interface FakeJob {
  jobId: string;
  deploymentId: string;
  workspace: string;
  namespace: string;
  artifact: DeploymentDraft['artifact'];
  state: 'STARTING' | 'RUNNING' | 'CANCELLING' | 'CANCELLED' | 'FAILED' | 'FINISHED';
  restoreStrategy: { kind: string; savepointId?: string };
  /** Where the job's state came from: the savepoint it was restored from, if any. */
  restoredFrom?: string;
  failure?: { reason: string; message: string };
  createdAt: number;
  /** Pending transition: at this time, become `next`. */
  at?: number;
  next?: () => void;
}

export interface FakeSavepoint {
  savepointId: string;
  deploymentId: string;
  jobId: string;
  namespace: string;
  origin: string;
  state: 'STARTED' | 'COMPLETED' | 'FAILED';
  failure?: string;
  createdAt: number;
}

interface Ticket {
  ticketId: string;
  workspace: string;
  namespace: string;
  draftId: string;
  /** The draft as it was when deployed. */
  draft: DeploymentDraft;
  target: string;
  skipValidate: boolean;
  readyAt: number;
  result?: Record<string, unknown>;
}

/** Queues the fake knows; a deploy to any other fails. */
export const FAKE_QUEUES = ['default-queue', 'etl-queue'];

function fail(
  status: number,
  errorCode: string,
  errorMessage: string,
): { ok: false; error: BusinessError } {
  return { ok: false, error: { status, errorCode, errorMessage } };
}

function scriptOf(artifact: DeploymentDraft['artifact']): string {
  return artifact?.sqlArtifact?.sqlScript ?? '';
}

export class RolloutStore {
  timing: RolloutTiming = { ticketMs: 0, startMs: 0, stopMs: 0 };
  private readonly deployments = new Map<string, FakeDeployment>();
  private readonly jobs: FakeJob[] = [];
  private readonly savepoints: FakeSavepoint[] = [];
  private readonly tickets = new Map<string, Ticket>();
  private readonly jobFailures: JobFailureRule[] = [];
  private savepointFailures: { deploymentId?: string; remaining: number; message: string }[] = [];
  /** Every StartJobWithParams body accepted, in order: what a test checks restore choices on. */
  readonly starts: Array<{ deploymentId: string; restoreStrategy: Record<string, unknown> }> = [];

  constructor(
    private readonly now: () => number,
    private readonly drafts: {
      get(ref: DraftRef): DeploymentDraft | undefined;
      setDeployment(ref: DraftRef, deploymentId: string): void;
    },
  ) {}

  /** Applies every transition that is due. */
  advance(): void {
    const now = this.now();
    for (const ticket of this.tickets.values()) {
      if (!ticket.result && now >= ticket.readyAt) this.finish(ticket);
    }
    // A transition may schedule the next one (a failing job: STARTING → RUNNING → FAILED).
    for (let changed = true; changed;) {
      changed = false;
      for (const job of this.jobs) {
        if (job.at !== undefined && now >= job.at && job.next) {
          const next = job.next;
          job.at = undefined;
          job.next = undefined;
          next();
          changed = true;
        }
      }
    }
  }

  failJobsWhoseScriptContains(rule: JobFailureRule): void {
    this.jobFailures.push({ ...rule });
  }

  /** The next `count` stops with a savepoint fail to take it (of one deployment, or any). */
  failSavepoints(count: number, message: string, deploymentId?: string): void {
    this.savepointFailures.push({ remaining: count, message, deploymentId });
  }

  /** A deployment of the draft with a RUNNING job on `script` (default: the draft's own). */
  seedRunning(ref: DraftRef, script?: string): { deploymentId: string; jobId: string } {
    const draft = this.drafts.get(ref);
    if (!draft) throw new Error(`no draft ${ref.draftId}`);
    const deployment = this.upsertDeployment(ref, draft, 'default-queue');
    if (script !== undefined) {
      deployment.artifact = {
        ...(deployment.artifact ?? { kind: 'SQLSCRIPT' }),
        sqlArtifact: { sqlScript: script },
      };
    }
    const job = this.newJob(deployment, { kind: 'NONE' });
    job.state = 'RUNNING';
    return { deploymentId: deployment.deploymentId, jobId: job.jobId };
  }

  deployment(id: string): FakeDeployment | undefined {
    return this.deployments.get(id);
  }

  jobsOf(deploymentId: string): FakeJob[] {
    this.advance();
    return this.jobs.filter((job) => job.deploymentId === deploymentId);
  }

  savepointsOf(deploymentId: string): FakeSavepoint[] {
    this.advance();
    return this.savepoints.filter((s) => s.deploymentId === deploymentId);
  }

  // ----- operations -----

  deploy(
    ref: Omit<DraftRef, 'draftId'>,
    body: string,
    callerHoldsLock: (draft: DeploymentDraft) => BusinessError | undefined,
  ): DraftOutcome<{ ticketId: string }> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return fail(400, 'InvalidParameter', 'The body must be JSON DraftDeployParams.');
    }
    const params = parsed as Record<string, unknown>;
    const known = new Set(['deploymentDraftId', 'deploymentTarget', 'skipValidate']);
    const unknown = Object.keys(params ?? {}).filter((k) => !known.has(k));
    if (unknown.length > 0)
      return fail(400, 'InvalidParameter', `Unknown fields: ${unknown.join(', ')}.`);
    const draftId = params.deploymentDraftId;
    const target = params.deploymentTarget as Record<string, unknown> | undefined;
    if (typeof draftId !== 'string')
      return fail(400, 'InvalidParameter', 'deploymentDraftId is required.');
    if (!target || target.mode !== 'PER_JOB' || typeof target.name !== 'string') {
      return fail(400, 'InvalidParameter', 'deploymentTarget must be {mode: "PER_JOB", name}.');
    }
    if (!FAKE_QUEUES.includes(target.name)) {
      return fail(
        404,
        'DeploymentTargetNotFound',
        `No deployment target ${target.name} in this namespace.`,
      );
    }
    const draftRef = { ...ref, draftId };
    const draft = this.drafts.get(draftRef);
    if (!draft)
      return fail(404, 'DeploymentDraftNotFound', `Deployment draft ${draftId} does not exist.`);
    const locked = callerHoldsLock(draft);
    if (locked) return { ok: false, error: locked };
    const ticketId = randomUUID();
    this.tickets.set(ticketId, {
      ticketId,
      ...draftRef,
      draft: structuredClone(draft),
      target: target.name,
      skipValidate: params.skipValidate === true,
      readyAt: this.now() + this.timing.ticketMs,
    });
    return { ok: true, value: { ticketId } };
  }

  ticket(ref: Omit<DraftRef, 'draftId'>, ticketId: string): DraftOutcome<Record<string, unknown>> {
    this.advance();
    const ticket = this.tickets.get(ticketId);
    if (!ticket || ticket.namespace !== ref.namespace || ticket.workspace !== ref.workspace) {
      return fail(404, 'TicketNotFound', `No deploy ticket ${ticketId}.`);
    }
    return { ok: true, value: ticket.result ?? { ticketStatus: 'EXECUTING' } };
  }

  getDeployment(ref: Omit<DraftRef, 'draftId'>, id: string): DraftOutcome<Record<string, unknown>> {
    this.advance();
    const d = this.deployments.get(id);
    if (!d || d.namespace !== ref.namespace || d.workspace !== ref.workspace) {
      return fail(404, 'DeploymentNotFound', `Deployment ${id} does not exist.`);
    }
    return { ok: true, value: deploymentJson(d) };
  }

  listJobs(
    ref: Omit<DraftRef, 'draftId'>,
    query: Record<string, string>,
  ): DraftOutcome<{ data: unknown[]; extra: Record<string, unknown> }> {
    this.advance();
    const deploymentId = query.deploymentId;
    if (!deploymentId) return fail(400, 'InvalidParameter', 'deploymentId is required.');
    const paging = pageOf(query);
    if (!paging.ok) return paging;
    const { pageIndex, pageSize } = paging.value;
    const all = this.jobs.filter(
      (j) =>
        j.deploymentId === deploymentId &&
        j.namespace === ref.namespace &&
        j.workspace === ref.workspace,
    );
    const data = all.slice((pageIndex - 1) * pageSize, pageIndex * pageSize).map(jobJson);
    return { ok: true, value: { data, extra: { pageIndex, pageSize, totalSize: all.length } } };
  }

  getJob(ref: Omit<DraftRef, 'draftId'>, jobId: string): DraftOutcome<Record<string, unknown>> {
    this.advance();
    const job = this.findJob(ref, jobId);
    if (!job) return fail(404, 'JobNotFound', `Job ${jobId} does not exist.`);
    return { ok: true, value: jobJson(job) };
  }

  stop(
    ref: Omit<DraftRef, 'draftId'>,
    jobId: string,
    body: string,
  ): DraftOutcome<Record<string, unknown>> {
    this.advance();
    const job = this.findJob(ref, jobId);
    if (!job) return fail(404, 'JobNotFound', `Job ${jobId} does not exist.`);
    let strategy: unknown;
    try {
      strategy = (JSON.parse(body) as Record<string, unknown>).stopStrategy;
    } catch {
      return fail(400, 'InvalidParameter', 'The body must be JSON {stopStrategy}.');
    }
    if (
      strategy !== 'NONE' &&
      strategy !== 'STOP_WITH_SAVEPOINT' &&
      strategy !== 'STOP_WITH_DRAIN'
    ) {
      return fail(
        400,
        'InvalidParameter',
        'stopStrategy must be NONE, STOP_WITH_SAVEPOINT or STOP_WITH_DRAIN.',
      );
    }
    const withSavepoint = strategy !== 'NONE';
    if (withSavepoint && job.state !== 'RUNNING') {
      return fail(
        400,
        'JobNotRunning',
        `Job ${jobId} is ${job.state}; only a RUNNING job can take a savepoint.`,
      );
    }
    if (job.state !== 'RUNNING' && job.state !== 'STARTING') {
      return fail(400, 'JobNotRunning', `Job ${jobId} is ${job.state}.`);
    }
    const was = job.state;
    job.state = 'CANCELLING';
    job.at = this.now() + this.timing.stopMs;
    if (!withSavepoint) {
      job.next = () => {
        job.state = 'CANCELLED';
      };
      return { ok: true, value: jobJson(job) };
    }
    const savepoint: FakeSavepoint = {
      savepointId: randomUUID(),
      deploymentId: job.deploymentId,
      jobId: job.jobId,
      namespace: job.namespace,
      origin: strategy === 'STOP_WITH_DRAIN' ? 'STOP_WITH_DRAIN' : 'STOP_WITH_SAVEPOINT',
      state: 'STARTED',
      createdAt: this.now(),
    };
    this.savepoints.push(savepoint);
    const failure = this.savepointFailures.find(
      (f) =>
        f.remaining > 0 && (f.deploymentId === undefined || f.deploymentId === job.deploymentId),
    );
    if (failure) failure.remaining -= 1;
    job.next = () => {
      if (failure) {
        // The savepoint could not be taken: Flink keeps the job running.
        savepoint.state = 'FAILED';
        savepoint.failure = failure.message;
        job.state = was;
      } else {
        savepoint.state = 'COMPLETED';
        job.state = 'CANCELLED';
      }
    };
    return { ok: true, value: jobJson(job) };
  }

  start(ref: Omit<DraftRef, 'draftId'>, body: string): DraftOutcome<Record<string, unknown>> {
    this.advance();
    let params: Record<string, unknown>;
    try {
      params = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return fail(400, 'InvalidParameter', 'The body must be JSON JobStartParameters.');
    }
    const known = new Set([
      'deploymentId',
      'jobId',
      'restoreStrategy',
      'localVariables',
      'resourceQueueName',
    ]);
    const unknown = Object.keys(params).filter((k) => !known.has(k));
    if (unknown.length > 0)
      return fail(400, 'InvalidParameter', `Unknown fields: ${unknown.join(', ')}.`);
    const deployment =
      typeof params.deploymentId === 'string'
        ? this.deployments.get(params.deploymentId)
        : undefined;
    if (!deployment || deployment.namespace !== ref.namespace) {
      return fail(
        404,
        'DeploymentNotFound',
        `Deployment ${String(params.deploymentId)} does not exist.`,
      );
    }
    const active = this.jobs.find(
      (j) =>
        j.deploymentId === deployment.deploymentId &&
        ['STARTING', 'RUNNING', 'CANCELLING'].includes(j.state),
    );
    if (active) {
      return fail(
        400,
        'JobAlreadyRunning',
        `Deployment ${deployment.deploymentId} already has job ${active.jobId} (${active.state}).`,
      );
    }
    const restore = (params.restoreStrategy ?? {}) as Record<string, unknown>;
    const kind = restore.kind;
    let from: FakeSavepoint | undefined;
    const completed = this.savepoints
      .filter((s) => s.deploymentId === deployment.deploymentId && s.state === 'COMPLETED')
      .sort((a, b) => b.createdAt - a.createdAt);
    if (kind === 'LATEST_SAVEPOINT' || kind === 'LATEST_STATE') {
      from = completed[0];
      if (!from)
        return fail(
          400,
          'SavepointNotFound',
          `Deployment ${deployment.deploymentId} has no completed savepoint.`,
        );
    } else if (kind === 'FROM_SAVEPOINT') {
      from = completed.find((s) => s.savepointId === restore.savepointId);
      if (!from)
        return fail(
          404,
          'SavepointNotFound',
          `No completed savepoint ${String(restore.savepointId)}.`,
        );
    } else if (kind !== 'NONE') {
      return fail(
        400,
        'InvalidParameter',
        'restoreStrategy.kind must be NONE, LATEST_SAVEPOINT, FROM_SAVEPOINT or LATEST_STATE.',
      );
    }
    this.starts.push({
      deploymentId: deployment.deploymentId,
      restoreStrategy: structuredClone(restore),
    });
    const job = this.newJob(deployment, { kind: String(kind), savepointId: from?.savepointId });
    if (from) job.restoredFrom = from.savepointId;
    const script = scriptOf(job.artifact);
    const rule = this.jobFailures.find((r) => script.includes(r.match));
    job.at = this.now() + (rule?.afterMs ?? this.timing.startMs);
    job.next = () => {
      if (rule) {
        job.state = 'FAILED';
        job.failure = { reason: rule.reason, message: rule.message };
      } else {
        job.state = 'RUNNING';
      }
    };
    return { ok: true, value: jobJson(job) };
  }

  listSavepoints(
    ref: Omit<DraftRef, 'draftId'>,
    query: Record<string, string>,
  ): DraftOutcome<{ data: unknown[]; extra: Record<string, unknown> }> {
    this.advance();
    const paging = pageOf(query);
    if (!paging.ok) return paging;
    const { pageIndex, pageSize } = paging.value;
    const all = this.savepoints.filter(
      (s) =>
        s.namespace === ref.namespace &&
        (query.deploymentId === undefined || s.deploymentId === query.deploymentId) &&
        (query.jobId === undefined || s.jobId === query.jobId),
    );
    const data = all.slice((pageIndex - 1) * pageSize, pageIndex * pageSize).map(savepointJson);
    return { ok: true, value: { data, extra: { pageIndex, pageSize, totalSize: all.length } } };
  }

  // ----- internals -----

  private finish(ticket: Ticket): void {
    const script = scriptOf(ticket.draft.artifact);
    const batch = ticket.draft.executionMode === 'BATCH';
    const verdict = ticket.skipValidate ? undefined : validateSql(script, batch);
    if (verdict && /INVALID/.test(String(verdict.validationResult))) {
      ticket.result = {
        ticketStatus: 'FAILED',
        success: false,
        message: 'Validation of the SQL failed.',
        artifactValidationDetail: verdict,
      };
      return;
    }
    const ref = {
      workspace: ticket.workspace,
      namespace: ticket.namespace,
      draftId: ticket.draftId,
    };
    const deployment = this.upsertDeployment(ref, ticket.draft, ticket.target);
    ticket.result = {
      ticketStatus: 'FINISHED',
      success: true,
      message: '',
      deploymentId: deployment.deploymentId,
    };
  }

  /** The draft's deployment, made or brought up to the draft's script and engine. */
  private upsertDeployment(ref: DraftRef, draft: DeploymentDraft, target: string): FakeDeployment {
    const id = draft.referencedDeploymentId;
    const existing = id ? this.deployments.get(id) : undefined;
    const now = this.now();
    const deployment: FakeDeployment = existing ?? {
      deploymentId: randomUUID(),
      name: draft.name ?? ref.draftId,
      workspace: ref.workspace,
      namespace: ref.namespace,
      referencedDeploymentDraftId: ref.draftId,
      executionMode: draft.executionMode ?? 'STREAMING',
      deploymentTarget: { mode: 'PER_JOB', name: target },
      artifact: undefined,
      createdAt: now,
      modifiedAt: now,
    };
    deployment.artifact = structuredClone(draft.artifact);
    deployment.engineVersion = draft.engineVersion;
    deployment.deploymentTarget = { mode: 'PER_JOB', name: target };
    deployment.modifiedAt = now;
    this.deployments.set(deployment.deploymentId, deployment);
    if (!existing) this.drafts.setDeployment(ref, deployment.deploymentId);
    return deployment;
  }

  private newJob(deployment: FakeDeployment, restoreStrategy: FakeJob['restoreStrategy']): FakeJob {
    const job: FakeJob = {
      jobId: randomUUID(),
      deploymentId: deployment.deploymentId,
      workspace: deployment.workspace,
      namespace: deployment.namespace,
      artifact: structuredClone(deployment.artifact),
      state: 'STARTING',
      restoreStrategy,
      // Strictly increasing, so that jobs made in the same millisecond still sort.
      createdAt: Math.max(this.now(), (this.jobs.at(-1)?.createdAt ?? 0) + 1),
    };
    this.jobs.push(job);
    return job;
  }

  private findJob(ref: Omit<DraftRef, 'draftId'>, jobId: string): FakeJob | undefined {
    return this.jobs.find(
      (j) => j.jobId === jobId && j.namespace === ref.namespace && j.workspace === ref.workspace,
    );
  }
}

/** `pageIndex` from 1 (default 1) and `pageSize` from 1 to 100 (default 10), as the API pages. */
function pageOf(
  query: Record<string, string>,
): DraftOutcome<{ pageIndex: number; pageSize: number }> {
  const pageIndex = Number(query.pageIndex ?? '1');
  const pageSize = Number(query.pageSize ?? '10');
  if (!(pageIndex >= 1) || !(pageSize >= 1 && pageSize <= 100)) {
    return fail(400, 'InvalidParameter', 'pageIndex must be >= 1 and pageSize between 1 and 100.');
  }
  return { ok: true, value: { pageIndex, pageSize } };
}

function deploymentJson(d: FakeDeployment): Record<string, unknown> {
  return {
    deploymentId: d.deploymentId,
    name: d.name,
    workspace: d.workspace,
    namespace: d.namespace,
    referencedDeploymentDraftId: d.referencedDeploymentDraftId,
    engineVersion: d.engineVersion,
    executionMode: d.executionMode,
    deploymentTarget: d.deploymentTarget,
    artifact: structuredClone(d.artifact),
    // Strings on a Deployment, as the official model has them.
    createdAt: String(Math.floor(d.createdAt / 1000)),
    modifiedAt: String(Math.floor(d.modifiedAt / 1000)),
  };
}

function jobJson(job: FakeJob): Record<string, unknown> {
  const status: Record<string, unknown> = { currentJobStatus: job.state };
  if (job.failure) status.failure = { ...job.failure };
  return {
    jobId: job.jobId,
    deploymentId: job.deploymentId,
    workspace: job.workspace,
    namespace: job.namespace,
    artifact: structuredClone(job.artifact),
    restoreStrategy: { ...job.restoreStrategy },
    status,
    createdAt: String(job.createdAt),
    modifiedAt: String(job.createdAt),
  };
}

function savepointJson(s: FakeSavepoint): Record<string, unknown> {
  const status: Record<string, unknown> = { state: s.state };
  if (s.failure) status.failure = { message: s.failure, reason: 'SAVEPOINT_FAILED' };
  return {
    savepointId: s.savepointId,
    deploymentId: s.deploymentId,
    jobId: s.jobId,
    namespace: s.namespace,
    savepointOrigin: s.origin,
    savepointLocation: `oss://fake-bucket/savepoints/${s.savepointId}`,
    status,
    createdAt: Math.floor(s.createdAt / 1000),
  };
}
