// One row per manifest entry that the run looked at. Results are values, never exceptions.

export type ApplyStatus = 'updated' | 'unchanged' | 'skipped' | 'failed';
export type PlanStatus = 'would-update' | 'unchanged' | 'would-fail' | 'skipped';
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
  return result.status === 'failed' || result.status === 'would-fail';
}

export function failedCount(results: readonly DraftResult[]): number {
  return results.filter(isFailed).length;
}
