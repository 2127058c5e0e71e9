// What a run learns about its namespaces to find drafts by name: every draft listed (all pages,
// once per namespace), the folder tree walked down from the root (GetFolder is the only way), the
// service's default engine version, and the folders it creates. One instance per run; every answer
// is kept, so entries of one namespace share one listing and one walk.
import { Code } from '../codes.js';
import { err, ok, type Result } from '../runtime/result.js';
import { withRetry, type RetryContext } from '../runtime/retry.js';
import type { CreateApi } from '../ververica/draft-api.js';
import type { DeploymentDraft } from '../ververica/draft.js';
import type { ApiError } from '../ververica/errors.js';
import { defaultSqlEngineVersion, type Folder } from '../ververica/folders.js';
import { listAllDrafts } from '../ververica/list-all.js';

export interface Scope {
  workspace: string;
  namespace: string;
}

/** A failure the row shows: an API error as it came, or one of the action's own codes. */
export interface CatalogFailure {
  code: string;
  message: string;
  requestId?: string;
}

/** Where a folder path leads: the folder, or the deepest folder on it and the names still missing. */
export type FolderPlace =
  | { kind: 'found'; folderId: string; rootId: string }
  | { kind: 'missing'; parentId: string; missing: string[]; rootId: string };

function keyOf(scope: Scope, ...rest: string[]): string {
  return JSON.stringify([scope.workspace, scope.namespace, ...rest]);
}

function fromApi(error: ApiError): CatalogFailure {
  return { code: error.code, message: error.message, requestId: error.requestId };
}

export class Catalog {
  readonly #listings = new Map<string, Promise<Result<DeploymentDraft[], CatalogFailure>>>();
  readonly #folders = new Map<string, Promise<Result<Folder, CatalogFailure>>>();
  readonly #created = new Map<string, Promise<Result<string, CatalogFailure>>>();
  readonly #engines = new Map<string, Promise<Result<string, CatalogFailure>>>();
  /** The listings that have arrived: each draft by ID, handed out at most once. */
  readonly #arrived = new Map<string, { byId: Map<string, DeploymentDraft>; readAt: number }>();

  constructor(
    private readonly api: CreateApi,
    private readonly retry: RetryContext,
  ) {}

  /** Every draft of the namespace, read once per run (`fresh`: read again, and kept). */
  drafts(scope: Scope, fresh = false): Promise<Result<DeploymentDraft[], CatalogFailure>> {
    const key = keyOf(scope);
    let listing = fresh ? undefined : this.#listings.get(key);
    if (!listing) {
      listing = this.#listAll(scope);
      this.#listings.set(key, listing);
    }
    return listing;
  }

  /** Whether this run has listed the namespace whole. */
  listed(scope: Scope): boolean {
    return this.#arrived.has(keyOf(scope));
  }

  /**
   * The draft as the namespace's listing gave it, once: the sync's first read of the draft, so that
   * one listing serves both the name lookup and the sync (a read too old is made again anyway).
   */
  listedDraft(
    ref: Scope & { draftId: string },
  ): { draft: DeploymentDraft; readAt: number } | undefined {
    const arrived = this.#arrived.get(keyOf(ref));
    const draft = arrived?.byId.get(ref.draftId);
    if (!arrived || !draft) return undefined;
    arrived.byId.delete(ref.draftId);
    return { draft, readAt: arrived.readAt };
  }

  async #listAll(scope: Scope): Promise<Result<DeploymentDraft[], CatalogFailure>> {
    const listed = await listAllDrafts(this.api, scope, this.retry);
    if (!listed.ok) return err(fromApi(listed.error));
    const drafts = listed.value;
    const byId = new Map(drafts.map((draft) => [draft.deploymentDraftId, draft]));
    this.#arrived.set(keyOf(scope), { byId, readAt: this.retry.clock.now() });
    return ok(drafts);
  }

  /** A folder by ID ('' is the root), as read once this run. */
  folder(scope: Scope, folderId: string): Promise<Result<Folder, CatalogFailure>> {
    return this.#folder(scope, folderId);
  }

  /** A folder by ID ('' is the root), read once per run unless `fresh`. */
  #folder(scope: Scope, folderId: string, fresh = false): Promise<Result<Folder, CatalogFailure>> {
    const key = keyOf(scope, folderId);
    let folder = fresh ? undefined : this.#folders.get(key);
    if (!folder) {
      folder = withRetry(() => this.api.getFolder(scope, folderId), this.retry).then((got) =>
        got.ok ? ok(got.value) : err(fromApi(got.error)),
      );
      this.#folders.set(key, folder);
    }
    return folder;
  }

  /** Walks `path` (`a/b`, '' for the root) down from the root folder. */
  async place(
    scope: Scope,
    path: string,
    fresh = false,
  ): Promise<Result<FolderPlace, CatalogFailure>> {
    const root = await this.#folder(scope, '', fresh);
    if (!root.ok) return root;
    const rootId = root.value.folderId;
    const names = path === '' ? [] : path.split('/');
    let current = root.value;
    for (const [depth, name] of names.entries()) {
      const subs = current.subFolder.filter((sub) => sub.name === name);
      const here = names.slice(0, depth + 1).join('/');
      if (subs.length > 1) {
        return err({
          code: Code.FolderAmbiguous,
          message: `Folder ${here} is there ${subs.length} times (IDs ${subs.map((s) => s.folderId).join(', ')}); rename or remove one in the console`,
        });
      }
      const sub = subs[0];
      if (!sub)
        return ok({
          kind: 'missing',
          parentId: current.folderId,
          missing: names.slice(depth),
          rootId,
        });
      const next = await this.#folder(scope, sub.folderId, fresh);
      if (!next.ok) return next;
      current = next.value;
    }
    return ok({ kind: 'found', folderId: current.folderId, rootId });
  }

  /**
   * The folder at `path`, created with its missing parents on the way. Entries of one folder share
   * one creation. A name that appears meanwhile (another run made it) is used, not made twice.
   */
  ensureFolder(scope: Scope, path: string): Promise<Result<string, CatalogFailure>> {
    const key = keyOf(scope, path);
    let made = this.#created.get(key);
    if (!made) {
      made = this.#ensure(scope, path);
      this.#created.set(key, made);
    }
    return made;
  }

  async #ensure(scope: Scope, path: string): Promise<Result<string, CatalogFailure>> {
    const place = await this.place(scope, path);
    if (!place.ok) return place;
    if (place.value.kind === 'found') return ok(place.value.folderId);
    // The parent first, through the same shared creation, so that siblings never race for it.
    const names = path.split('/');
    const name = names.pop() as string;
    const parent =
      names.length === 0 ? ok(place.value.rootId) : await this.ensureFolder(scope, names.join('/'));
    if (!parent.ok) return parent;
    return this.#createChild(scope, parent.value, name);
  }

  /** CreateFolder, made safe to retry: a later attempt first looks whether an earlier one landed. */
  async #createChild(
    scope: Scope,
    parentId: string,
    name: string,
  ): Promise<Result<string, CatalogFailure>> {
    const existing = async (): Promise<Result<string | undefined, CatalogFailure>> => {
      const parent = await this.#folder(scope, parentId, true);
      if (!parent.ok) return parent;
      return ok(parent.value.subFolder.find((sub) => sub.name === name)?.folderId);
    };
    const made = await withRetry(async (attempt) => {
      if (attempt > 0) {
        const found = await existing();
        if (found.ok && found.value)
          return { ok: true as const, value: { folderId: found.value, subFolder: [] } };
      }
      return this.api.createFolder(scope, { name, parentId });
    }, this.retry);
    if (made.ok) return ok(made.value.folderId);
    // Refused: perhaps another run made the folder first. Its folder is as good as ours.
    const found = await existing();
    if (found.ok && found.value) return ok(found.value);
    return err({
      ...fromApi(made.error),
      message: `Folder ${name} could not be created: ${made.error.message}`,
    });
  }

  /** The engine version a new SQL draft gets when its entry declares none. */
  defaultEngineVersion(workspace: string): Promise<Result<string, CatalogFailure>> {
    let version = this.#engines.get(workspace);
    if (!version) {
      version = withRetry(() => this.api.listEngineVersions(workspace), this.retry).then((got) => {
        if (!got.ok) return err(fromApi(got.error));
        const chosen = defaultSqlEngineVersion(got.value);
        return chosen.ok
          ? ok(chosen.value)
          : err({
              code: Code.NoEngineVersion,
              message: `A new draft needs an engine version: ${chosen.error}`,
              requestId: got.requestId,
            });
      });
      this.#engines.set(workspace, version);
    }
    return version;
  }
}
