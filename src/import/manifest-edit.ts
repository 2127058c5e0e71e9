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
 * A scalar as YAML: plain when it cannot be read as anything but this text, else double-quoted
 * (a JSON string is a valid YAML double-quoted scalar, escapes included).
 */
export function yamlScalar(value: string): string {
  const plain =
    /^[A-Za-z_][A-Za-z0-9._/@+-]*(?::[A-Za-z0-9._/@+-]+)*$/.test(value) &&
    !/^(?:true|false|null|yes|no|on|off|y|n)$/i.test(value);
  return plain ? value : JSON.stringify(value);
}

/**
 * A new manifest, written as text: the same YAML the library would write, without building a
 * document of thousands of nodes first (held to parse back to the entries by a property test).
 */
function newManifest(entries: readonly ImportEntry[], scope: Scope): string {
  const lines = [
    '# Drafts imported by flink-draft-sync import; see the README for the fields.',
    'version: 1',
    'defaults:',
    `  workspace: ${yamlScalar(scope.workspace)}`,
    `  namespace: ${yamlScalar(scope.namespace)}`,
    entries.length === 0 ? 'drafts: []' : 'drafts:',
  ];
  for (const entry of entries) {
    const fields = Object.entries(entryMap(entry, scope, false));
    fields.forEach(([key, value], index) => {
      const lead = index === 0 ? '  - ' : '    ';
      if (Array.isArray(value)) {
        lines.push(`${lead}${key}:`, ...value.map((v: string) => `      - ${yamlScalar(v)}`));
      } else if (typeof value === 'object' && value !== null) {
        lines.push(`${lead}${key}:`);
        for (const [name, v] of Object.entries(value as Record<string, string>)) {
          lines.push(`      ${yamlScalar(name)}: ${yamlScalar(v)}`);
        }
      } else {
        lines.push(`${lead}${key}: ${yamlScalar(String(value))}`);
      }
    });
  }
  return `${lines.join('\n')}\n`;
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
  if (!existing) return { text: newManifest(added, scope), added, present };
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
