// Building blocks the end-to-end tests share: the manifest text that maps files to drafts, the SQL
// drafts the fake holds before a run, and the inputs that point the action at the fake with a key.
// Only what a caller passes ends up in a draft, so each test still says exactly what it seeds.
import type { ActionRun } from './action-runner.js';
import type { StoredDraftInput } from './fake-ververica.js';

export interface ManifestEntry {
  file: string;
  draftId: string;
}

export interface ManifestDefaults {
  workspace: string;
  namespace: string;
}

/** A version 1 manifest: the defaults block, then one `file`/`draftId` pair per entry. */
export function manifestYaml(
  entries: readonly ManifestEntry[],
  defaults: ManifestDefaults,
): string {
  return [
    'version: 1',
    'defaults:',
    `  workspace: ${defaults.workspace}`,
    `  namespace: ${defaults.namespace}`,
    'drafts:',
    ...entries.flatMap((e) => [`  - file: ${e.file}`, `    draftId: ${e.draftId}`]),
    '',
  ].join('\n');
}

export interface SqlDraftSpec extends ManifestDefaults {
  id: string;
  name: string;
  sqlScript: string;
  additionalDependencies?: string[];
  engineVersion?: string;
  executionMode?: string;
  labels?: Record<string, string>;
  createdAt?: number;
  modifiedAt?: number;
}

/** A SQLSCRIPT draft as the fake stores it; optional fields are set only when given. */
export function sqlDraft(spec: SqlDraftSpec): StoredDraftInput {
  const { id, name, workspace, namespace, sqlScript, additionalDependencies, ...optional } = spec;
  const draft: StoredDraftInput = {
    deploymentDraftId: id,
    name,
    workspace,
    namespace,
    artifact: {
      kind: 'SQLSCRIPT',
      sqlArtifact:
        additionalDependencies === undefined
          ? { sqlScript }
          : { sqlScript, additionalDependencies },
    },
  };
  for (const [field, value] of Object.entries(optional)) {
    if (value !== undefined) draft[field] = value;
  }
  return draft;
}

export interface AccessKey {
  accessKeyId: string;
  accessKeySecret: string;
}

/** Inputs for a run against `api` signed with `key`, with no pull request comment. */
export function keyInputs(api: { url: string }, key: AccessKey): Record<string, string> {
  return {
    endpoint: api.url,
    'access-key-id': key.accessKeyId,
    'access-key-secret': key.accessKeySecret,
    'comment-on-pr': 'false',
  };
}

/** One draft's row of the `results` output. */
export interface ResultRow {
  file: string;
  draftId: string;
  status: string;
  code: string | null;
  message: string | null;
  requestId: string | null;
  [field: string]: unknown;
}

/** The per-draft rows of the `results` output, in the order the action wrote them. */
export function resultRows(run: ActionRun): ResultRow[] {
  return JSON.parse(run.outputs.results ?? '[]') as ResultRow[];
}
