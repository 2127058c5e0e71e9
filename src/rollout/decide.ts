// What a rollout does to one draft's deployment and job, decided from what the server shows:
// whether to deploy, and whether to stop the running job with a savepoint and start the new version
// from it. A run killed half-way leaves a marker on the draft (see RESTART_LABEL), so that a rerun
// of the same commit finishes the restart it began, and never restarts a job already on the new
// version. Pure: no I/O.
import { scriptOf, isFinalJobState, type Deployment, type Job } from '../ververica/deployment.js';
import type { Restart } from '../settings.js';

/**
 * Label written on the draft just before the action stops a job to restart it: `<commit>:<jobId>`.
 * A rerun of that commit that finds the job stopped, and nothing running since, starts it again
 * from the savepoint the stop took, instead of leaving it stopped.
 */
export const RESTART_LABEL = 'flink-draft-sync/restart';

export interface RestartMarker {
  commit: string;
  jobId: string;
}

export function formatMarker(marker: RestartMarker): string {
  return `${marker.commit}:${marker.jobId}`;
}

export function parseMarker(value: unknown): RestartMarker | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^([0-9a-f]{40}):(\S+)$/.exec(value);
  return match ? { commit: match[1] as string, jobId: match[2] as string } : undefined;
}

export interface RolloutFacts {
  /** The file's script: what the deployment and its job should end up running. */
  text: string;
  /** The draft's deployment; undefined when it was never deployed. */
  deployment?: Deployment;
  /** The deployment's jobs, in any order. */
  jobs: readonly Job[];
  marker?: RestartMarker;
  /** The commit being rolled out. */
  commit: string;
  restart: Restart;
}

export type JobStep =
  /** Nothing to do to the job; `why` says so in a sentence ('' when there is no job at all). */
  | { kind: 'none'; why: string }
  /** Stop `running` with a savepoint, then start the new version from it. */
  | { kind: 'restart'; running: Job }
  /** An earlier run of this commit asked `stopping` to stop with a savepoint and was cut off. */
  | { kind: 'resume-stop'; stopping: Job }
  /** An earlier run of this commit stopped `stopped` and was cut off before starting again. */
  | { kind: 'resume-start'; stopped: Job }
  /** An earlier run started `starting` (after stopping `stopped`) and was cut off while it started. */
  | { kind: 'resume-wait'; stopped: Job; starting: Job }
  /** An earlier run's new job `failed` never ran, and nothing was rolled back. */
  | { kind: 'resume-failed'; stopped: Job; failed: Job }
  /** A job is starting or stopping by someone else's hand: left alone. */
  | { kind: 'busy'; job: Job };

export interface RolloutDecision {
  deploy: boolean;
  job: JobStep;
}

const ACTIVE = new Set(['STARTING', 'RUNNING', 'CANCELLING']);

/** Newest first: by the server's creation time, then by the order the list gave. */
function newestFirst(jobs: readonly Job[]): Job[] {
  return jobs
    .map((job, index) => ({ job, index }))
    .sort((a, b) => (b.job.createdAt ?? 0) - (a.job.createdAt ?? 0) || b.index - a.index)
    .map(({ job }) => job);
}

export function decideRollout(facts: RolloutFacts): RolloutDecision {
  const { text, deployment } = facts;
  const deploy = deployment === undefined || scriptOf(deployment) !== text;
  return { deploy, job: jobStep(facts) };
}

function jobStep(facts: RolloutFacts): JobStep {
  const { text } = facts;
  const jobs = newestFirst(facts.jobs);
  const active = jobs.find((job) => ACTIVE.has(job.state));
  if (facts.restart === 'never') {
    if (active?.state === 'RUNNING' && scriptOf(active) !== text) {
      return {
        kind: 'none',
        why: `job ${active.jobId} keeps running its old version until it is restarted (restart: never)`,
      };
    }
    return { kind: 'none', why: active ? `job ${active.jobId} is ${active.state}` : '' };
  }
  const marked =
    facts.marker && facts.marker.commit === facts.commit
      ? jobs.find((job) => job.jobId === facts.marker?.jobId)
      : undefined;
  const stopped = marked?.state === 'CANCELLED' ? marked : undefined;
  if (marked && marked === active && marked.state === 'CANCELLING') {
    return { kind: 'resume-stop', stopping: marked };
  }
  const since = stopped ? jobs.slice(0, jobs.indexOf(stopped)) : [];
  if (active) {
    if (active.state === 'RUNNING') {
      return scriptOf(active) === text
        ? { kind: 'none', why: `job ${active.jobId} already runs this script` }
        : { kind: 'restart', running: active };
    }
    if (
      active.state === 'STARTING' &&
      stopped &&
      since.includes(active) &&
      scriptOf(active) === text
    ) {
      return { kind: 'resume-wait', stopped, starting: active };
    }
    return { kind: 'busy', job: active };
  }
  if (stopped) {
    const newest = since[0];
    if (!newest) return { kind: 'resume-start', stopped };
    if (isFinalJobState(newest.state) && scriptOf(newest) === text && newest.state !== 'FINISHED') {
      return { kind: 'resume-failed', stopped, failed: newest };
    }
  }
  return { kind: 'none', why: 'no job is running, so none is started (restart: if-running)' };
}

/** What the merge will do, in one sentence for a reviewer (plan mode). */
export function describeDecision(decision: RolloutDecision): string {
  const { deploy, job } = decision;
  const deployPart = deploy ? 'deploy the new script' : '';
  switch (job.kind) {
    case 'restart':
      return `${deploy ? 'deploy the new script, then ' : ''}stop job ${job.running.jobId} with a savepoint and start the new version from it`;
    case 'resume-stop':
      return `wait for job ${job.stopping.jobId}, which an earlier run is stopping with a savepoint, then start the new version from it`;
    case 'resume-start':
      return `${deploy ? 'deploy, then ' : ''}start the new version from the savepoint of job ${job.stopped.jobId}, which an earlier run stopped`;
    case 'resume-wait':
      return `wait for job ${job.starting.jobId}, which an earlier run started, to reach RUNNING`;
    case 'resume-failed':
      return `job ${job.failed.jobId} of an earlier run did not start: roll back or start again per on-start-failure`;
    case 'busy':
      return `nothing: job ${job.job.jobId} is ${job.job.state}, so it is left alone`;
    case 'none':
      if (!deploy)
        return job.why
          ? `nothing to deploy; ${job.why}`
          : 'nothing: the deployment already holds this script';
      return job.why ? `${deployPart} only; ${job.why}` : `${deployPart} only`;
  }
}
