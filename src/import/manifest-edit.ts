// Writes the entries of an import into a manifest: a new manifest, or new entries appended to an
// existing one with its comments and layout kept (the yaml library's Document round trip). Pure.
// An entry whose draft or file the manifest already maps is left as the manifest has it.
import { isMap, isSeq, parseDocument, YAMLMap, YAMLSeq } from 'yaml';
import type { ManifestEntry } from '../manifest/manifest.js';
import type { ImportEntry } from './plan.js';

export interface Scope {
  workspace: string;
  namespace: string;
}

export interface ManifestEdit {
  /** The manifest's new text; the same text when nothing was added. */
  text: string;
  added: ImportEntry[];
  /** Already mapped, by draft or by file. */
  present: ImportEntry[];
}

function entryMap(entry: ImportEntry, scope: Scope, withScope: boolean): Record<string, unknown> {
  const map: Record<string, unknown> = { file: entry.file, name: entry.name };
  if (entry.folder !== '') map.folder = entry.folder;
  map.draftId = entry.draftId;
  if (withScope) {
    map.workspace = scope.workspace;
    map.namespace = scope.namespace;
  }
  const { engineVersion, executionMode, additionalDependencies, localVariables } = entry.declared;
  if (engineVersion !== undefined) map.engineVersion = engineVersion;
  if (executionMode !== undefined) map.executionMode = executionMode;
  if (additionalDependencies !== undefined) map.additionalDependencies = additionalDependencies;
  if (localVariables !== undefined) {
    map.localVariables = Object.fromEntries(localVariables.map((v) => [v.name, v.value]));
  }
  return map;
}

/**
 * `existing`: the manifest's text and its parsed entries, when there is one (a manifest that does
 * not parse is the caller's error to report: it is never rewritten).
 */
export function extendManifest(
  existing: { text: string; entries: readonly ManifestEntry[] } | undefined,
  entries: readonly ImportEntry[],
  scope: Scope,
): ManifestEdit {
  const mappedIds = new Set(
    (existing?.entries ?? [])
      .filter((e) => e.workspace === scope.workspace && e.namespace === scope.namespace)
      .map((e) => e.draftId),
  );
  const mappedFiles = new Set((existing?.entries ?? []).map((e) => e.file));
  const added: ImportEntry[] = [];
  const present: ImportEntry[] = [];
  for (const entry of entries) {
    if (mappedIds.has(entry.draftId) || mappedFiles.has(entry.file)) present.push(entry);
    else added.push(entry);
  }
  if (!existing) {
    const doc = parseDocument('version: 1\n');
    doc.set('defaults', doc.createNode({ workspace: scope.workspace, namespace: scope.namespace }));
    doc.set('drafts', doc.createNode(added.map((e) => entryMap(e, scope, false))));
    doc.commentBefore =
      ' Drafts imported by flink-draft-sync import; see the README for the fields.';
    return { text: doc.toString({ lineWidth: 0 }), added, present };
  }
  if (added.length === 0) return { text: existing.text, added, present };
  const doc = parseDocument(existing.text);
  const defaults = doc.get('defaults');
  const inherits =
    isMap(defaults) &&
    defaults.get('workspace') === scope.workspace &&
    defaults.get('namespace') === scope.namespace;
  let drafts = doc.get('drafts');
  if (!isSeq(drafts)) {
    drafts = new YAMLSeq();
    doc.set('drafts', drafts);
  }
  for (const entry of added) {
    (drafts as YAMLSeq).add(doc.createNode(entryMap(entry, scope, !inherits)) as YAMLMap);
  }
  return { text: doc.toString({ lineWidth: 0 }), added, present };
}
