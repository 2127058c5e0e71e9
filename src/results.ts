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
}

/** A failed row, in either mode. */
export function isFailed(result: Pick<DraftResult, 'status'>): boolean {
  return result.status === 'failed' || result.status === 'would-fail';
}

export function failedCount(results: readonly DraftResult[]): number {
  return results.filter(isFailed).length;
}
