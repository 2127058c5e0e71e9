// Entries that name their draft by `name` (in `folder`) instead of `draftId`: found through the
// namespace's listing, or, when the namespace has no such draft, created with the entry's declared
// fields (folders on the way included). A name that matches two drafts is an error naming both,
// never a guess; a create whose answer was lost is looked for before it is sent again.
import { COMMIT_LABEL, Code } from '../codes.js';
import { unifiedDiff } from '../diff/diff.js';
import type { SqlFile } from '../checkout/files.js';
import type { DraftResult } from '../results.js';
import { withRetry, type RetryContext } from '../runtime/retry.js';
import type { Mode, Validate } from '../settings.js';
import type { CreateApi, DraftApi } from '../ververica/draft-api.js';
import { editableFields, type DeploymentDraft, type NewDraft } from '../ververica/draft.js';
import type { Catalog, CatalogFailure, Scope } from './catalog.js';
import { newDraft } from './declared.js';
import { LOCK_HOLDER_LABEL } from './lock.js';
import { matchName, placeOf } from './names.js';
import type { PlanItem } from './plan.js';
import { checksSqlIn, sqlInvalidMessage, validateScript } from './validate.js';
import { writeDraft } from './write.js';

export interface NamedOptions {
  mode: Mode;
  commitSha: string;
  repositoryId?: string;
  validate: Validate;
}

export interface NamedDeps {
  api: DraftApi & CreateApi;
  catalog: Catalog;
  retry: RetryContext;
  readSql(file: string): SqlFile;
  warn(message: string): void;
  info(message: string): void;
}

/** The entry's draft was found: the item now carries its ID. Or the row that settles the entry. */
export type Named = { kind: 'found'; item: PlanItem } | { kind: 'row'; row: DraftResult };

/** Whether the entry names its draft by name only, to be looked up (or created) this run. */
export function isNamedOnly(item: PlanItem): boolean {
  return item.entry.draftId === '' && item.entry.name !== undefined;
}

export async function resolveNamed(
  item: PlanItem,
  options: NamedOptions,
  deps: NamedDeps,
): Promise<Named> {
  const { entry } = item;
  const name = entry.name as string;
  const folder = entry.folder ?? '';
  const scope: Scope = { workspace: entry.workspace, namespace: entry.namespace };
  const where = placeOf(folder, name);
  const base: DraftResult = {
    ...scope,
    file: entry.file,
    draftId: '',
    draftName: name,
    status: 'unchanged',
  };
  const failed = (failure: CatalogFailure, prefix = ''): Named => ({
    kind: 'row',
    row: {
      ...base,
      status: options.mode === 'plan' ? 'would-fail' : 'failed',
      code: failure.code,
      message: prefix + failure.message,
      requestId: failure.requestId,
    },
  });

  const place = await deps.catalog.place(scope, folder);
  if (!place.ok) return failed(place.error, `Draft ${where} could not be looked up: `);
  const listed = await deps.catalog.drafts(scope);
  if (!listed.ok) return failed(listed.error, `Draft ${where} could not be looked up: `);
  if (place.value.kind === 'found') {
    const match = matchName(listed.value, name, place.value.folderId, place.value.rootId);
    if (match.kind === 'many') {
      return failed({
        code: Code.DraftNameAmbiguous,
        message:
          `${match.draftIds.length} drafts are named ${where} in namespace ${scope.namespace}: ` +
          `${match.draftIds.join(' and ')}. Two runs may have raced to create it; delete the one ` +
          'you do not want in the console, or give the entry the `draftId:` of the one to keep',
      });
    }
    if (match.kind === 'one') {
      return {
        kind: 'found',
        item: { ...item, entry: { ...entry, draftId: match.draft.deploymentDraftId } },
      };
    }
  }
  return create(
    item,
    place.value.kind === 'missing' ? place.value.missing : [],
    options,
    deps,
    base,
    failed,
  );
}

async function create(
  item: PlanItem,
  missingFolders: readonly string[],
  options: NamedOptions,
  deps: NamedDeps,
  base: DraftResult,
  failed: (failure: CatalogFailure, prefix?: string) => Named,
): Promise<Named> {
  const { entry } = item;
  const name = entry.name as string;
  const folder = entry.folder ?? '';
  const scope: Scope = { workspace: entry.workspace, namespace: entry.namespace };
  const where = placeOf(folder, name);
  const sql = deps.readSql(entry.file);
  if (!sql.ok) return failed({ code: sql.error.code, message: sql.error.message });
  const text = sql.value.text;

  const declaredVersion = entry.declared?.engineVersion;
  const engine = declaredVersion
    ? { ok: true as const, value: declaredVersion }
    : await deps.catalog.defaultEngineVersion(scope.workspace);
  if (!engine.ok) return failed(engine.error, `Draft ${where} was not created: `);
  const body = (parentId: string): NewDraft =>
    newDraft({
      name,
      parentId,
      script: text,
      engineVersion: engine.value,
      declared: entry.declared,
      commitSha: options.commitSha,
      repositoryId: options.repositoryId,
    });

  const ref = { ...scope, draftId: '' };
  const checked = checksSqlIn(options.validate, options.mode)
    ? await validateScript(deps.api, ref, body('') as DeploymentDraft, text, deps.retry)
    : undefined;
  if (checked && !checked.ok)
    return failed(checked.error.error, `Draft ${where}: the SQL check failed: `);
  const verdict = checked?.value.verdict;
  const sqlCheck = checked?.value.check;
  const invalid =
    verdict?.kind === 'invalid'
      ? {
          code: Code.SqlInvalid,
          message: sqlInvalidMessage(verdict.message),
          requestId: checked?.value.requestId,
        }
      : undefined;
  const made = missingFolders.length > 0 ? ` (folders to create: ${missingFolders.join('/')})` : '';
  const mode = entry.declared?.executionMode ?? 'STREAMING';

  if (options.mode === 'plan') {
    const diff = unifiedDiff('', text, {
      oldLabel: `draft ${where} (not there yet)`,
      newLabel: entry.file,
    });
    if (invalid) {
      return {
        kind: 'row',
        row: { ...base, ...invalid, status: 'would-fail', diff: diff.text, sqlCheck },
      };
    }
    return {
      kind: 'row',
      row: {
        ...base,
        status: 'would-create',
        message: `Namespace ${scope.namespace} has no draft ${where}; the merge creates it with engine ${engine.value}, ${mode}${made}`,
        diff: diff.text,
        sqlCheck,
      },
    };
  }
  if (invalid) return { kind: 'row', row: { ...base, ...invalid, status: 'failed', sqlCheck } };

  const parent = await deps.catalog.ensureFolder(scope, folder);
  if (!parent.ok) return failed(parent.error, `Draft ${where} was not created: `);
  const parentId = parent.value;
  deps.info(`${entry.file}: creating draft ${where} in namespace ${scope.namespace}`);
  const created = await withRetry(async (attempt) => {
    if (attempt > 0) {
      // The answer to an earlier attempt may have been lost after the draft was made: look first.
      const again = await deps.catalog.drafts(scope, true);
      if (again.ok) {
        const match = matchName(again.value, name, parentId, '');
        const ours =
          match.kind === 'one' && match.draft.labels?.[COMMIT_LABEL] === options.commitSha;
        if (ours) return { ok: true as const, value: match.draft };
      }
    }
    return deps.api.createDraft(scope, body(parentId));
  }, deps.retry);
  if (!created.ok) return failed(created.error, `Draft ${where} was not created: `);
  const draft = created.value;
  const draftId = draft.deploymentDraftId;
  const row: DraftResult = {
    ...base,
    draftId,
    status: 'created',
    message: `Created in namespace ${scope.namespace} with engine ${draft.engineVersion ?? engine.value}, ${mode}${made}`,
    requestId: created.requestId,
    sqlCheck,
  };
  await recordLockHolder(draft, { ...scope, draftId }, deps);
  return { kind: 'row', row };
}

/**
 * A server that hands the creator the new draft's edit lock: the holder is recorded in the lock
 * label, as a write does, so that the next run knows the lock as its own. Only a warning if not.
 */
async function recordLockHolder(
  draft: DeploymentDraft,
  ref: { workspace: string; namespace: string; draftId: string },
  deps: NamedDeps,
): Promise<void> {
  const holderId = draft.lock?.holderId;
  if (!holderId || draft.labels?.[LOCK_HOLDER_LABEL] === holderId) return;
  const desired = {
    ...editableFields(draft),
    labels: { ...draft.labels, [LOCK_HOLDER_LABEL]: holderId },
  };
  const landed = (now: DeploymentDraft) => now.labels?.[LOCK_HOLDER_LABEL] === holderId;
  const put = await writeDraft(deps.api, ref, draft, desired, landed, deps.retry);
  if (!put.ok) {
    deps.warn(
      `Draft ${ref.draftId}: the holder of the new draft's edit lock could not be recorded ` +
        `(${put.error.code}: ${put.error.message}); the next run may read the lock as someone else's`,
    );
  }
}
