// The models of deploying a draft and running its job (ververica 2022-07-18), as far as the action
// uses them, and how their answers are read. Pure. Field names are the official SDK's; every
// reader takes the server's JSON as `unknown` and names what it expected when the shape is wrong.
import type { Artifact } from './draft.js';
import type { ServerSpan } from './sql-validation.js';

/** DeployDeploymentDraftAsync's body (DraftDeployParams). */
export interface DeployRequest {
  deploymentDraftId: string;
  deploymentTarget: { mode: 'PER_JOB'; name: string };
  skipValidate: boolean;
}

export type TicketStatus = 'EXECUTING' | 'FINISHED' | 'FAILED';

/** GetDeployDeploymentDraftResult's data (AsyncDraftDeployResult). */
export interface DeployTicket {
  ticketStatus: TicketStatus;
  success?: boolean;
  message?: string;
  deploymentId?: string;
  /** The server's check of the script, with the place of its first error. */
  validation?: { result?: string; message?: string; span?: ServerSpan };
}

export interface Deployment {
  deploymentId: string;
  name?: string;
  referencedDeploymentDraftId?: string;
  engineVersion?: string;
  artifact?: Artifact;
  /** Strings on a Deployment, unlike the draft's numbers. */
  createdAt?: string;
  modifiedAt?: string;
  [key: string]: unknown;
}

export type JobState = 'STARTING' | 'RUNNING' | 'CANCELLING' | 'CANCELLED' | 'FAILED' | 'FINISHED';

export const JOB_STATES: readonly JobState[] = [
  'STARTING',
  'RUNNING',
  'CANCELLING',
  'CANCELLED',
  'FAILED',
  'FINISHED',
];

/** Job states that never change again. */
export function isFinalJobState(state: JobState): boolean {
  return state === 'CANCELLED' || state === 'FAILED' || state === 'FINISHED';
}

export interface Job {
  jobId: string;
  deploymentId?: string;
  /** What the job runs: fixed when it started, whatever the deployment holds since. */
  artifact?: Artifact;
  state: JobState;
  /** Why a FAILED job failed, as the server says it. */
  failure?: { reason?: string; message?: string };
  /** Epoch ms, when the server said: orders a deployment's jobs. */
  createdAt?: number;
}

export type StopStrategy = 'NONE' | 'STOP_WITH_SAVEPOINT' | 'STOP_WITH_DRAIN';

export type RestoreKind = 'NONE' | 'LATEST_SAVEPOINT' | 'FROM_SAVEPOINT' | 'LATEST_STATE';

/** StartJobWithParams's body (JobStartParameters). The action never sends kind NONE for a job that ran. */
export interface StartRequest {
  deploymentId: string;
  restoreStrategy: { kind: RestoreKind; savepointId?: string; allowNonRestoredState?: boolean };
}

export type SavepointState = 'STARTED' | 'COMPLETED' | 'FAILED';

export interface Savepoint {
  savepointId: string;
  jobId?: string;
  deploymentId?: string;
  /** USER_REQUEST, STOP_WITH_SAVEPOINT, RETAINED_CHECKPOINT … */
  origin?: string;
  state?: SavepointState | string;
  failure?: string;
  location?: string;
  createdAt?: number;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Positions and times come as strings on some models and numbers on others. */
function whole(value: unknown): number | undefined {
  const raw = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : '';
  if (!/^\s*\d+\s*$/.test(raw)) return undefined;
  return Number(raw);
}

/** Epoch seconds or ms, as either arrives, in ms. */
function epochMs(value: unknown): number | undefined {
  const n = whole(value);
  if (n === undefined) return undefined;
  return n < 1e11 ? n * 1000 : n;
}

function spanOf(details: Record<string, unknown> | undefined): ServerSpan | undefined {
  const line = whole(details?.lineNumber);
  if (line === undefined || line < 1) return undefined;
  const span: ServerSpan = { line };
  const column = whole(details?.columnNumber);
  const endLine = whole(details?.endLineNumber);
  const endColumn = whole(details?.endColumnNumber);
  if (column !== undefined && column >= 1) span.column = column;
  if (endLine !== undefined && endLine >= line) span.endLine = endLine;
  if (endColumn !== undefined && endColumn >= 1) span.endColumn = endColumn;
  return span;
}

/** `data.ticketId` of DeployDeploymentDraftAsync. */
export function readTicketId(data: unknown): string | undefined {
  return text(record(data)?.ticketId);
}

/**
 * A deploy ticket. A `ticketStatus` this action does not know is no ticket: the read fails
 * loudly with the value, rather than polling forever or guessing an outcome.
 */
export function readDeployTicket(data: unknown): DeployTicket | undefined {
  const body = record(data);
  const status = body?.ticketStatus;
  if (status !== 'EXECUTING' && status !== 'FINISHED' && status !== 'FAILED') return undefined;
  const ticket: DeployTicket = { ticketStatus: status };
  if (typeof body?.success === 'boolean') ticket.success = body.success;
  const message = text(body?.message);
  if (message) ticket.message = message;
  const deploymentId = text(body?.deploymentId);
  if (deploymentId) ticket.deploymentId = deploymentId;
  const detail = record(body?.artifactValidationDetail);
  if (detail) {
    const errors = record(detail.errorDetails);
    const validation: NonNullable<DeployTicket['validation']> = {};
    const result = text(detail.validationResult);
    if (result) validation.result = result;
    const said = text(errors?.message) ?? text(detail.message);
    if (said) validation.message = said;
    const span = spanOf(errors);
    if (span) validation.span = span;
    ticket.validation = validation;
  }
  return ticket;
}

export function readDeployment(data: unknown): Deployment | undefined {
  const body = record(data);
  if (!body || !text(body.deploymentId)) return undefined;
  return body as Deployment;
}

export function readJob(data: unknown): Job | undefined {
  const body = record(data);
  const jobId = text(body?.jobId);
  const status = record(body?.status);
  const state = status?.currentJobStatus;
  if (!body || !jobId || !JOB_STATES.includes(state as JobState)) return undefined;
  const job: Job = { jobId, state: state as JobState };
  const deploymentId = text(body.deploymentId);
  if (deploymentId) job.deploymentId = deploymentId;
  const artifact = record(body.artifact);
  if (artifact && typeof artifact.kind === 'string') job.artifact = artifact as Artifact;
  const failure = record(status?.failure);
  if (failure) {
    job.failure = {};
    const reason = text(failure.reason);
    const message = text(failure.message);
    if (reason) job.failure.reason = reason;
    if (message) job.failure.message = message;
  }
  const createdAt = epochMs(body.createdAt);
  if (createdAt !== undefined) job.createdAt = createdAt;
  return job;
}

export function readSavepoint(data: unknown): Savepoint | undefined {
  const body = record(data);
  const savepointId = text(body?.savepointId);
  if (!body || !savepointId) return undefined;
  const savepoint: Savepoint = { savepointId };
  const status = record(body.status);
  const fields = {
    jobId: text(body.jobId),
    deploymentId: text(body.deploymentId),
    origin: text(body.savepointOrigin),
    state: text(status?.state),
    failure: text(record(status?.failure)?.message) ?? text(record(status?.failure)?.reason),
    location: text(body.savepointLocation),
  };
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) (savepoint as unknown as Record<string, unknown>)[key] = value;
  }
  const createdAt = epochMs(body.createdAt);
  if (createdAt !== undefined) savepoint.createdAt = createdAt;
  return savepoint;
}

/** Every item of a list read with `read`, or undefined when any one is not what it should be. */
export function readList<T>(
  data: unknown,
  read: (item: unknown) => T | undefined,
): T[] | undefined {
  if (!Array.isArray(data)) return undefined;
  const items: T[] = [];
  for (const item of data) {
    const value = read(item);
    if (value === undefined) return undefined;
    items.push(value);
  }
  return items;
}

/** The script a deployment or a job holds; '' for none. */
export function scriptOf(holder: { artifact?: Artifact } | undefined): string {
  return holder?.artifact?.sqlArtifact?.sqlScript ?? '';
}
