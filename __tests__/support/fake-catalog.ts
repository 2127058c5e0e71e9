// The fake API's folders and engine versions: what creating a draft by name needs besides drafts.
// Folders form one tree per namespace under a root that GetFolder answers for an empty folderId.
import { randomUUID } from 'node:crypto';
import type { Folder } from '../../src/ververica/folders.js';
import type { BusinessError, DraftOutcome } from './fake-drafts.js';

export interface FakeEngineVersion {
  engineVersion: string;
  status: string;
  useForSqlDeployments: boolean;
}

/** What the fake answers ListEngineVersionMetadata with, until a test says otherwise. */
export const FAKE_ENGINE_VERSIONS = {
  defaultEngineVersion: 'vvr-8.0.11-flink-1.17',
  engineVersionMetadata: [
    { engineVersion: 'vvr-8.0.11-flink-1.17', status: 'STABLE', useForSqlDeployments: true },
    { engineVersion: 'vvr-8.0.9-flink-1.17', status: 'STABLE', useForSqlDeployments: true },
    { engineVersion: 'vvr-6.0.7-flink-1.15', status: 'DEPRECATED', useForSqlDeployments: true },
  ] as FakeEngineVersion[],
};

/** The fake's limit on a folder's name (the service's own is not published). */
export const MAX_FOLDER_NAME = 64;

interface StoredFolder {
  folderId: string;
  name: string;
  parentId: string;
  workspace: string;
  namespace: string;
}

function fail<T>(status: number, errorCode: string, errorMessage: string): DraftOutcome<T> {
  return { ok: false, error: { status, errorCode, errorMessage } };
}

export class CatalogStore {
  private readonly folders = new Map<string, StoredFolder>();
  private readonly roots = new Map<string, string>();
  engines = structuredClone(FAKE_ENGINE_VERSIONS);

  /** The root folder's ID of a namespace, made on first use. */
  rootOf(workspace: string, namespace: string): string {
    const key = JSON.stringify([workspace, namespace]);
    let id = this.roots.get(key);
    if (!id) {
      id = `root-${randomUUID()}`;
      this.roots.set(key, id);
      this.folders.set(id, { folderId: id, name: '', parentId: '', workspace, namespace });
    }
    return id;
  }

  /** GetFolder: an empty ID is the root. */
  get(workspace: string, namespace: string, folderId: string): DraftOutcome<Folder> {
    const id = folderId === '' ? this.rootOf(workspace, namespace) : folderId;
    const folder = this.folders.get(id);
    if (!folder || folder.workspace !== workspace || folder.namespace !== namespace) {
      return fail(
        404,
        'FolderNotFound',
        `Folder ${folderId} does not exist in namespace ${namespace}.`,
      );
    }
    const subFolder = [...this.folders.values()]
      .filter((f) => f.parentId === id)
      .map((f) => ({ folderId: f.folderId, name: f.name, parentId: f.parentId }));
    return {
      ok: true,
      value: { folderId: id, name: folder.name, parentId: folder.parentId, subFolder },
    };
  }

  /** Whether `folderId` is a folder of the namespace. */
  has(workspace: string, namespace: string, folderId: string): boolean {
    const folder = this.folders.get(folderId);
    return !!folder && folder.workspace === workspace && folder.namespace === namespace;
  }

  /** CreateFolder: `{name, parentId}`; a name already taken in the parent is refused. */
  create(workspace: string, namespace: string, body: string): DraftOutcome<Folder> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return fail(400, 'InvalidParameter', 'The body must be a JSON Folder.');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return fail(400, 'InvalidParameter', 'The body must be a JSON object.');
    }
    const { name, parentId, ...rest } = parsed as Record<string, unknown>;
    if (Object.keys(rest).length > 0) {
      return fail(400, 'InvalidParameter', `Unknown fields: ${Object.keys(rest).join(', ')}.`);
    }
    if (
      typeof name !== 'string' ||
      name === '' ||
      name.includes('/') ||
      name.length > MAX_FOLDER_NAME
    ) {
      return fail(400, 'InvalidParameter', `Folder name ${JSON.stringify(name)} is not allowed.`);
    }
    if (typeof parentId !== 'string' || !this.has(workspace, namespace, parentId)) {
      return fail(404, 'FolderNotFound', `Parent folder ${String(parentId)} does not exist.`);
    }
    const taken = [...this.folders.values()].some(
      (f) => f.parentId === parentId && f.name === name,
    );
    if (taken) {
      return fail(400, 'FolderAlreadyExists', `A folder named ${name} already exists there.`);
    }
    const folderId = `folder-${randomUUID()}`;
    this.folders.set(folderId, { folderId, name, parentId, workspace, namespace });
    return { ok: true, value: { folderId, name, parentId, subFolder: [] } };
  }

  /** Creates a folder path under the root for a test's seed; returns the last folder's ID. */
  seedPath(workspace: string, namespace: string, path: string): string {
    let parent = this.rootOf(workspace, namespace);
    for (const name of path.split('/').filter((s) => s !== '')) {
      const found = [...this.folders.values()].find(
        (f) => f.parentId === parent && f.name === name,
      );
      if (found) {
        parent = found.folderId;
        continue;
      }
      const made = this.create(workspace, namespace, JSON.stringify({ name, parentId: parent }));
      if (!made.ok) throw new Error(made.error.errorMessage);
      parent = made.value.folderId;
    }
    return parent;
  }

  /** ListEngineVersionMetadata's data, in the official model's shape. */
  engineVersions(): Record<string, unknown> {
    return {
      defaultEngineVersion: this.engines.defaultEngineVersion,
      engineVersionMetadata: this.engines.engineVersionMetadata.map((v) => ({
        engineVersion: v.engineVersion,
        status: v.status,
        features: { useForSqlDeployments: v.useForSqlDeployments, supportNativeSavepoint: true },
      })),
    };
  }

  /** Why a new draft's engine version is refused, if it is. */
  engineProblem(engineVersion: unknown): BusinessError | undefined {
    const known = this.engines.engineVersionMetadata.find((v) => v.engineVersion === engineVersion);
    if (known?.useForSqlDeployments) return undefined;
    return {
      status: 400,
      errorCode: 'InvalidParameter',
      errorMessage: `Engine version ${JSON.stringify(engineVersion)} cannot run SQL drafts.`,
    };
  }
}
