// What `flink-draft-sync import` makes of a namespace's drafts: one .sql file per SQL draft at
// `<out>/<folder path>/<name>.sql`, and one manifest entry for each, with the fields the draft has
// set. Pure: the listing, the folder walk and the file system are the caller's. A name or folder
// that cannot be a safe path is skipped with the reason, never written somewhere else.
import type { DeclaredFields } from '../manifest/manifest.js';
import { draftNameProblem } from '../manifest/manifest.js';
import type { DeploymentDraft } from '../ververica/draft.js';

export interface ImportEntry {
  /** From the repository root, with `/`. */
  file: string;
  name: string;
  /** '' for the root folder. */
  folder: string;
  draftId: string;
  declared: DeclaredFields;
}

export interface ImportFile {
  /** From the repository root, with `/`. */
  file: string;
  /** The draft's script, byte for byte. */
  text: string;
  entry: ImportEntry;
}

export interface Skipped {
  draftId: string;
  name: string;
  why: string;
}

export interface ImportPlan {
  files: ImportFile[];
  skipped: Skipped[];
}

export interface ImportOptions {
  /** The output folder from the repository root, with `/`; '' for the root itself. */
  out: string;
  /** Only drafts in this folder or below it; '' for all. */
  folder: string;
}

/** The folder path ('' for the root) of every folder ID the walk met; absent: not reached. */
export type FolderPaths = ReadonlyMap<string, string>;

function declaredOf(draft: DeploymentDraft): DeclaredFields {
  const declared: DeclaredFields = {};
  if (draft.engineVersion) declared.engineVersion = draft.engineVersion;
  if (draft.executionMode === 'STREAMING' || draft.executionMode === 'BATCH') {
    declared.executionMode = draft.executionMode;
  }
  const deps = draft.artifact?.sqlArtifact?.additionalDependencies;
  if (Array.isArray(deps) && deps.length > 0) declared.additionalDependencies = [...deps];
  const vars = draft.localVariables;
  if (Array.isArray(vars) && vars.length > 0) {
    declared.localVariables = vars.map(({ name, value }) => ({ name, value: String(value) }));
  }
  return declared;
}

function inFolder(path: string, folder: string): boolean {
  return folder === '' || path === folder || path.startsWith(`${folder}/`);
}

/** The files and entries for the drafts, in the listing's order. */
export function planImport(
  drafts: readonly DeploymentDraft[],
  folders: FolderPaths,
  rootId: string,
  options: ImportOptions,
): ImportPlan {
  const files: ImportFile[] = [];
  const skipped: Skipped[] = [];
  const taken = new Map<string, string>();
  for (const draft of drafts) {
    const draftId = draft.deploymentDraftId;
    const name = draft.name ?? '';
    const skip = (why: string) => skipped.push({ draftId, name, why });
    const folder = !draft.parentId || draft.parentId === rootId ? '' : folders.get(draft.parentId);
    if (folder === undefined) {
      skip(`its folder ${draft.parentId} was not found under the namespace's root folder`);
      continue;
    }
    if (!inFolder(folder, options.folder)) continue;
    const kind = draft.artifact?.kind;
    if (kind !== 'SQLSCRIPT') {
      skip(`it is a ${kind ?? 'draft without an artifact'}, not a SQL draft`);
      continue;
    }
    const nameProblem = draftNameProblem(name);
    if (nameProblem) {
      skip(`its name ${nameProblem}`);
      continue;
    }
    const bad = folder === '' ? undefined : folder.split('/').find((s) => draftNameProblem(s));
    if (bad !== undefined) {
      skip(`its folder name ${draftNameProblem(bad) ?? ''}`);
      continue;
    }
    const file = [options.out, folder, `${name}.sql`].filter((part) => part !== '').join('/');
    // Two drafts one file: a case-only difference is one file on macOS and Windows.
    const key = file.toLowerCase();
    const first = taken.get(key);
    if (first !== undefined) {
      skip(`it would be written to ${file}, as draft ${first} is; rename one in the console`);
      continue;
    }
    taken.set(key, draftId);
    const text = draft.artifact?.sqlArtifact?.sqlScript ?? '';
    const entry: ImportEntry = { file, name, folder, draftId, declared: declaredOf(draft) };
    files.push({ file, text, entry });
  }
  return { files, skipped };
}
