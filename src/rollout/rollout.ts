// Takes one synced draft to its deployment and job: deploy, and when its job runs an older version
// (restart: if-running), stop it with a savepoint, start the new version from that savepoint, wait
// until it runs, and roll back what does not. Every step that can fail leaves the job in one of
// three states the row names: on its old version and running, on its new version and running, or
// stopped with a savepoint. A job is never started without its state to get past an error.
import { Code, COMMIT_LABEL } from '../codes.js';
import type { DraftResult, RolloutReport, SqlCheck } from '../results.js';
import { err, ok, type Result } from '../runtime/result.js';
import { withRetry, type RetryContext } from '../runtime/retry.js';
import type { OnStartFailure, Restart } from '../settings.js';
import { LockHolders } from '../sync/lock.js';
import { takeLock } from '../sync/take-lock.js';
import { placeSpan } from '../sync/validate.js';
import { writeDraft } from '../sync/write.js';
import type { Page, Where } from '../ververica/client.js';
import type { DraftApi, RolloutApi } from '../ververica/draft-api.js';
import {
  isFinalJobState,
  scriptOf,
  type Deployment,
  type Job,
  type RestoreKind,
  type Savepoint,
} from '../ververica/deployment.js';
import { editableFields, type DeploymentDraft, type DraftRef } from '../ververica/draft.js';
import type { ApiError, ApiResult } from '../ververica/errors.js';
import {
  decideRollout,
  describeDecision,
  formatMarker,
  parseMarker,
  RESTART_LABEL,
  type RolloutDecision,
} from './decide.js';
import { pollUntil } from './poll.js';

/** Why a restart starts from LATEST_SAVEPOINT, as the row states it. */
export const RESTORE_REASON =
  'the savepoint the stop just took is the latest; a savepoint, unlike a checkpoint that LATEST_STATE may pick, is the state Flink restores into a changed job';

const PAGE_SIZE = 100;
const MAX_PAGES = 50;

export interface RolloutOptions {
  mode: 'plan' | 'apply';
  /** The commit rolled out; a restart marker names it. */
  commit: string;
  /** The diff's base: a rolled-back draft is labelled with it, as the commit its script is from. */
  baseSha?: string;
  deploymentTarget: string;
  waitMs: number;
  onStartFailure: OnStartFailure;
}

export interface RolloutDeps {
  api: Pick<DraftApi, 'getDraft' | 'getLock' | 'updateDraft'> & RolloutApi;
  retry: RetryContext;
  /** Progress, one line per step. */
  info(message: string): void;
  /** Called with each row as it is settled. */
  settled?(row: DraftResult): void;
}

/** One row to roll out: its sync result, the file's script, and its entry's rollout settings. */
export interface RolloutTarget {
  row: DraftResult;
  text: string;
  restart: Restart;
}

/** A row's end when a step fails: the row as the run leaves it. */
type Stop = DraftResult;

class RolloutRun {
  readonly report: RolloutReport;
  readonly ref: DraftRef;
  readonly where: Where;

  constructor(
    readonly target: RolloutTarget,
    readonly options: RolloutOptions,
    readonly deps: RolloutDeps,
    readonly holders: LockHolders,
  ) {
    const { row } = target;
    const synced = row.status;
    this.report =
      synced === 'created' ||
      synced === 'updated' ||
      synced === 'would-update' ||
      synced === 'unchanged'
        ? { draft: synced }
        : {};
    this.ref = { workspace: row.workspace, namespace: row.namespace, draftId: row.draftId };
    this.where = { workspace: row.workspace, namespace: row.namespace };
  }

  get api(): RolloutDeps['api'] {
    return this.deps.api;
  }

  get retry(): RetryContext {
    return this.deps.retry;
  }

  info(message: string): void {
    this.deps.info(`${this.target.row.file}: ${message}`);
  }

  row(status: DraftResult['status'], fields: Partial<DraftResult> = {}): DraftResult {
    return { ...this.target.row, status, rollout: { ...this.report }, ...fields };
  }

  failed(
    code: string,
    message: string,
    requestId?: string,
    extra: Partial<DraftResult> = {},
  ): Stop {
    const status = this.options.mode === 'plan' ? 'would-fail' : 'failed';
    return this.row(status, { code, message, requestId, ...extra });
  }

  apiFailed(error: ApiError, what: string): Stop {
    return this.failed(error.code, `${what}: ${error.message}`, error.requestId);
  }

  async run(): Promise<DraftResult> {
    const got = await withRetry(() => this.api.getDraft(this.ref), this.retry);
    if (!got.ok) return this.apiFailed(got.error, 'Reading the draft before its deploy failed');
    const draft = got.value;
    const found = await this.deploymentOf(draft);
    if (!found.ok) return found.error;
    const { deployment, jobs } = found.value;
    const decision = decideRollout({
      text: this.target.text,
      deployment,
      jobs,
      marker: parseMarker(draft.labels?.[RESTART_LABEL]),
      commit: this.options.commit,
      restart: this.target.restart,
    });
    if (deployment) this.report.deploymentId = deployment.deploymentId;
    const running = jobs.find((job) => job.state === 'RUNNING');
    if (running) this.report.jobId = running.jobId;
    if (this.options.mode === 'plan') return this.planned(decision);
    return this.apply(draft, decision);
  }

  planned(decision: RolloutDecision): DraftResult {
    this.report.plan = describeDecision(decision);
    const status = this.target.row.status;
    if (decision.job.kind === 'busy') {
      const { job } = decision.job;
      return this.failed(
        Code.JobBusy,
        `Job ${job.jobId} is ${job.state}; the merge would leave it alone`,
      );
    }
    return this.row(status === 'unchanged' && decision.deploy ? 'would-deploy' : status);
  }

  async apply(draft: DeploymentDraft, decision: RolloutDecision): Promise<DraftResult> {
    const { job } = decision;
    if (job.kind === 'busy') {
      return this.failed(
        Code.JobBusy,
        `Job ${job.job.jobId} is ${job.job.state}, by other hands; nothing was deployed or restarted. Re-run once it has settled`,
      );
    }
    const writes = decision.deploy || job.kind === 'restart';
    if (writes) {
      const lock = await this.ensureLock(draft);
      if (!lock.ok) return lock.error;
    }
    let deployed = false;
    if (decision.deploy) {
      const done = await this.deploy(draft, this.target.text);
      if (!done.ok) return done.error;
      deployed = true;
    }
    const settled = deployed ? 'deployed' : this.target.row.status;
    switch (job.kind) {
      case 'none':
        return this.row(settled, job.why ? { message: capitalize(job.why) } : {});
      case 'restart':
        return this.restart(job.running);
      case 'resume-stop': {
        this.info(`waiting for job ${job.stopping.jobId}, which an earlier run is stopping`);
        return this.finishStop(job.stopping, new Set());
      }
      case 'resume-start': {
        this.info(
          `resuming the restart that an earlier run began: job ${job.stopped.jobId} is stopped`,
        );
        const savepoint = await this.stopSavepoint(job.stopped);
        if (!savepoint.ok) return savepoint.error;
        return this.startNew(job.stopped, savepoint.value);
      }
      case 'resume-wait': {
        this.info(`waiting for job ${job.starting.jobId}, which an earlier run started`);
        const savepoint = await this.stopSavepoint(job.stopped);
        if (!savepoint.ok) return savepoint.error;
        this.report.stoppedJobId = job.stopped.jobId;
        this.report.savepointId = savepoint.value.savepointId;
        return this.waitRunning(job.starting, job.stopped, savepoint.value);
      }
      case 'resume-failed': {
        const savepoint = await this.stopSavepoint(job.stopped);
        if (!savepoint.ok) return savepoint.error;
        this.report.stoppedJobId = job.stopped.jobId;
        this.report.savepointId = savepoint.value.savepointId;
        return this.startFailed(job.failed, job.stopped, savepoint.value, causeOf(job.failed));
      }
    }
  }

  // ----- reads -----

  async deploymentOf(
    draft: DeploymentDraft,
  ): Promise<Result<{ deployment?: Deployment; jobs: Job[] }, Stop>> {
    const id = draft.referencedDeploymentId;
    if (!id) return ok({ jobs: [] });
    const got = await withRetry(() => this.api.getDeployment(this.where, id), this.retry);
    if (!got.ok) {
      if (got.error.code === 'DeploymentNotFound') return ok({ jobs: [] });
      return err(this.apiFailed(got.error, `Reading deployment ${id} failed`));
    }
    const jobs = await this.jobsOf(id);
    if (!jobs.ok) return jobs;
    return ok({ deployment: got.value, jobs: jobs.value });
  }

  jobsOf(deploymentId: string): Promise<Result<Job[], Stop>> {
    return this.allPages(
      (page) => this.api.listJobs(this.where, deploymentId, page),
      `Listing the jobs of deployment ${deploymentId} failed`,
    );
  }

  savepointsOf(job: Job): Promise<Result<Savepoint[], Stop>> {
    const ids = {
      deploymentId: job.deploymentId ?? this.report.deploymentId ?? '',
      jobId: job.jobId,
    };
    return this.allPages(
      (page) => this.api.listSavepoints(this.where, ids, page),
      `Listing the savepoints of job ${job.jobId} failed`,
    );
  }

  /** Every item of a paged listing, up to MAX_PAGES pages of PAGE_SIZE. */
  async allPages<T>(
    read: (page: { pageIndex: number; pageSize: number }) => Promise<ApiResult<Page<T>>>,
    what: string,
  ): Promise<Result<T[], Stop>> {
    const all: T[] = [];
    for (let pageIndex = 1; pageIndex <= MAX_PAGES; pageIndex++) {
      const got = await withRetry(() => read({ pageIndex, pageSize: PAGE_SIZE }), this.retry);
      if (!got.ok) return err(this.apiFailed(got.error, what));
      all.push(...got.value.items);
      const total = got.value.totalSize;
      if (got.value.items.length < PAGE_SIZE || (total !== undefined && all.length >= total)) break;
    }
    return ok(all);
  }

  /** The completed savepoint that stopping `job` took. */
  async stopSavepoint(
    job: Job,
    before: ReadonlySet<string> = new Set(),
  ): Promise<Result<Savepoint, Stop>> {
    const listed = await this.savepointsOf(job);
    if (!listed.ok) return listed;
    const taken = listed.value
      .filter((s) => !before.has(s.savepointId) && s.state === 'COMPLETED')
      .sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0));
    const savepoint = taken[0];
    if (savepoint) return ok(savepoint);
    return err(
      this.failed(
        Code.SavepointFailed,
        `Job ${job.jobId} is stopped, but no completed savepoint of its stop was found; nothing was started, so that no state is lost. Start it in the console from its latest state`,
      ),
    );
  }

  // ----- writes -----

  async ensureLock(draft: DeploymentDraft): Promise<Result<void, Stop>> {
    const taken = await takeLock(this.holders, this.api, this.ref, draft, this.retry);
    if (taken.kind === 'held') return ok(undefined);
    if (taken.kind === 'failed') {
      return err(this.apiFailed(taken.error, 'Taking the edit lock for the deploy failed'));
    }
    return err(
      this.failed(
        Code.DraftLocked,
        `Draft is locked for editing by ${taken.holder}; it was not deployed. The action never takes a lock from anyone: ask them to unlock it in the console, then re-run`,
        taken.requestId,
      ),
    );
  }

  /** Deploys the draft as it stands, holding `text`, and waits for the ticket. */
  async deploy(draft: DeploymentDraft, text: string): Promise<Result<string, Stop>> {
    const body = {
      deploymentDraftId: draft.deploymentDraftId,
      deploymentTarget: { mode: 'PER_JOB' as const, name: this.options.deploymentTarget },
      skipValidate: false,
    };
    // A second deploy of the same draft, after an answer lost on the way, is harmless.
    const sent = await withRetry(() => this.api.deployDraft(this.where, body), this.retry);
    if (!sent.ok) {
      return err(
        this.failed(
          Code.DeployFailed,
          `The deploy was refused: ${sent.error.code}: ${sent.error.message}`,
          sent.error.requestId,
        ),
      );
    }
    const ticketId = sent.value;
    this.info(`deploying (ticket ${ticketId})`);
    const polled = await pollUntil(
      () => this.api.getDeployTicket(this.where, ticketId),
      (ticket) => ticket.ticketStatus !== 'EXECUTING',
      this.retry,
      this.retry.deadline,
    );
    if (!polled.ok) {
      if (polled.error.error)
        return err(this.apiFailed(polled.error.error, `Reading deploy ticket ${ticketId} failed`));
      return err(
        this.failed(
          Code.Timeout,
          `Deploy ticket ${ticketId} was still running when timeout-minutes ran out; the job was not touched`,
        ),
      );
    }
    const ticket = polled.value.value;
    if (ticket.ticketStatus === 'FINISHED' && ticket.success !== false && ticket.deploymentId) {
      this.report.deploymentId = ticket.deploymentId;
      this.info(`deployed (deployment ${ticket.deploymentId})`);
      return ok(ticket.deploymentId);
    }
    const validation = ticket.validation;
    const said =
      [ticket.message, validation?.message].filter(Boolean).join(': ') ||
      'the server gave no message';
    const extra: Partial<DraftResult> = {};
    if (validation?.span || validation?.result) {
      const check: SqlCheck = { verdict: 'invalid', result: validation.result };
      if (draft.engineVersion) check.engineVersion = draft.engineVersion;
      const span = validation.span && placeSpan(text, validation.span);
      if (span) check.span = span;
      extra.sqlCheck = check;
    }
    return err(
      this.failed(
        Code.DeployFailed,
        `Deploy ticket ${ticketId} failed: ${said}; the job was not touched`,
        polled.value.requestId,
        extra,
      ),
    );
  }

  /** Writes the draft again with `change`, safe to retry. */
  async rewrite(
    change: (draft: DeploymentDraft) => DeploymentDraft,
    landed: (now: DeploymentDraft) => boolean,
    what: string,
  ): Promise<Result<DeploymentDraft, Stop>> {
    const got = await withRetry(() => this.api.getDraft(this.ref), this.retry);
    if (!got.ok) return err(this.apiFailed(got.error, `${what}: reading the draft failed`));
    const put = await writeDraft(
      this.api,
      this.ref,
      got.value,
      change(got.value),
      landed,
      this.retry,
    );
    if (!put.ok) return err(this.apiFailed(put.error, what));
    return ok(put.value);
  }

  async restart(running: Job): Promise<DraftResult> {
    const { clock, deadline } = this.retry;
    if (deadline - clock.now() < this.options.waitMs) {
      return this.failed(
        Code.Timeout,
        `Not enough of timeout-minutes is left to wait wait-minutes for a restart; job ${running.jobId} keeps running its old version`,
      );
    }
    const marker = formatMarker({ commit: this.options.commit, jobId: running.jobId });
    const marked = await this.rewrite(
      (draft) => ({
        ...editableFields(draft),
        labels: { ...draft.labels, [RESTART_LABEL]: marker },
      }),
      (now) => now.labels?.[RESTART_LABEL] === marker,
      'Marking the draft before the restart failed',
    );
    if (!marked.ok) return marked.error;

    const before = await this.savepointsOf(running);
    if (!before.ok) return before.error;
    const known = new Set(before.value.map((s) => s.savepointId));
    this.info(`stopping job ${running.jobId} with a savepoint`);
    const stop = await withRetry(async (attempt) => {
      if (attempt > 0) {
        // The stop may have landed with its answer lost: a job already stopping is not asked twice.
        const now = await this.api.getJob(this.where, running.jobId);
        if (now.ok && now.value.state !== 'RUNNING') return now;
      }
      return this.api.stopJob(this.where, running.jobId, 'STOP_WITH_SAVEPOINT');
    }, this.retry);
    if (!stop.ok) {
      return this.apiFailed(
        stop.error,
        `Stopping job ${running.jobId} failed; it keeps running its old version`,
      );
    }
    return this.finishStop(running, known);
  }

  /** Waits for `running` to stop, finds the savepoint its stop took, and starts the new version from it. */
  async finishStop(running: Job, known: ReadonlySet<string>): Promise<DraftResult> {
    const { clock, deadline } = this.retry;
    let savepointFailure: Savepoint | undefined;
    const stopped = await pollUntil(
      () => this.api.getJob(this.where, running.jobId),
      async (job) => {
        if (isFinalJobState(job.state)) return true;
        if (job.state !== 'RUNNING') return false;
        // Back to RUNNING: the savepoint may have failed, which Flink answers by keeping the job.
        const listed = await this.savepointsOf(running);
        savepointFailure = listed.ok
          ? listed.value.find((s) => !known.has(s.savepointId) && s.state === 'FAILED')
          : undefined;
        return savepointFailure !== undefined;
      },
      this.retry,
      Math.min(deadline, clock.now() + this.options.waitMs),
    );
    if (savepointFailure) {
      return this.failed(
        Code.SavepointFailed,
        `Stopping job ${running.jobId} could not take a savepoint (${savepointFailure.failure ?? 'no reason given'}); it keeps running its old version and was not restarted`,
      );
    }
    if (!stopped.ok) {
      const state = stopped.error.last?.state ?? 'unknown';
      if (stopped.error.error)
        return this.apiFailed(
          stopped.error.error,
          `Reading job ${running.jobId} while it stopped failed`,
        );
      return this.failed(
        Code.Timeout,
        `Job ${running.jobId} was still ${state} when the wait ran out; re-run to finish the restart`,
      );
    }
    const job = stopped.value.value;
    if (job.state !== 'CANCELLED') {
      return this.failed(
        Code.SavepointFailed,
        `Job ${running.jobId} ended ${job.state} while it stopped${job.failure?.message ? ` (${job.failure.message})` : ''}; nothing was started, so that no state is lost`,
      );
    }
    const savepoint = await this.stopSavepoint(running, known);
    if (!savepoint.ok) return savepoint.error;
    this.info(`job ${running.jobId} stopped with savepoint ${savepoint.value.savepointId}`);
    return this.startNew(running, savepoint.value);
  }

  /** Starts the deployment's new version from the savepoint `stopped` took, and waits for it. */
  async startNew(stopped: Job, savepoint: Savepoint): Promise<DraftResult> {
    this.report.stoppedJobId = stopped.jobId;
    this.report.savepointId = savepoint.savepointId;
    const started = await this.start(stopped, { kind: 'LATEST_SAVEPOINT' });
    if (!started.ok) return started.error;
    this.report.restore = { kind: 'LATEST_SAVEPOINT', reason: RESTORE_REASON };
    return this.waitRunning(started.value, stopped, savepoint);
  }

  /** StartJobWithParams, safe to retry: a job already started since `after` is the one asked for. */
  async start(
    after: Job,
    restore: { kind: RestoreKind; savepointId?: string },
  ): Promise<Result<Job, Stop>> {
    const deploymentId = this.report.deploymentId ?? after.deploymentId ?? '';
    const got = await withRetry(async (attempt) => {
      if (attempt > 0) {
        const jobs = await this.api.listJobs(this.where, deploymentId, {
          pageIndex: 1,
          pageSize: PAGE_SIZE,
        });
        const since = jobs.ok
          ? jobs.value.items.filter(
              (j) => (j.createdAt ?? 0) > (after.createdAt ?? 0) && j.jobId !== after.jobId,
            )
          : [];
        const mine = since.find((j) => !isFinalJobState(j.state)) ?? since[0];
        if (mine)
          return {
            ok: true as const,
            value: mine,
            requestId: jobs.ok ? jobs.requestId : undefined,
          };
      }
      return this.api.startJob(this.where, { deploymentId, restoreStrategy: restore });
    }, this.retry);
    if (!got.ok) {
      return err(
        this.apiFailed(
          got.error,
          `Starting deployment ${deploymentId} from savepoint ${this.report.savepointId ?? ''} failed; it is stopped, and its state is in that savepoint`,
        ),
      );
    }
    this.report.jobId = got.value.jobId;
    this.info(`started job ${got.value.jobId} (${restore.kind})`);
    return ok(got.value);
  }

  async waitRunning(job: Job, stopped: Job, savepoint: Savepoint): Promise<DraftResult> {
    this.report.jobId = job.jobId;
    const polled = await this.awaitRunning(job);
    if (polled.kind === 'running') {
      this.info(`job ${job.jobId} is RUNNING`);
      return this.row('restarted');
    }
    if (polled.kind === 'error')
      return this.apiFailed(polled.error, `Reading job ${job.jobId} while it started failed`);
    return this.startFailed(polled.job, stopped, savepoint, polled.cause);
  }

  async awaitRunning(
    job: Job,
  ): Promise<
    | { kind: 'running' }
    | { kind: 'error'; error: ApiError }
    | { kind: 'not-running'; job: Job; cause: string }
  > {
    const { clock, deadline } = this.retry;
    const polled = await pollUntil(
      () => this.api.getJob(this.where, job.jobId),
      (now) => now.state === 'RUNNING' || isFinalJobState(now.state),
      this.retry,
      Math.min(deadline, clock.now() + this.options.waitMs),
    );
    if (polled.ok && polled.value.value.state === 'RUNNING') return { kind: 'running' };
    if (polled.ok)
      return { kind: 'not-running', job: polled.value.value, cause: causeOf(polled.value.value) };
    if (polled.error.error) return { kind: 'error', error: polled.error.error };
    const last = polled.error.last ?? job;
    return {
      kind: 'not-running',
      job: last,
      cause: `still ${last.state} when wait-minutes ran out`,
    };
  }

  /** The new version did not run: leave it stopped, or put the old version back from the same savepoint. */
  async startFailed(
    failed: Job,
    stopped: Job,
    savepoint: Savepoint,
    cause: string,
  ): Promise<DraftResult> {
    const sp = savepoint.savepointId;
    // The cause is the server's text: it goes to the row, which is scrubbed, not to the log.
    this.info(`job ${failed.jobId} did not reach RUNNING`);
    if (!isFinalJobState(failed.state)) {
      // Still starting: stopped without a savepoint, as it holds no state the old one lacks.
      const cancel = await withRetry(
        () => this.api.stopJob(this.where, failed.jobId, 'NONE'),
        this.retry,
      );
      if (!cancel.ok) {
        return this.failed(
          Code.StartFailed,
          `Job ${failed.jobId} did not reach RUNNING (${cause}) and could not be cancelled: ${cancel.error.message}. The state is in savepoint ${sp}`,
          cancel.error.requestId,
        );
      }
      const gone = await pollUntil(
        () => this.api.getJob(this.where, failed.jobId),
        (now) => isFinalJobState(now.state),
        this.retry,
        this.retry.deadline,
      );
      if (!gone.ok) {
        return this.failed(
          Code.StartFailed,
          `Job ${failed.jobId} did not reach RUNNING (${cause}) and did not stop; the state is in savepoint ${sp}`,
        );
      }
    }
    if (this.options.onStartFailure === 'leave') {
      return this.failed(
        Code.StartFailed,
        `Job ${failed.jobId} did not reach RUNNING: ${cause}. Left stopped (on-start-failure: leave); its state is in savepoint ${sp}: fix the SQL and push, or start it from that savepoint in the console`,
      );
    }
    return this.rollBack(failed, stopped, savepoint, cause);
  }

  async rollBack(
    failed: Job,
    stopped: Job,
    savepoint: Savepoint,
    cause: string,
  ): Promise<DraftResult> {
    const sp = savepoint.savepointId;
    const previous = scriptOf(stopped);
    const rollbackFailed = (why: string, requestId?: string): Stop =>
      this.failed(
        Code.RollbackFailed,
        `Job ${failed.jobId} did not reach RUNNING (${cause}), and the rollback failed: ${why}. The job is stopped; its state is in savepoint ${sp}`,
        requestId,
      );
    this.info(`rolling back to the script job ${stopped.jobId} ran`);
    // A rerun that resumes a failed start may not hold the lock yet: the rollback writes the draft.
    const current = await withRetry(() => this.api.getDraft(this.ref), this.retry);
    if (!current.ok) return rollbackFailed(`reading the draft failed: ${current.error.message}`);
    const lock = await this.ensureLock(current.value);
    if (!lock.ok) return rollbackFailed(lock.error.message ?? 'the draft is locked');
    const base = this.options.baseSha;
    const restored = await this.rewrite(
      (draft) => {
        const artifact = draft.artifact ?? { kind: 'SQLSCRIPT' };
        const labels: Record<string, string> = { ...draft.labels };
        // The draft holds the base commit's file again, as far as the action knows.
        if (base) labels[COMMIT_LABEL] = base;
        else delete labels[COMMIT_LABEL];
        return {
          ...editableFields(draft),
          artifact: { ...artifact, sqlArtifact: { ...artifact.sqlArtifact, sqlScript: previous } },
          labels,
        };
      },
      (now) => scriptOf(now) === previous,
      'Putting the previous script back into the draft failed',
    );
    if (!restored.ok)
      return rollbackFailed(restored.error.message ?? 'the draft could not be written');
    const deployed = await this.deploy(restored.value, previous);
    if (!deployed.ok) return rollbackFailed(deployed.error.message ?? 'the deploy failed');
    const started = await this.start(failed, { kind: 'FROM_SAVEPOINT', savepointId: sp });
    if (!started.ok) return rollbackFailed(started.error.message ?? 'the start failed');
    this.report.restore = {
      kind: 'FROM_SAVEPOINT',
      reason: `the savepoint job ${stopped.jobId} stopped with, which the failed start began from too`,
    };
    const running = await this.awaitRunning(started.value);
    if (running.kind !== 'running') {
      const why =
        running.kind === 'error'
          ? running.error.message
          : `job ${running.job.jobId}: ${running.cause}`;
      return rollbackFailed(`the previous version did not reach RUNNING either (${why})`);
    }
    return this.row('rolled-back', {
      code: Code.RolledBack,
      message: `Job ${failed.jobId} did not reach RUNNING: ${cause}. Rolled back: the draft holds the previous script again, deployed, and job ${started.value.jobId} runs it from savepoint ${sp}`,
    });
  }
}

function causeOf(job: Job): string {
  const said = [job.failure?.reason, job.failure?.message].filter(Boolean).join(': ');
  return `it ended ${job.state}${said ? ` (${said})` : ''}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Rolls each target out with at most `concurrency` in flight; rows come back in target order. */
export async function rollOut(
  targets: readonly RolloutTarget[],
  options: RolloutOptions,
  deps: RolloutDeps,
  concurrency: number,
): Promise<DraftResult[]> {
  const holders = new LockHolders();
  const rows: DraftResult[] = new Array(targets.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < targets.length) {
      const index = next++;
      const target = targets[index] as RolloutTarget;
      try {
        rows[index] = await new RolloutRun(target, options, deps, holders).run();
      } catch (error) {
        rows[index] = {
          ...target.row,
          status: options.mode === 'plan' ? 'would-fail' : 'failed',
          code: Code.InternalError,
          message: error instanceof Error ? error.message : String(error),
        };
      }
      deps.settled?.(rows[index] as DraftResult);
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(concurrency, targets.length)) }, worker),
  );
  return rows;
}
