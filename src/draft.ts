// The DeploymentDraft model of the Ververica OpenAPI (version 2022-07-18), as far as the action uses it.
// Unknown fields are kept: the action always sends back the whole draft it read, with only the
// script changed, so fields this model does not name must survive the round trip.

export type ArtifactKind = 'SQLSCRIPT' | 'JAR' | 'PYTHON';

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

/** Where a draft lives: the workspace header, the namespace path segment and the draft ID. */
export interface DraftRef {
  workspace: string;
  namespace: string;
  draftId: string;
}
