// One row per manifest entry that the run looked at. Results are values, never exceptions.

export type ApplyStatus =
  | 'created'
  | 'updated'
  | 'deployed'
  | 'restarted'
  | 'unchanged'
  | 'skipped'
  | 'rolled-back'
  | 'orphaned'
  | 'deleted'
  | 'failed';
export type PlanStatus =
  | 'would-create'
  | 'would-update'
  | 'would-deploy'
  | 'unchanged'
  | 'would-fail'
  | 'skipped'
  | 'orphaned'
  | 'would-delete';
export type DraftStatus = ApplyStatus | PlanStatus;

export interface DraftResult {
  file: string;
  draftId: string;
  draftName?: string;
  workspace: string;
  namespace: string;
  status: DraftStatus;
  /** API `errorCode` / gateway `Code`, or one of the action's own codes (see `codes.ts`). */
  code?: string;
  message?: string;
  requestId?: string;
  /** Plan mode: unified diff of the draft's current SQL against the file. */
  diff?: string;
  /** Set when the draft was edited outside git since the last sync. */
  drift?: boolean;
  /** The server's check of the new script (input `validate`), when it applies to this row. */
  sqlCheck?: SqlCheck;
  /** What the run did (or, planning, would do) to the draft's deployment and job (input `deploy`). */
  rollout?: RolloutReport;
}

/** The deploy and restart of one draft, as the row reports them. */
export interface RolloutReport {
  /** What the sync did to the draft before its deploy. */
  draft?: 'created' | 'updated' | 'unchanged' | 'would-update';
  /** Plan mode: what the merge will do, in one sentence. */
  plan?: string;
  deploymentId?: string;
  /** The job that runs the draft now (the new one, after a restart). */
  jobId?: string;
  /** The job stopped for the restart. */
  stoppedJobId?: string;
  /** The savepoint the stop took: the state a restart or a rollback starts from. */
  savepointId?: string;
  /** How the new job was started, and why that way. */
  restore?: { kind: string; reason: string };
}

/** A span of a .sql file: 1-based lines, and columns in the characters a reviewer sees. */
export interface TextSpan {
  line: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
}

export interface SqlCheck {
  /**
   * `valid`, `invalid`, `unknown` (a result the action does not know: a warning), or `not-run`
   * (`reason` says why: no credentials, say).
   */
  verdict: 'valid' | 'invalid' | 'unknown' | 'not-run';
  /** The server's `validationResult`, e.g. VALIDATION_RESULT_VALID_INSERT_QUERY. */
  result?: string;
  /** The engine version the script was checked against; absent when the draft names none. */
  engineVersion?: string;
  /** Where the error is; absent when the server named no place inside the file. */
  span?: TextSpan;
  reason?: string;
}

/** A failed row, in either mode. */
export function isFailed(result: Pick<DraftResult, 'status'>): boolean {
  return (
    result.status === 'failed' || result.status === 'would-fail' || result.status === 'rolled-back'
  );
}

export function failedCount(results: readonly DraftResult[]): number {
  return results.filter(isFailed).length;
}

/** How far a run is: each draft synced, then each deployed, as it ends. */
export interface Progress {
  phase: 'sync' | 'deploy';
  done: number;
  total: number;
  failed: number;
}
