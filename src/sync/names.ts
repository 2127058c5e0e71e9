// Which listed draft a manifest entry's `name` (in its `folder`) names. Pure: the listing and the
// folder walk are the caller's.
import type { DeploymentDraft } from '../ververica/draft.js';

export type NameMatch =
  { kind: 'none' } | { kind: 'one'; draft: DeploymentDraft } | { kind: 'many'; draftIds: string[] };

/**
 * The drafts called `name` directly in the folder `folderId`. A draft without a `parentId` is
 * taken to be in the root folder. Two or more is an answer too: never a guess between them.
 */
export function matchName(
  drafts: readonly DeploymentDraft[],
  name: string,
  folderId: string,
  rootId: string,
): NameMatch {
  const inFolder = (draft: DeploymentDraft): boolean =>
    draft.parentId === folderId || (folderId === rootId && !draft.parentId);
  const found = drafts.filter((draft) => draft.name === name && inFolder(draft));
  if (found.length === 0) return { kind: 'none' };
  if (found.length === 1) return { kind: 'one', draft: found[0] as DeploymentDraft };
  return { kind: 'many', draftIds: found.map((d) => d.deploymentDraftId).sort() };
}

/** `orders/enrichment/name`, or the bare name in the root folder: how messages show a place. */
export function placeOf(folder: string | undefined, name: string): string {
  return folder ? `${folder}/${name}` : name;
}
