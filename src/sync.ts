// Applies (or plans) the sync of each planned entry to its draft. Every entry ends as exactly one
// result row: failures are values, and one draft's failure never stops the others.
import type { ApiError, ApiResult } from './api-error.js';
import { Code, COMMIT_LABEL } from './codes.js';
import { unifiedDiff } from './diff.js';
import { errorMessage } from './error-message.js';
import type { DeploymentDraft, DraftRef } from './draft.js';
import type { PlanItem } from './plan.js';
import type { DraftResult, DraftStatus } from './results.js';
import { withRetry, type RetryContext } from './retry.js';
import { decodeSql, type SqlFile } from './workspace-files.js';

export interface DraftApi {
  getDraft(ref: DraftRef): Promise<ApiResult<DeploymentDraft>>;
  updateDraft(ref: DraftRef, draft: DeploymentDraft): Promise<ApiResult<DeploymentDraft>>;
}

export type OnDrift = 'fail' | 'warn' | 'overwrite';

export interface SyncOptions {
  mode: 'plan' | 'apply';
  onDrift: OnDrift;
  /** The commit being synced; recorded in the draft's commit label. */
  commitSha: string;
  /** The diff's base: a draft equal to the file there matches git history, so it is not drift. */
  baseSha?: string;
  concurrency: number;
}

export interface SyncDeps {
  /** Absent when there are no credentials: plan mode then checks the local files only. */
  api?: DraftApi;
  readSql(file: string): SqlFile;
  /** Undefined when the commit has no such file; throws when the commit is not in the checkout. */
  fileAtCommit(sha: string, file: string): Promise<Uint8Array | undefined>;
  retry: RetryContext;
  warn(message: string): void;
  /** Whether `ancestor` is in `descendant`'s history; undefined when git cannot tell. */
  isAncestor?(ancestor: string, descendant: string): Promise<boolean | undefined>;
  /**
   * Apply mode: drafts read by a listing, which may still be under way (a take then waits for its
   * page). Any draft it does not hand out is read by GET.
   */
  listed?: { take(ref: DraftRef): DraftRead | undefined | Promise<DraftRead | undefined> };
}

/** A draft as read: by GET, or from a listing that keeps only a digest of the script. */
export interface DraftRead {
  /** The whole draft; a listed one has no `sqlScript`, which the update replaces anyway. */
  draft: DeploymentDraft;
  requestId?: string;
  /** Whether the draft's script is exactly `text`. */
  scriptEquals(text: string): boolean;
}

type Outcome = Pick<DraftResult, 'status' | 'code' | 'message' | 'requestId' | 'diff' | 'drift'> & {
  draftName?: string;
};

export function sqlScriptOf(draft: DeploymentDraft): string {
  return draft.artifact?.sqlArtifact?.sqlScript ?? '';
}

/** The whole draft as read, with only the script and the commit label changed. */
export function withScript(
  draft: DeploymentDraft,
  sqlScript: string,
  commitSha: string,
): DeploymentDraft {
  const artifact = draft.artifact ?? { kind: 'SQLSCRIPT' };
  return {
    ...draft,
    artifact: { ...artifact, sqlArtifact: { ...artifact.sqlArtifact, sqlScript } },
    labels: { ...draft.labels, [COMMIT_LABEL]: commitSha },
  };
}

/** The commit recorded on the draft by its last sync, when the label holds a full SHA. */
function recordedCommit(draft: DeploymentDraft): string | undefined {
  const recorded = draft.labels?.[COMMIT_LABEL];
  return recorded && /^[0-9a-f]{40}$/.test(recorded) ? recorded : undefined;
}

function shortSha(sha: string): string {
  return sha.slice(0, 7);
}

function failure(
  mode: SyncOptions['mode'],
  code: string,
  message: string,
  requestId?: string,
): Outcome {
  return { status: mode === 'plan' ? 'would-fail' : 'failed', code, message, requestId };
}

function apiFailure(mode: SyncOptions['mode'], error: ApiError, draft?: DeploymentDraft): Outcome {
  const holder = draft?.lock?.holderName;
  const message =
    holder && !error.message.includes(holder)
      ? `${error.message} (the draft is locked by ${holder})`
      : error.message;
  return failure(mode, error.code, message, error.requestId);
}

/**
 * A transient failure returned with retries still left was cut short by the time budget: report it
 * as the budget running out, keeping the last error for the reader.
 */
function withinBudget(error: ApiError, attempts: number, retry: RetryContext): ApiError {
  if (!error.transient || attempts > Math.floor(retry.policy.maxRetries)) return error;
  return {
    ...error,
    code: Code.Timeout,
    message: `The time budget (timeout-minutes) ran out while retrying; last error ${error.code}: ${error.message}`,
    transient: false,
    throttled: false,
  };
}

class DriftCheck {
  constructor(
    private readonly deps: SyncDeps,
    private readonly options: SyncOptions,
  ) {}

  /** True when the draft's script differs from the file at the commit the draft was last synced from. */
  async drifted(file: string, read: DraftRead): Promise<boolean> {
    const { draft } = read;
    if (this.options.onDrift === 'overwrite' || !draft.labels?.[COMMIT_LABEL]) return false;
    const recorded = recordedCommit(draft);
    if (!recorded) {
      this.deps.warn(`${file}: draft label ${COMMIT_LABEL} is not a commit SHA; drift not checked`);
      return false;
    }
    let bytes: Uint8Array | undefined;
    try {
      bytes = await this.deps.fileAtCommit(recorded, file);
    } catch {
      // A shallow checkout, or a commit that a force push dropped: nothing to compare against.
      this.deps.warn(
        `${file}: commit ${shortSha(recorded)} recorded on the draft is not in the checkout ` +
          `(use fetch-depth: 0); drift not checked`,
      );
      return false;
    }
    if (!bytes) {
      this.deps.warn(
        `${file}: the file did not exist at commit ${shortSha(recorded)} recorded on the draft; ` +
          'drift not checked',
      );
      return false;
    }
    const before = decodeSql(file, bytes);
    if (before.ok && read.scriptEquals(before.text)) return false;
    // An `unchanged` result does not refresh the label, so a draft that already held a later
    // commit's text (say, tried out in the console and then committed) is still git's text.
    return !(await this.matchesBase(file, read, recorded));
  }

  private async matchesBase(file: string, read: DraftRead, recorded: string): Promise<boolean> {
    const base = this.options.baseSha;
    if (!base || base === recorded) return false;
    const bytes = await this.deps.fileAtCommit(base, file).catch(() => undefined);
    const text = bytes && decodeSql(file, bytes);
    return !!text && text.ok && read.scriptEquals(text.text);
  }

  /**
   * True when the draft was synced from a commit that descends from the one being synced: a re-run
   * of an older workflow run must not roll the draft back.
   */
  async isNewer(draft: DeploymentDraft): Promise<string | undefined> {
    const recorded = recordedCommit(draft);
    const head = this.options.commitSha;
    if (!recorded || recorded === head) return undefined;
    if (!this.deps.isAncestor) return undefined;
    return (await this.deps.isAncestor(head, recorded).catch(() => undefined))
      ? recorded
      : undefined;
  }
}

function readByGet(draft: DeploymentDraft, requestId?: string): DraftRead {
  return { draft, requestId, scriptEquals: (text) => sqlScriptOf(draft) === text };
}

/** The draft as a listing already gave it, or else as a GET reads it now. */
async function readDraft(
  api: DraftApi,
  ref: DraftRef,
  options: SyncOptions,
  deps: SyncDeps,
): Promise<ApiResult<DraftRead>> {
  // Plan mode shows a diff, so it needs the script's text: always a GET.
  const listed = options.mode === 'apply' ? await deps.listed?.take(ref) : undefined;
  if (listed) return { ok: true, value: listed };
  const got = await withRetry(() => api.getDraft(ref), deps.retry);
  if (!got.ok) return { ok: false, error: withinBudget(got.error, got.attempts, deps.retry) };
  return { ok: true, value: readByGet(got.value, got.requestId) };
}

async function syncOne(
  item: PlanItem,
  options: SyncOptions,
  deps: SyncDeps,
  drift: DriftCheck,
): Promise<Outcome> {
  const { mode } = options;
  const { file } = item.entry;
  if (item.deleted) {
    return {
      status: 'skipped',
      code: Code.FileDeleted,
      message: `${file} was deleted; the draft was left as it is`,
    };
  }
  const sql = deps.readSql(file);
  if (!sql.ok) return failure(mode, sql.code, sql.message);
  if (!deps.api) {
    return {
      status: 'skipped',
      code: Code.NoCredentials,
      message: 'File is valid; remote comparison skipped because no credentials are available',
    };
  }
  const api = deps.api;
  const ref: DraftRef = {
    workspace: item.entry.workspace,
    namespace: item.entry.namespace,
    draftId: item.entry.draftId,
  };

  const got = await readDraft(api, ref, options, deps);
  if (!got.ok) return apiFailure(mode, got.error);
  const read = got.value;
  const { draft, requestId } = read;
  const draftName = draft.name;
  const kind = draft.artifact?.kind;
  if (kind !== 'SQLSCRIPT') {
    return {
      ...failure(
        mode,
        Code.DraftNotSqlScript,
        `Draft is a ${kind ?? 'draft without an artifact'}, not a SQL draft; only SQLSCRIPT drafts hold SQL`,
        requestId,
      ),
      draftName,
    };
  }
  if (read.scriptEquals(sql.text)) {
    return { status: 'unchanged', requestId, draftName };
  }

  const newer = await drift.isNewer(draft);
  if (newer) {
    return {
      ...failure(
        mode,
        Code.DraftFromNewerCommit,
        `Draft was synced from commit ${shortSha(newer)}, which is newer than ` +
          `${shortSha(options.commitSha)}; an older run does not roll it back. Revert in git instead`,
        requestId,
      ),
      draftName,
    };
  }

  let drifted = false;
  if (await drift.drifted(file, read)) {
    const who = draft.modifierName ?? draft.modifier;
    const detail =
      `Draft was edited outside git since commit ${shortSha(draft.labels?.[COMMIT_LABEL] ?? '')}` +
      (who ? ` (last modified by ${who})` : '');
    if (options.onDrift === 'fail') {
      return {
        ...failure(
          mode,
          Code.DraftDrifted,
          `${detail}; left as it is. Bring the edit into git, or set on-drift: overwrite`,
          requestId,
        ),
        draftName,
        drift: true,
      };
    }
    deps.warn(`${file}: ${detail}; on-drift: warn, so it is overwritten`);
    drifted = true;
  }

  if (mode === 'plan') {
    const diff = unifiedDiff(sqlScriptOf(draft), sql.text, {
      oldLabel: `draft ${draftName ?? ref.draftId}`,
      newLabel: file,
    });
    return {
      status: 'would-update',
      requestId,
      draftName,
      diff: diff.text,
      drift: drifted,
    };
  }

  const desired = withScript(draft, sql.text, options.commitSha);
  const put = await withRetry(async (attempt): Promise<ApiResult<DeploymentDraft>> => {
    if (attempt > 0) {
      // The previous PATCH may have landed even though its answer was lost. Look before writing
      // again, so a retry never overwrites someone else's edit made in between.
      const now = await api.getDraft(ref);
      if (!now.ok) return now;
      if (sqlScriptOf(now.value) === sql.text) return now;
      if (now.value.modifiedAt !== draft.modifiedAt) {
        return {
          ok: false,
          error: {
            status: 0,
            code: Code.DraftChangedRemotely,
            message: `Draft changed remotely (modifiedAt ${draft.modifiedAt} → ${now.value.modifiedAt}) while it was being updated; left as it is`,
            requestId: now.requestId,
            transient: false,
            throttled: false,
          },
        };
      }
    }
    return api.updateDraft(ref, desired);
  }, deps.retry);
  if (!put.ok) {
    const error = withinBudget(put.error, put.attempts, deps.retry);
    return { ...apiFailure(mode, error, draft), draftName, drift: drifted };
  }
  if (put.value.labels?.[COMMIT_LABEL] === undefined) {
    deps.warn(
      `${file}: the API did not keep the ${COMMIT_LABEL} label; drift detection is unavailable`,
    );
  }
  return { status: 'updated', requestId: put.requestId, draftName, drift: drifted };
}

function timedOut(mode: SyncOptions['mode']): Outcome {
  return failure(
    mode,
    Code.Timeout,
    'The time budget (timeout-minutes) ran out before this draft was synced',
  );
}

/** Syncs every item with at most `concurrency` in flight. Results come back in plan order. */
export async function syncDrafts(
  items: readonly PlanItem[],
  options: SyncOptions,
  deps: SyncDeps,
): Promise<DraftResult[]> {
  const drift = new DriftCheck(deps, options);
  const outcomes: Outcome[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      const item = items[index] as PlanItem;
      if (deps.retry.clock.now() >= deps.retry.deadline && !item.deleted) {
        outcomes[index] = timedOut(options.mode);
        continue;
      }
      try {
        outcomes[index] = await syncOne(item, options, deps, drift);
      } catch (error) {
        // Defensive: an unexpected throw still becomes this draft's row, never the whole run's end.
        outcomes[index] = failure(options.mode, 'InternalError', errorMessage(error));
      }
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency, items.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return items.map((item, index) => {
    const outcome = outcomes[index] as Outcome;
    const status: DraftStatus = outcome.status;
    return {
      file: item.entry.file,
      draftId: item.entry.draftId,
      draftName: outcome.draftName,
      workspace: item.entry.workspace,
      namespace: item.entry.namespace,
      ...outcome,
      status,
    };
  });
}
