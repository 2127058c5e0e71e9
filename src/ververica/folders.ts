// The models of folders and engine versions (ververica 2022-07-18), as far as creating drafts uses
// them, and how their answers are read. Pure. Field names are the official SDK's (Folder,
// SubFolder, EngineVersionMetadataIndex); each reader takes the server's JSON as `unknown`.
import { err, ok, type Result } from '../runtime/result.js';

/** A folder as GetFolder and CreateFolder answer; the root folder's `parentId` is empty. */
export interface Folder {
  folderId: string;
  name?: string;
  parentId?: string;
  /** The folders directly inside; GetFolder is the only way down the tree. */
  subFolder: Array<{ folderId: string; name: string }>;
}

/** CreateFolder's body. */
export interface NewFolder {
  name: string;
  parentId: string;
}

export interface EngineVersion {
  engineVersion: string;
  status?: string;
  /** `features.useForSqlDeployments`: whether SQL drafts may use this version. */
  sql?: boolean;
}

export interface EngineVersions {
  defaultEngineVersion?: string;
  versions: EngineVersion[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function readFolder(data: unknown): Folder | undefined {
  if (!isRecord(data)) return undefined;
  const folderId = nonEmpty(data.folderId);
  if (!folderId) return undefined;
  const raw = data.subFolder ?? [];
  if (!Array.isArray(raw)) return undefined;
  const subFolder: Folder['subFolder'] = [];
  for (const sub of raw) {
    if (!isRecord(sub)) return undefined;
    const id = nonEmpty(sub.folderId);
    const name = typeof sub.name === 'string' ? sub.name : undefined;
    if (!id || name === undefined) return undefined;
    subFolder.push({ folderId: id, name });
  }
  const folder: Folder = { folderId, subFolder };
  if (typeof data.name === 'string') folder.name = data.name;
  if (typeof data.parentId === 'string') folder.parentId = data.parentId;
  return folder;
}

export function readEngineVersions(data: unknown): EngineVersions | undefined {
  if (!isRecord(data)) return undefined;
  const raw = data.engineVersionMetadata ?? [];
  if (!Array.isArray(raw)) return undefined;
  const versions: EngineVersion[] = [];
  for (const item of raw) {
    if (!isRecord(item)) return undefined;
    const engineVersion = nonEmpty(item.engineVersion);
    if (!engineVersion) return undefined;
    const version: EngineVersion = { engineVersion };
    if (typeof item.status === 'string') version.status = item.status;
    const features = item.features;
    if (isRecord(features) && typeof features.useForSqlDeployments === 'boolean') {
      version.sql = features.useForSqlDeployments;
    }
    versions.push(version);
  }
  const index: EngineVersions = { versions };
  const fallback = nonEmpty(data.defaultEngineVersion);
  if (fallback) index.defaultEngineVersion = fallback;
  return index;
}

/**
 * The engine version a new SQL draft gets when its entry declares none: the service's default,
 * provided the metadata does not say that it cannot serve SQL. No guess beyond that: a default
 * that is missing or not for SQL is an error that asks for `engineVersion:` in the entry.
 */
export function defaultSqlEngineVersion(index: EngineVersions): Result<string, string> {
  const chosen = index.defaultEngineVersion;
  const sqlVersions = index.versions.filter((v) => v.sql === true).map((v) => v.engineVersion);
  const choices = sqlVersions.length > 0 ? `; versions for SQL: ${sqlVersions.join(', ')}` : '';
  if (!chosen) {
    return err(
      `the service names no default engine version; declare \`engineVersion:\` in the entry${choices}`,
    );
  }
  const meta = index.versions.find((v) => v.engineVersion === chosen);
  if (meta?.sql === false) {
    return err(
      `the service's default engine version ${chosen} does not serve SQL drafts; declare \`engineVersion:\` in the entry${choices}`,
    );
  }
  return ok(chosen);
}
