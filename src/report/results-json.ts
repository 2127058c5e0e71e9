// The `results` array as both shells print it (the Action's output, the CLI's --format json): one
// object per draft, every field present, null when empty. Pure.
import type { DraftResult } from '../results.js';

export interface ResultRecord {
  file: string;
  draftId: string;
  draftName: string | null;
  workspace: string;
  namespace: string;
  status: DraftResult['status'];
  code: string | null;
  message: string | null;
  requestId: string | null;
  /** The server's verdict on the SQL (input `validate`), with the place of an error. */
  sqlCheck: DraftResult['sqlCheck'] | null;
  rollout: DraftResult['rollout'] | null;
}

export function resultRecords(results: readonly DraftResult[]): ResultRecord[] {
  return results.map((r) => ({
    file: r.file,
    draftId: r.draftId,
    draftName: r.draftName ?? null,
    workspace: r.workspace,
    namespace: r.namespace,
    status: r.status,
    code: r.code ?? null,
    message: r.message ?? null,
    requestId: r.requestId ?? null,
    sqlCheck: r.sqlCheck ?? null,
    rollout: r.rollout ?? null,
  }));
}
