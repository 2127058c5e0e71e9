// Applies (or plans) the sync of each planned entry to its draft. Every entry ends as exactly one
// result row: failures are values, and one draft's failure never stops the others.
import type { ApiError, ApiResult } from '../ververica/errors.js';
import { Code, COMMIT_LABEL, REPOSITORY_LABEL } from '../codes.js';
import { unifiedDiff } from '../diff/diff.js';
import { errorMessage } from '../runtime/error-message.js';
import type { DraftApi } from '../ververica/draft-api.js';
import {
  editableFields,
  type DeploymentDraft,
  type DraftRead,
  type DraftRef,
} from '../ververica/draft.js';
import type { OnDrift, Validate } from '../settings.js';
import { holderOf, isLockConflict, LOCK_HOLDER_LABEL, LockHolders } from './lock.js';
import type { PlanItem } from './plan.js';
import type { DraftResult, DraftStatus } from '../results.js';
import { err, ok, type Result } from '../runtime/result.js';
import { withRetry, type RetryContext } from '../runtime/retry.js';
import { checksSqlIn, sqlInvalidMessage, validateScript } from './validate.js';
import { takeLock } from './take-lock.js';
import { writeDraft } from './write.js';
import { decodeSql, type SqlFile } from '../checkout/files.js';
import { shortSha } from '../checkout/commit-sha.js';
import type { DeclaredFields } from '../manifest/manifest.js';
import { declaredChanges, driftedFields, withDeclared, type FieldChange } from './declared.js';

/**
 * A write is never based on a read older than this: an older one (a listing read early in a long
 * run, or a read made before a slow lock call) is made again just before the write, so that the
 * newer-commit guard, drift and the lock are judged on what the draft holds now.
 */
export const MAX_READ_AGE_MS = 2000;

export interface SyncOptions {
  mode: 'plan' | 'apply';
  onDrift: OnDrift;
  /** The commit being synced; recorded in the draft's commit label. */
  commitSha: string;
  /** The diff's base: a draft equal to the file there matches git history, so it is not drift. */
  baseSha?: string;
  /** Recorded in the draft's repository label on each write (orphan detection). */
  repositoryId?: string;
  concurrency: number;
  /**
   * The server's SQL check of each script that would be written: in plan mode (`plan`), also
   * before each write in apply mode (`always`), or not at all (`never`, the default here).
   */
  validate?: Validate;
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
  /** Called with each draft's row as it is settled. */
  settled?(row: DraftResult): void;
}

type Outcome = Pick<
  DraftResult,
  'status' | 'code' | 'message' | 'requestId' | 'diff' | 'drift' | 'sqlCheck'
> & {
  draftName?: string;
};

export function sqlScriptOf(draft: DeploymentDraft): string {
  return draft.artifact?.sqlArtifact?.sqlScript ?? '';
}

/**
 * The draft's editable fields as read, with only the script and the action's labels changed:
 * the commit synced, the holder of the lock the write was made under, and the repository.
 */
export function withScript(
  draft: DeploymentDraft,
  sqlScript: string,
  commitSha: string,
  lockHolderId?: string,
  repositoryId?: string,
): DeploymentDraft {
  const artifact = draft.artifact ?? { kind: 'SQLSCRIPT' };
  const labels: Record<string, string> = { ...draft.labels, [COMMIT_LABEL]: commitSha };
  if (lockHolderId !== undefined) labels[LOCK_HOLDER_LABEL] = lockHolderId;
  if (repositoryId !== undefined) labels[REPOSITORY_LABEL] = repositoryId;
  return {
    ...editableFields(draft),
    artifact: { ...artifact, sqlArtifact: { ...artifact.sqlArtifact, sqlScript } },
    labels,
  };
}

/** The commit recorded on the draft by its last sync, when the label holds a full SHA. */
function recordedCommit(draft: DeploymentDraft): string | undefined {
  const recorded = draft.labels?.[COMMIT_LABEL];
  return recorded && /^[0-9a-f]{40}$/.test(recorded) ? recorded : undefined;
}

/** `JAR draft`, `CDCYAML draft`: the kind as the API names it, whichever it is. */
function kindName(kind: string | undefined): string {
  return kind === undefined ? 'draft without an artifact' : `${kind} draft`;
}

function failure(
  mode: SyncOptions['mode'],
  code: string,
  message: string,
  requestId?: string,
): Outcome {
  return { status: mode === 'plan' ? 'would-fail' : 'failed', code, message, requestId };
}

function checksSql(options: SyncOptions): boolean {
  return checksSqlIn(options.validate, options.mode);
}

function sqlInvalid(mode: SyncOptions['mode'], message: string, requestId?: string): Outcome {
  return failure(mode, Code.SqlInvalid, sqlInvalidMessage(message), requestId);
}

function apiFailure(mode: SyncOptions['mode'], error: ApiError, draft?: DeploymentDraft): Outcome {
  if (isLockConflict(error.code)) {
    return lockedOutcome(mode, holderOf(draft?.lock), error.message, error.requestId);
  }
  const holder = draft?.lock?.holderName;
  const message =
    holder && !error.message.includes(holder)
      ? `${error.message} (the draft is locked by ${holder})`
      : error.message;
  return failure(mode, error.code, message, error.requestId);
}

/** Another holder has the draft's edit lock: reported, never taken from them. */
function lockedOutcome(
  mode: SyncOptions['mode'],
  holder: string,
  detail?: string,
  requestId?: string,
): Outcome {
  const said = detail ? ` (${detail})` : '';
  return failure(
    mode,
    Code.DraftLocked,
    `Draft is locked for editing by ${holder}${said}; left as it is. The action never takes a ` +
      'lock from anyone: ask them to finish and unlock it in the console, then re-run',
    requestId,
  );
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
    if (before.ok && read.scriptEquals(before.value.text)) return false;
    // An `unchanged` result does not refresh the label, so a draft that already held a later
    // commit's text (say, tried out in the console and then committed) is still git's text.
    return !(await this.matchesBase(file, read, recorded));
  }

  private async matchesBase(file: string, read: DraftRead, recorded: string): Promise<boolean> {
    const base = this.options.baseSha;
    if (!base || base === recorded) return false;
    const bytes = await this.deps.fileAtCommit(base, file).catch(() => undefined);
    const text = bytes && decodeSql(file, bytes);
    return !!text && text.ok && read.scriptEquals(text.value.text);
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

/** What one read of a draft means for its file: a final outcome, or a write to make. */
type Decision =
  | { kind: 'done'; outcome: Outcome }
  | { kind: 'defer' }
  | {
      kind: 'write';
      draftName?: string;
      drifted: boolean;
      driftNote?: string;
      /** The declared fields the write sets. */
      fields: FieldChange[];
    };

/** The lock held for the write (the holder ID the API granted, when it said), or the draft's row. */
type LockTaken = Result<string | undefined, Outcome>;

/** A draft put off to the end of the run (see Decisions.decide). */
const DEFER = Symbol('defer');

/** The run-wide state each draft's decisions read: drift rules, and whose locks are whose. */
class Decisions {
  readonly holders = new LockHolders();
  /** True in the run's first pass, when a draft may still be put off to the end. */
  deferring = true;
  /** The reads of the drafts put off. */
  readonly deferred = new Map<PlanItem, DraftRead>();
  readonly #drift: DriftCheck;

  constructor(
    private readonly deps: SyncDeps,
    private readonly options: SyncOptions,
  ) {
    this.#drift = new DriftCheck(deps, options);
  }

  /**
   * Judges a read of the draft against the file's text (and the fields the entry declares), in
   * the order the README gives.
   */
  async decide(
    file: string,
    read: DraftRead,
    text: string,
    declared: { now?: DeclaredFields; before?: DeclaredFields } = {},
  ): Promise<Decision> {
    const { mode } = this.options;
    const { draft, requestId } = read;
    const draftName = draft.name;
    const done = (outcome: Outcome): Decision => ({
      kind: 'done',
      outcome: { ...outcome, draftName },
    });
    const kind = draft.artifact?.kind;
    if (kind !== 'SQLSCRIPT') {
      return done(
        failure(
          mode,
          Code.DraftNotSqlScript,
          `Draft is a ${kindName(kind)}, not a SQL draft; only SQLSCRIPT drafts hold SQL`,
          requestId,
        ),
      );
    }
    const fields = declaredChanges(draft, declared.now);
    if (read.scriptEquals(text) && fields.length === 0) {
      return done({ status: 'unchanged', requestId });
    }

    const newer = await this.#drift.isNewer(draft);
    if (newer) {
      return done(
        failure(
          mode,
          Code.DraftFromNewerCommit,
          `Draft was synced from commit ${shortSha(newer)}, which is newer than ` +
            `${shortSha(this.options.commitSha)}; an older run does not roll it back. Revert in git instead`,
          requestId,
        ),
      );
    }

    let driftNote: string | undefined;
    const scriptDrifted = !read.scriptEquals(text) && (await this.#drift.drifted(file, read));
    const fieldsDrifted = driftedFields(draft, declared.now, declared.before);
    if (scriptDrifted || fieldsDrifted.length > 0) {
      const who = draft.modifierName ?? draft.modifier;
      // The script alone reads as it always has; drifted fields are named.
      const what =
        fieldsDrifted.length === 0
          ? ''
          : ': ' +
            [
              ...(scriptDrifted ? ['its script'] : []),
              ...fieldsDrifted.map((change) => `${change.field} (${change.from})`),
            ].join(', ');
      const since = draft.labels?.[COMMIT_LABEL];
      driftNote =
        `Draft was edited outside git${since ? ` since commit ${shortSha(since)}` : ''}${what}` +
        (who ? ` (last modified by ${who})` : '');
      if (this.options.onDrift === 'fail') {
        return done({
          ...failure(
            mode,
            Code.DraftDrifted,
            `${driftNote}; left as it is. Bring the edit into git, or set on-drift: overwrite`,
            requestId,
          ),
          drift: true,
        });
      }
    }

    const lock = this.holders.stateOf(draft);
    if (lock.kind === 'other' && this.deferring && !this.holders.known) {
      // Maybe the action's own lock from a run killed before its write: judged again once the
      // other drafts have shown the run its identity (their labels, or a lock granted to it).
      return { kind: 'defer' };
    }
    if (lock.kind === 'other') {
      return done({
        ...lockedOutcome(mode, holderOf(lock.lock), undefined, requestId),
        drift: driftNote !== undefined,
      });
    }
    return { kind: 'write', draftName, drifted: driftNote !== undefined, driftNote, fields };
  }

  warnDrift(file: string, decision: Decision): void {
    if (decision.kind === 'write' && decision.driftNote) {
      this.deps.warn(`${file}: ${decision.driftNote}; on-drift: warn, so it is overwritten`);
    }
  }

  /**
   * Makes sure the action holds the draft's edit lock before a write: a lock it already holds is
   * used as it is; a free draft's lock is asked for; anyone else's is never taken.
   */
  async lock(api: DraftApi, ref: DraftRef, read: DraftRead): Promise<LockTaken> {
    const { mode } = this.options;
    const taken = await takeLock(this.holders, api, ref, read.draft, this.deps.retry);
    switch (taken.kind) {
      case 'held':
        return ok(taken.holderId);
      case 'other':
        return err(lockedOutcome(mode, taken.holder, undefined, taken.requestId ?? read.requestId));
      case 'failed': {
        const error = withinBudget(taken.error, taken.attempts, this.deps.retry);
        return err(apiFailure(mode, error, read.draft));
      }
    }
  }

  /** Too old to write on: see MAX_READ_AGE_MS. */
  isStale(read: DraftRead): boolean {
    const now = this.deps.retry.clock.now();
    return read.readAt === undefined || now - read.readAt > MAX_READ_AGE_MS;
  }
}

function readByGet(draft: DeploymentDraft, readAt: number, requestId?: string): DraftRead {
  return { draft, requestId, readAt, scriptEquals: (text) => sqlScriptOf(draft) === text };
}

async function getByGet(
  api: DraftApi,
  ref: DraftRef,
  deps: SyncDeps,
): Promise<ApiResult<DraftRead>> {
  const got = await withRetry(() => api.getDraft(ref), deps.retry);
  if (!got.ok) return { ok: false, error: withinBudget(got.error, got.attempts, deps.retry) };
  return { ok: true, value: readByGet(got.value, deps.retry.clock.now(), got.requestId) };
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
  return getByGet(api, ref, deps);
}

async function syncOne(
  item: PlanItem,
  options: SyncOptions,
  deps: SyncDeps,
  ctx: Decisions,
): Promise<Outcome | typeof DEFER> {
  const { mode } = options;
  const { file } = item.entry;
  if (item.deleted) {
    return {
      status: 'skipped',
      code: Code.FileDeleted,
      message: `${file} was deleted; the draft was left as it is`,
    };
  }
  const local = deps.readSql(file);
  if (!local.ok) return failure(mode, local.error.code, local.error.message);
  const sql = local.value;
  if (!deps.api) {
    const outcome: Outcome = {
      status: 'skipped',
      code: Code.NoCredentials,
      message: 'File is valid; remote comparison skipped because no credentials are available',
    };
    if (checksSql(options)) {
      outcome.sqlCheck = { verdict: 'not-run', reason: 'no credentials are available' };
    }
    return outcome;
  }
  const api = deps.api;
  const ref: DraftRef = {
    workspace: item.entry.workspace,
    namespace: item.entry.namespace,
    draftId: item.entry.draftId,
  };

  // A draft put off to the end of the run is judged again on the read it was put off with.
  const kept = ctx.deferred.get(item);
  const got = kept ? { ok: true as const, value: kept } : await readDraft(api, ref, options, deps);
  if (!got.ok) return apiFailure(mode, got.error);
  let read = got.value;
  const declared = { now: item.entry.declared, before: item.declaredBefore };
  let decided = await ctx.decide(file, read, sql.text, declared);
  if (decided.kind === 'defer') {
    ctx.deferred.set(item, read);
    return DEFER;
  }
  if (decided.kind === 'done') return decided.outcome;
  const { draftName } = decided;

  const checked = checksSql(options)
    ? await validateScript(api, ref, read.draft, sql.text, deps.retry)
    : undefined;
  if (checked && !checked.ok) {
    const error = withinBudget(checked.error.error, checked.error.attempts, deps.retry);
    return { ...apiFailure(mode, error, read.draft), draftName, drift: decided.drifted };
  }
  const sqlCheck = checked?.value.check;
  const verdict = checked?.value.verdict;
  if (verdict?.kind === 'unknown') {
    deps.warn(
      `${file}: the SQL check answered ${JSON.stringify(verdict.result)}, which this action does ` +
        'not know as valid or invalid; the script was not judged',
    );
  }

  if (mode === 'plan') {
    const diff = planDiff(read.draft, sql.text, decided.fields, {
      draft: `draft ${draftName ?? ref.draftId}`,
      file,
    });
    ctx.warnDrift(file, decided);
    if (verdict?.kind === 'invalid') {
      return {
        ...sqlInvalid(mode, verdict.message, checked?.value.requestId),
        draftName,
        diff,
        drift: decided.drifted,
        sqlCheck,
      };
    }
    return {
      status: 'would-update',
      requestId: read.requestId,
      draftName,
      diff,
      drift: decided.drifted,
      sqlCheck,
    };
  }
  if (verdict?.kind === 'invalid') {
    // Never written, and no lock taken for it: the draft keeps the script it had.
    return {
      ...sqlInvalid(mode, verdict.message, checked?.value.requestId),
      draftName,
      drift: decided.drifted,
      sqlCheck,
    };
  }

  const lock = await ctx.lock(api, ref, read);
  if (!lock.ok) return { ...lock.error, draftName, drift: decided.drifted };
  if (ctx.isStale(read)) {
    // Judged again on what the draft holds now: a newer run may have written it meanwhile.
    const fresh = await getByGet(api, ref, deps);
    if (!fresh.ok) return { ...apiFailure(mode, fresh.error), draftName };
    read = fresh.value;
    // Holding a lock, the run knows its identity: another holder's lock is a final outcome now,
    // never put off, so only a type-level 'defer' is left to map.
    decided = await ctx.decide(file, read, sql.text, declared);
    if (decided.kind === 'done') return decided.outcome;
    if (decided.kind === 'defer') {
      return {
        ...lockedOutcome(mode, holderOf(read.draft.lock), undefined, read.requestId),
        draftName,
      };
    }
  }
  const { draft } = read;
  const drifted = decided.drifted;
  ctx.warnDrift(file, decided);

  const desired = withDeclared(
    withScript(draft, sql.text, options.commitSha, lock.value, options.repositoryId),
    item.entry.declared,
  );
  const put = await writeDraft(
    api,
    ref,
    draft,
    desired,
    (now) =>
      sqlScriptOf(now) === sql.text && declaredChanges(now, item.entry.declared).length === 0,
    deps.retry,
  );
  if (!put.ok) {
    const error = withinBudget(put.error, put.attempts, deps.retry);
    return { ...apiFailure(mode, error, draft), draftName, drift: drifted };
  }
  if (put.value.labels?.[COMMIT_LABEL] === undefined) {
    deps.warn(
      `${file}: the API did not keep the ${COMMIT_LABEL} label; drift detection is unavailable, ` +
        "and a later run cannot tell that the draft's edit lock is its own",
    );
  }
  return { status: 'updated', requestId: put.requestId, draftName, drift: drifted };
}

/**
 * The plan's diff: the script's unified diff, then the declared fields the merge sets, as lines a
 * reviewer reads the same way (`-` as the draft has it, `+` as declared).
 */
function planDiff(
  draft: DeploymentDraft,
  text: string,
  fields: readonly FieldChange[],
  labels: { draft: string; file: string },
): string {
  const script = sqlScriptOf(draft);
  const parts: string[] = [];
  if (script !== text) {
    parts.push(unifiedDiff(script, text, { oldLabel: labels.draft, newLabel: labels.file }).text);
  }
  if (fields.length > 0) {
    const lines = fields.flatMap((c) => [`-${c.field}: ${c.from}`, `+${c.field}: ${c.to}`]);
    parts.push(`--- ${labels.draft} (fields)\n+++ manifest (declared)\n${lines.join('\n')}\n`);
  }
  return parts.join(parts[0]?.endsWith('\n') ? '' : '\n');
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
  const ctx = new Decisions(deps, options);
  const outcomes: Array<Outcome | typeof DEFER> = new Array(items.length);
  const runAll = async (indexes: readonly number[]): Promise<void> => {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < indexes.length) {
        const index = indexes[next++] as number;
        const item = items[index] as PlanItem;
        if (deps.retry.clock.now() >= deps.retry.deadline && !item.deleted) {
          outcomes[index] = timedOut(options.mode);
          deps.settled?.(rowOf(item, outcomes[index] as Outcome));
          continue;
        }
        try {
          outcomes[index] = await syncOne(item, options, deps, ctx);
        } catch (error) {
          // Defensive: an unexpected throw still becomes this draft's row, never the whole run's end.
          outcomes[index] = failure(options.mode, Code.InternalError, errorMessage(error));
        }
        const outcome = outcomes[index];
        if (outcome !== DEFER && outcome !== undefined) deps.settled?.(rowOf(item, outcome));
      }
    };
    const workers = Math.max(1, Math.min(options.concurrency, indexes.length));
    await Promise.all(Array.from({ length: workers }, worker));
  };
  await runAll(items.map((_, index) => index));
  // Drafts locked by a holder the run could not yet tell from its own identity go last, once
  // every other draft has been read: see Decisions.decide.
  const deferred = outcomes.flatMap((outcome, index) => (outcome === DEFER ? [index] : []));
  ctx.deferring = false;
  if (deferred.length > 0) await runAll(deferred);
  return items.map((item, index) => rowOf(item, outcomes[index] as Outcome));
}

function rowOf(item: PlanItem, outcome: Outcome): DraftResult {
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
}
