// Drafts this repository wrote that its manifest no longer names. Each write labels the draft with
// the repository (REPOSITORY_LABEL); a labelled draft that no entry maps is reported `orphaned`, and
// with `on-removed: delete` deleted, holding its lock. A draft the API refuses to delete (it is
// deployed) is reported and left; nothing is forced.
import { Code, REPOSITORY_LABEL } from '../codes.js';
import type { DraftResult } from '../results.js';
import { withRetry, type RetryContext } from '../runtime/retry.js';
import type { Mode, OnRemoved } from '../settings.js';
import type { DraftApi } from '../ververica/draft-api.js';
import type { DeploymentDraft, DraftRef } from '../ververica/draft.js';
import type { DraftLister } from '../ververica/listing.js';
import { listAllDrafts } from '../ververica/list-all.js';
import { LockHolders } from './lock.js';
import { takeLock } from './take-lock.js';

export interface Scope {
  workspace: string;
  namespace: string;
}

export interface OrphanInput {
  /** Every workspace and namespace the manifest maps drafts in, now or at the diff's base. */
  scopes: readonly Scope[];
  /** Every draft the manifest maps now by ID (draftKey). */
  mapped: ReadonlySet<string>;
  /**
   * Every draft the manifest maps now by name (nameKey). A name is taken as mapped in any
   * folder: a draft is never called an orphan because its folder was not walked.
   */
  mappedNames?: ReadonlySet<string>;
  repositoryId: string;
  mode: Mode;
  onRemoved: OnRemoved;
  /** Where a row about a removed entry points: the manifest. */
  manifestPath: string;
}

export interface OrphanDeps {
  api: Pick<DraftApi, 'getLock' | 'deleteDraft'> & DraftLister;
  retry: RetryContext;
  warn(message: string): void;
  /** Progress: a line before each delete. */
  info(message: string): void;
  /** A listing of the scope this run already made (the name lookup's), to use instead of a new one. */
  listedBefore?(scope: Scope): Promise<DeploymentDraft[] | undefined> | undefined;
}

export function draftKey(ref: DraftRef): string {
  return JSON.stringify([ref.workspace, ref.namespace, ref.draftId]);
}

export function nameKey(scope: Scope, name: string): string {
  return JSON.stringify([scope.workspace, scope.namespace, name]);
}

/** The drafts of one scope that carry this repository's label but are not mapped. Pure. */
export function orphansOf(
  drafts: readonly DeploymentDraft[],
  scope: Scope,
  repositoryId: string,
  mapped: ReadonlySet<string>,
  mappedNames: ReadonlySet<string> = new Set(),
): DeploymentDraft[] {
  return drafts.filter(
    (draft) =>
      draft.labels?.[REPOSITORY_LABEL] === repositoryId &&
      !mapped.has(draftKey({ ...scope, draftId: draft.deploymentDraftId })) &&
      !(draft.name !== undefined && mappedNames.has(nameKey(scope, draft.name))),
  );
}

async function listAll(scope: Scope, deps: OrphanDeps): Promise<DeploymentDraft[] | undefined> {
  const listed = await listAllDrafts(deps.api, scope, deps.retry);
  if (listed.ok) return listed.value;
  deps.warn(
    `Drafts no longer in the manifest were not looked for in namespace ${scope.namespace}: ` +
      `${listed.error.code}: ${listed.error.message}`,
  );
  return undefined;
}

/**
 * Starts listing every scope at once, beside the sync's own calls (which share the API's bound);
 * `settle` reports (and, asked to, deletes) what the listings found, once the sync is done.
 */
export function startOrphanSearch(
  input: OrphanInput,
  deps: OrphanDeps,
): { settle(): Promise<DraftResult[]> } {
  const listings = input.scopes.map((scope) => ({
    scope,
    drafts: deps.listedBefore?.(scope) ?? listAll(scope, deps),
  }));
  return {
    settle: async () => {
      const rows: DraftResult[] = [];
      const holders = new LockHolders();
      for (const { scope, drafts } of listings) {
        const listed = await drafts;
        if (!listed) continue;
        // The lock of a draft that a killed run asked for but never wrote is this identity's:
        // the other drafts it wrote tell the identity.
        for (const draft of listed) holders.learn(draft);
        for (const draft of orphansOf(
          listed,
          scope,
          input.repositoryId,
          input.mapped,
          input.mappedNames,
        )) {
          rows.push(await settle(draft, scope, input, deps, holders));
        }
      }
      return rows;
    },
  };
}

async function settle(
  draft: DeploymentDraft,
  scope: Scope,
  input: OrphanInput,
  deps: OrphanDeps,
  holders: LockHolders,
): Promise<DraftResult> {
  const ref: DraftRef = { ...scope, draftId: draft.deploymentDraftId };
  const base: DraftResult = {
    file: input.manifestPath,
    draftId: draft.deploymentDraftId,
    draftName: draft.name,
    ...scope,
    status: 'orphaned',
  };
  const gone = `No entry of ${input.manifestPath} names this draft any more`;
  if (input.onRemoved === 'keep') {
    return { ...base, message: `${gone}; it was left as it is (on-removed: keep)` };
  }
  if (input.mode === 'plan') {
    return {
      ...base,
      status: 'would-delete',
      message: `${gone}; the merge deletes it (on-removed: delete)`,
    };
  }
  const failed = (code: string, message: string, requestId?: string): DraftResult => ({
    ...base,
    status: 'failed',
    code,
    message: `${gone}, but it was not deleted: ${message}`,
    requestId,
  });
  const taken = await takeLock(holders, deps.api, ref, draft, deps.retry);
  if (taken.kind === 'other') {
    return failed(Code.DraftLocked, `it is locked for editing by ${taken.holder}`, taken.requestId);
  }
  if (taken.kind === 'failed') {
    return failed(taken.error.code, taken.error.message, taken.error.requestId);
  }
  deps.info(`${input.manifestPath}: deleting draft ${ref.draftId}, which no entry names any more`);
  const deleted = await withRetry(async (attempt) => {
    const answer = await deps.api.deleteDraft(ref);
    // A retried delete whose first attempt landed finds the draft gone: that is the outcome asked for.
    if (!answer.ok && attempt > 0 && answer.error.code === 'DeploymentDraftNotFound') {
      return { ok: true as const, value: undefined, requestId: answer.error.requestId };
    }
    return answer;
  }, deps.retry);
  if (!deleted.ok) {
    return failed(deleted.error.code, deleted.error.message, deleted.error.requestId);
  }
  return {
    ...base,
    status: 'deleted',
    message: `${gone}; deleted (on-removed: delete)`,
    requestId: deleted.requestId,
  };
}
