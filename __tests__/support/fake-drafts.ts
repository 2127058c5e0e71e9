// The fake API's draft storage and its business rules (edit lock, artifact kind, server-owned fields).
// Every draft going in or out is a deep copy, so no caller can change stored state behind its back.
import { randomUUID } from 'node:crypto';
import type { DeploymentDraft, DraftLock, DraftRef } from '../../src/ververica/draft.js';
import type { Principal } from './fake-gateway.js';

export type StoredDraftInput = DeploymentDraft & { workspace: string; namespace: string };

export interface BusinessError {
  status: number;
  errorCode: string;
  errorMessage: string;
}

export type DraftOutcome<T> = { ok: true; value: T } | { ok: false; error: BusinessError };

/**
 * How the fake answers GetDeploymentDraftLock on a draft someone else holds. The real answer is not
 * published: `refuse` is an error with `DeploymentDraftLocked`; `report-holder` is a success whose
 * data is the other holder's lock. The action must read both as a lock it does not have.
 */
export type LockConflict = 'refuse' | 'report-holder';

/** The error code of a write or lock call refused for another holder's lock. */
export const LOCKED_CODE = 'DeploymentDraftLocked';
/** The error code of a write without the caller holding the lock (the fake is strict about it). */
export const LOCK_REQUIRED_CODE = 'DeploymentDraftLockRequired';

/** Fields the server decides; a PATCH body cannot change them. */
const SERVER_OWNED = [
  'deploymentDraftId',
  'workspace',
  'namespace',
  'creator',
  'creatorName',
  'createdAt',
  'lock',
] as const;

/** Fields the official model marks output only (the fake keeps its own list, not the client's). */
export const OUTPUT_ONLY = [
  'creator',
  'creatorName',
  'modifier',
  'modifierName',
  'createdAt',
  'modifiedAt',
  'lock',
] as const;

/** The fake's limit on a draft's name (the service's own is not published). */
export const MAX_DRAFT_NAME = 64;

/** What a new draft is checked against besides its own body. */
export interface CreateRules {
  rootId: string;
  folderExists(folderId: string): boolean;
  engineProblem(engineVersion: unknown): BusinessError | undefined;
  lockCreator: boolean;
}

function keyOf(ref: DraftRef): string {
  return JSON.stringify([ref.workspace, ref.namespace, ref.draftId]);
}

function fail<T>(status: number, errorCode: string, errorMessage: string): DraftOutcome<T> {
  return { ok: false, error: { status, errorCode, errorMessage } };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseDraftBody(body: string): DraftOutcome<DeploymentDraft> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return fail(400, 'InvalidParameter', 'The request body is not valid JSON.');
  }
  if (!isObject(parsed)) return fail(400, 'InvalidParameter', 'The draft must be a JSON object.');
  const artifact = parsed.artifact;
  if (!isObject(artifact) || typeof artifact.kind !== 'string') {
    return fail(400, 'InvalidParameter', 'The draft must have an artifact with a kind.');
  }
  // Stricter than the server may be: a client that sends them back is caught here.
  const outputOnly = OUTPUT_ONLY.filter((field) => field in parsed);
  if (outputOnly.length > 0) {
    return fail(400, 'InvalidParameter', `Output-only field(s) sent: ${outputOnly.join(', ')}.`);
  }
  return { ok: true, value: parsed as DeploymentDraft };
}

export class DraftStore {
  private readonly drafts = new Map<string, DeploymentDraft>();

  constructor(private readonly nowMs: () => number) {}

  seed(draft: StoredDraftInput): void {
    const ref = {
      workspace: draft.workspace,
      namespace: draft.namespace,
      draftId: draft.deploymentDraftId,
    };
    this.drafts.set(keyOf(ref), structuredClone(draft));
  }

  get(ref: DraftRef): DeploymentDraft | undefined {
    const stored = this.drafts.get(keyOf(ref));
    return stored && structuredClone(stored);
  }

  /** Drafts of one namespace, in the order they were first seeded. */
  /** One page of a namespace's drafts; only the page is copied, so a large namespace stays cheap. */
  page(
    workspace: string,
    namespace: string,
    offset: number,
    limit: number,
  ): { drafts: DeploymentDraft[]; totalSize: number } {
    const all = [...this.drafts.values()].filter(
      (d) => d.workspace === workspace && d.namespace === namespace,
    );
    const drafts = all.slice(offset, offset + limit).map((d) => structuredClone(d));
    return { drafts, totalSize: all.length };
  }

  /**
   * CreateDeploymentDraft: the server gives the ID, the owner fields and the folder (the root when
   * the body names none). `lockCreator`: whether the creator is handed the new draft's edit lock,
   * which the API does not document either way.
   */
  create(
    where: { workspace: string; namespace: string },
    body: string,
    caller: Principal,
    rules: CreateRules,
  ): DraftOutcome<DeploymentDraft> {
    const parsed = parseDraftBody(body);
    if (!parsed.ok) return parsed;
    const incoming = parsed.value;
    const refused = SERVER_OWNED.filter((field) => field in incoming);
    if (refused.length > 0) {
      return fail(400, 'InvalidParameter', `Server-owned field(s) sent: ${refused.join(', ')}.`);
    }
    if (typeof incoming.name !== 'string' || incoming.name.trim() === '') {
      return fail(400, 'InvalidParameter', 'name is required.');
    }
    if (incoming.name.length > MAX_DRAFT_NAME) {
      return fail(400, 'InvalidParameter', `name is longer than ${MAX_DRAFT_NAME} characters.`);
    }
    const parentId = incoming.parentId ?? rules.rootId;
    if (!rules.folderExists(parentId)) {
      return fail(404, 'FolderNotFound', `Folder ${parentId} does not exist.`);
    }
    if (incoming.executionMode !== 'STREAMING' && incoming.executionMode !== 'BATCH') {
      return fail(400, 'InvalidParameter', 'executionMode must be STREAMING or BATCH.');
    }
    const engine = rules.engineProblem(incoming.engineVersion);
    if (engine) return { ok: false, error: engine };
    const artifact = incoming.artifact;
    if (artifact?.kind === 'SQLSCRIPT' && typeof artifact.sqlArtifact?.sqlScript !== 'string') {
      return fail(
        400,
        'InvalidParameter',
        'A SQLSCRIPT draft needs artifact.sqlArtifact.sqlScript.',
      );
    }
    const draftId = randomUUID();
    const ref = { ...where, draftId };
    const draft: DeploymentDraft = {
      ...structuredClone(incoming),
      deploymentDraftId: draftId,
      parentId,
      workspace: where.workspace,
      namespace: where.namespace,
      creator: caller.id,
      creatorName: caller.name,
      createdAt: Math.floor(this.nowMs() / 1000),
    };
    this.stamp(draft, caller.id, undefined, caller.name);
    if (rules.lockCreator) draft.lock = newLock(ref, caller);
    this.drafts.set(keyOf(ref), draft);
    return { ok: true, value: structuredClone(draft) };
  }

  /** What a console user opening the draft for editing does; `holderId` defaults from the name. */
  lock(ref: DraftRef, holderName: string, holderId = `uid-${holderName}`): void {
    this.mutate(ref, (draft) => {
      draft.lock = newLock(ref, { id: holderId, name: holderName });
    });
  }

  /**
   * GetDeploymentDraftLock: the caller gets the lock of a free draft, keeps one it holds, and never
   * takes one from another holder. Taking a lock does not count as modifying the draft.
   */
  acquireLock(ref: DraftRef, caller: Principal, conflict: LockConflict): DraftOutcome<DraftLock> {
    const stored = this.drafts.get(keyOf(ref));
    if (!stored) return { ok: false, error: draftNotFound(ref) };
    const held = stored.lock;
    if (held && held.holderId !== caller.id) {
      if (conflict === 'report-holder') return { ok: true, value: structuredClone(held) };
      return fail(
        400,
        LOCKED_CODE,
        `Draft ${ref.draftId} is locked by ${held.holderName ?? 'another user'}.`,
      );
    }
    stored.lock = held ?? newLock(ref, caller);
    return { ok: true, value: structuredClone(stored.lock) };
  }

  unlock(ref: DraftRef): void {
    this.mutate(ref, (draft) => {
      delete draft.lock;
    });
  }

  /** What a user saving the draft in the console does. */
  editScript(ref: DraftRef, sqlScript: string, editor = 'console-user'): void {
    this.mutate(ref, (draft) => {
      const artifact = draft.artifact ?? { kind: 'SQLSCRIPT' };
      artifact.sqlArtifact = { ...artifact.sqlArtifact, sqlScript };
      draft.artifact = artifact;
      this.stamp(draft, editor);
    });
  }

  /** The server links a draft to the deployment its first deploy made. */
  setDeployment(ref: DraftRef, deploymentId: string): void {
    this.mutate(ref, (draft) => {
      draft.referencedDeploymentId = deploymentId;
    });
  }

  setLabels(ref: DraftRef, labels: Record<string, string>): void {
    this.mutate(ref, (draft) => {
      draft.labels = { ...draft.labels, ...labels };
    });
  }

  /** DeleteDeploymentDraft: needs the caller's lock, and is refused while the draft is deployed. */
  remove(ref: DraftRef, caller: Principal): DraftOutcome<null> {
    const stored = this.drafts.get(keyOf(ref));
    if (!stored) return { ok: false, error: draftNotFound(ref) };
    const locked = lockProblem(stored, caller);
    if (locked) return { ok: false, error: locked };
    if (stored.referencedDeploymentId) {
      return fail(
        400,
        'DeploymentDraftDeployed',
        `Draft ${ref.draftId} has deployment ${stored.referencedDeploymentId}; delete the deployment first.`,
      );
    }
    this.drafts.delete(keyOf(ref));
    return { ok: true, value: null };
  }

  update(ref: DraftRef, body: string, caller: Principal): DraftOutcome<DeploymentDraft> {
    const stored = this.drafts.get(keyOf(ref));
    if (!stored) return { ok: false, error: draftNotFound(ref) };
    const parsed = parseDraftBody(body);
    if (!parsed.ok) return parsed;
    const incoming = parsed.value;
    if (stored.artifact && stored.artifact.kind !== incoming.artifact?.kind) {
      return fail(
        400,
        'InvalidParameter',
        `The artifact kind of draft ${ref.draftId} cannot change from ${stored.artifact.kind}.`,
      );
    }
    const locked = lockProblem(stored, caller);
    if (locked) return { ok: false, error: locked };
    const next: DeploymentDraft = { ...structuredClone(incoming) };
    for (const field of SERVER_OWNED) {
      if (stored[field] === undefined) delete next[field];
      else next[field] = structuredClone(stored[field]) as never;
    }
    this.stamp(next, caller.id, stored.modifiedAt, caller.name);
    this.drafts.set(keyOf(ref), next);
    return { ok: true, value: structuredClone(next) };
  }

  private stamp(
    draft: DeploymentDraft,
    modifier: string,
    previous = draft.modifiedAt,
    modifierName = modifier,
  ): void {
    // Epoch seconds are coarse; strictly increasing keeps "changed since I read it" detectable.
    const nowSeconds = Math.floor(this.nowMs() / 1000);
    draft.modifiedAt = Math.max(nowSeconds, (previous ?? 0) + 1);
    draft.modifier = modifier;
    draft.modifierName = modifierName;
  }

  private mutate(ref: DraftRef, change: (draft: DeploymentDraft) => void): void {
    const stored = this.drafts.get(keyOf(ref));
    if (!stored) throw new Error(`No draft ${ref.workspace}/${ref.namespace}/${ref.draftId}`);
    change(stored);
  }
}

/** Why the caller may not edit or deploy the draft: another holder's lock, or no lock at all. */
export function lockProblem(draft: DeploymentDraft, caller: Principal): BusinessError | undefined {
  if (draft.lock && draft.lock.holderId !== caller.id) {
    const holder = draft.lock.holderName ?? 'another user';
    return {
      status: 400,
      errorCode: LOCKED_CODE,
      errorMessage: `Draft ${draft.deploymentDraftId} is locked by ${holder}.`,
    };
  }
  if (!draft.lock) {
    return {
      status: 400,
      errorCode: LOCK_REQUIRED_CODE,
      errorMessage: `Acquire the edit lock of draft ${draft.deploymentDraftId} (GetDeploymentDraftLock) before editing or deploying it.`,
    };
  }
  return undefined;
}

export function draftNotFound(ref: DraftRef): BusinessError {
  return {
    status: 404,
    errorCode: 'DeploymentDraftNotFound',
    errorMessage: `Deployment draft ${ref.draftId} does not exist in namespace ${ref.namespace}.`,
  };
}

function newLock(ref: DraftRef, holder: Principal): DraftLock {
  return {
    id: `lock-${randomUUID()}`,
    workspace: ref.workspace,
    namespace: ref.namespace,
    holderId: holder.id,
    holderName: holder.name,
  };
}
