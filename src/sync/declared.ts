// The draft fields a manifest entry declares (engine version, execution mode, dependencies,
// variables): how a draft differs from them, how a write sets them, and how a new draft is made
// from them. Pure. A field the entry does not declare is never looked at or touched.
import { COMMIT_LABEL, CREATED_LABEL, REPOSITORY_LABEL } from '../codes.js';
import type { DeclaredFields } from '../manifest/manifest.js';
import type { DeploymentDraft, NewDraft } from '../ververica/draft.js';

export const DEFAULT_EXECUTION_MODE = 'STREAMING';

/** One declared field whose value on the draft differs from the declaration. */
export interface FieldChange {
  field: keyof DeclaredFields;
  /** As the draft has it, shown as text; `(none)` when it has nothing. */
  from: string;
  to: string;
}

type Declared = Required<DeclaredFields>;

const FIELDS: Array<keyof DeclaredFields> = [
  'engineVersion',
  'executionMode',
  'additionalDependencies',
  'localVariables',
];

/** The field's value on a draft, in the declaration's form. */
function valueOn(draft: DeploymentDraft, field: keyof DeclaredFields): unknown {
  switch (field) {
    case 'engineVersion':
      return draft.engineVersion;
    case 'executionMode':
      return draft.executionMode;
    case 'additionalDependencies':
      return draft.artifact?.sqlArtifact?.additionalDependencies ?? [];
    case 'localVariables':
      return (draft.localVariables ?? []).map(({ name, value }) => ({ name, value }));
  }
}

/** Text for a diff line: a list joined with commas, variables as `name=value`. */
function show(field: keyof DeclaredFields, value: unknown): string {
  if (value === undefined || value === null || value === '') return '(none)';
  if (field === 'localVariables') {
    const vars = value as Declared['localVariables'];
    return vars.length === 0 ? '(none)' : vars.map((v) => `${v.name}=${v.value}`).join(', ');
  }
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : value.join(', ');
  return String(value);
}

/** Variables compare by name, whatever order the server keeps them in; dependencies in order. */
function same(field: keyof DeclaredFields, a: unknown, b: unknown): boolean {
  if (field === 'localVariables') {
    const sorted = (v: unknown) =>
      JSON.stringify(
        [...((v ?? []) as Declared['localVariables'])].sort((x, y) =>
          x.name < y.name ? -1 : x.name > y.name ? 1 : 0,
        ),
      );
    return sorted(a) === sorted(b);
  }
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** The declared fields the draft does not hold as declared, in a fixed order. */
export function declaredChanges(
  draft: DeploymentDraft,
  declared: DeclaredFields | undefined,
): FieldChange[] {
  if (!declared) return [];
  const changes: FieldChange[] = [];
  for (const field of FIELDS) {
    const want = declared[field];
    if (want === undefined) continue;
    const have = valueOn(draft, field);
    if (!same(field, have, want)) {
      changes.push({ field, from: show(field, have), to: show(field, want) });
    }
  }
  return changes;
}

/**
 * The declared fields whose value on the draft is neither the declaration now nor the one at the
 * diff's base: someone changed them outside git. A field declared only now is not drift.
 */
export function driftedFields(
  draft: DeploymentDraft,
  now: DeclaredFields | undefined,
  before: DeclaredFields | undefined,
): FieldChange[] {
  if (!now || !before) return [];
  return declaredChanges(draft, now).filter((change) => {
    const was = before[change.field];
    return was !== undefined && !same(change.field, valueOn(draft, change.field), was);
  });
}

/** The draft with every declared field set as declared; the rest as it was. */
export function withDeclared(
  draft: DeploymentDraft,
  declared: DeclaredFields | undefined,
): DeploymentDraft {
  if (!declared) return draft;
  const next: DeploymentDraft = { ...draft };
  if (declared.engineVersion !== undefined) next.engineVersion = declared.engineVersion;
  if (declared.executionMode !== undefined) next.executionMode = declared.executionMode;
  if (declared.localVariables !== undefined) {
    next.localVariables = declared.localVariables.map(({ name, value }) => ({ name, value }));
  }
  if (declared.additionalDependencies !== undefined) {
    const artifact = next.artifact ?? { kind: 'SQLSCRIPT' };
    next.artifact = {
      ...artifact,
      sqlArtifact: {
        ...artifact.sqlArtifact,
        additionalDependencies: [...declared.additionalDependencies],
      },
    };
  }
  return next;
}

/** CreateDeploymentDraft's body for an entry's new draft. */
export function newDraft(fields: {
  name: string;
  parentId: string;
  script: string;
  engineVersion: string;
  declared?: DeclaredFields;
  commitSha: string;
  repositoryId?: string;
}): NewDraft {
  const labels: Record<string, string> = {
    [COMMIT_LABEL]: fields.commitSha,
    [CREATED_LABEL]: fields.commitSha,
  };
  if (fields.repositoryId !== undefined) labels[REPOSITORY_LABEL] = fields.repositoryId;
  const declared = fields.declared ?? {};
  return {
    name: fields.name,
    parentId: fields.parentId,
    executionMode: declared.executionMode ?? DEFAULT_EXECUTION_MODE,
    engineVersion: fields.engineVersion,
    artifact: {
      kind: 'SQLSCRIPT',
      sqlArtifact: {
        sqlScript: fields.script,
        additionalDependencies: [...(declared.additionalDependencies ?? [])],
      },
    },
    localVariables: (declared.localVariables ?? []).map(({ name, value }) => ({ name, value })),
    labels,
  };
}
