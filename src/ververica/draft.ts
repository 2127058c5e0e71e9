// The DeploymentDraft model of the Ververica OpenAPI (version 2022-07-18), as far as the action uses it.
// Unknown fields are kept: the action sends back the editable part of the draft it read, with only
// the script changed, so fields this model does not name must survive the round trip.

export type ArtifactKind = 'SQLSCRIPT' | 'JAR' | 'PYTHON' | 'CDCYAML';

export interface SqlArtifact {
  sqlScript?: string;
  additionalDependencies?: string[];
  [key: string]: unknown;
}

export interface Artifact {
  kind: ArtifactKind | string;
  sqlArtifact?: SqlArtifact;
  jarArtifact?: Record<string, unknown>;
  pythonArtifact?: Record<string, unknown>;
  cdcYamlArtifact?: { cdcYaml?: string; additionalDependencies?: string[] };
  [key: string]: unknown;
}

export interface DraftLock {
  id?: string;
  workspace?: string;
  namespace?: string;
  holderId?: string;
  holderName?: string;
}

export interface DeploymentDraft {
  deploymentDraftId: string;
  name?: string;
  parentId?: string;
  referencedDeploymentId?: string;
  executionMode?: 'STREAMING' | 'BATCH' | string;
  engineVersion?: string;
  artifact?: Artifact;
  localVariables?: Array<{ name: string; value: string }>;
  labels?: Record<string, string>;
  lock?: DraftLock;
  workspace?: string;
  namespace?: string;
  creator?: string;
  creatorName?: string;
  modifier?: string;
  modifierName?: string;
  createdAt?: number;
  modifiedAt?: number;
  [key: string]: unknown;
}

/** CreateDeploymentDraft's body: a draft before the server gives it an ID. */
export type NewDraft = Omit<DeploymentDraft, 'deploymentDraftId'>;

/** Where a draft lives: the workspace header, the namespace path segment and the draft ID. */
export interface DraftRef {
  workspace: string;
  namespace: string;
  draftId: string;
}

/**
 * Fields the official model marks output only: the server sets them, so an update never sends
 * them back (the server's answer to a write carries them again).
 */
export const OUTPUT_ONLY_FIELDS = [
  'creator',
  'creatorName',
  'modifier',
  'modifierName',
  'createdAt',
  'modifiedAt',
  'lock',
] as const;

/** The draft without its output-only fields: what an update may send. */
export function editableFields(draft: DeploymentDraft): DeploymentDraft {
  const editable: DeploymentDraft = { ...draft };
  for (const field of OUTPUT_ONLY_FIELDS) delete editable[field];
  return editable;
}

/** A draft as read: by GET, or from a listing that keeps only a digest of the script. */
export interface DraftRead {
  /** The whole draft; a listed one has no `sqlScript`, which the update replaces anyway. */
  draft: DeploymentDraft;
  requestId?: string;
  /** Whether the draft's script is exactly `text`. */
  scriptEquals(text: string): boolean;
  /** When the answer arrived (the retry clock's ms); unknown counts as too old to write on. */
  readAt?: number;
}
