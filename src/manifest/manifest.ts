// Parses and validates the manifest that maps .sql files to SQL job drafts. Pure: the caller reads
// the file; checks that need the file system (symlinks, existence) live elsewhere.
import {
  LineCounter,
  isAlias,
  isMap,
  isNode,
  isScalar,
  isSeq,
  visit,
  type Document,
  type Node,
  type YAMLMap,
} from 'yaml';
import { YAML_LIMITS, YamlCode, readYaml, show, type YamlProblem } from './yaml.js';
import { err, ok, type Result } from '../runtime/result.js';
import { RESTART, type Restart } from '../settings.js';

export interface ManifestEntry {
  /** Normalized POSIX path relative to the repository root. */
  file: string;
  /**
   * Lower-cased UUID; empty when the entry names its draft by `name` only, to be found through the
   * namespace's listing (and created when it is not there).
   */
  draftId: string;
  /** The draft's name, beside or instead of `draftId`. */
  name?: string;
  /** The draft's folder as a path of names, e.g. `orders/enrichment`; empty for the root. */
  folder?: string;
  /** Fields the entry declares: kept as declared on every write, and drift-checked. */
  declared?: DeclaredFields;
  workspace: string;
  namespace: string;
  line: number;
  column: number;
  /** The entry's own `deploy:`, over the input. */
  deploy?: boolean;
  /** The entry's own `restart:`, over the input. */
  restart?: Restart;
}

/** Draft fields an entry may declare; a field not declared is left as the draft has it. */
export interface DeclaredFields {
  engineVersion?: string;
  executionMode?: ExecutionMode;
  additionalDependencies?: string[];
  /** In the manifest's order; compared by name. */
  localVariables?: Array<{ name: string; value: string }>;
}

export const EXECUTION_MODES = ['STREAMING', 'BATCH'] as const;
export type ExecutionMode = (typeof EXECUTION_MODES)[number];

/**
 * Longest draft or folder name accepted. The service's own limit is not published: this guess
 * is the one line to change when a longer name is refused by the server or needed by a user.
 */
export const MAX_NAME_LENGTH = 64;
/** Deepest folder path accepted. */
export const MAX_FOLDER_DEPTH = 16;

export interface ManifestProblem {
  /** The manifest's path, for messages. */
  path: string;
  line: number;
  column: number;
  /** Where in the manifest, e.g. `drafts[2].draftId`; empty for problems with the file as a whole. */
  field: string;
  code: ManifestCodeValue;
  message: string;
}

/** The entries, or every problem found, in document order. */
export type ManifestResult = Result<ManifestEntry[], ManifestProblem[]>;

export interface ManifestOptions {
  path: string;
  /** From the action inputs. An entry's own value wins, then the manifest's `defaults`, then these. */
  defaults?: { workspace?: string; namespace?: string };
  maxBytes?: number;
}

export const MANIFEST_LIMITS = {
  maxBytes: 1024 * 1024,
  ...YAML_LIMITS,
  maxEntries: 10_000,
  maxScalarLength: 4096,
  /** Problems reported at most; the last one says how many more there are. */
  maxProblems: 100,
} as const;

export const ManifestCode = {
  ManifestTooLarge: 'ManifestTooLarge',
  TooManyProblems: 'TooManyProblems',
  // Defined by the YAML reader so that it needs nothing from this module; spread here, in their
  // old place, so that this stays the one list of codes and keeps its order.
  ...YamlCode,
  ScalarTooLong: 'ScalarTooLong',
  ManifestEmpty: 'ManifestEmpty',
  ManifestNotMapping: 'ManifestNotMapping',
  DuplicateKey: 'DuplicateKey',
  UnknownKey: 'UnknownKey',
  VersionMissing: 'VersionMissing',
  VersionUnsupported: 'VersionUnsupported',
  DefaultsNotMapping: 'DefaultsNotMapping',
  DraftsMissing: 'DraftsMissing',
  DraftsNotSequence: 'DraftsNotSequence',
  TooManyDrafts: 'TooManyDrafts',
  EntryNotMapping: 'EntryNotMapping',
  FieldMissing: 'FieldMissing',
  NotAString: 'NotAString',
  DraftIdNotUuid: 'DraftIdNotUuid',
  PathEmpty: 'PathEmpty',
  PathControlCharacter: 'PathControlCharacter',
  PathAbsolute: 'PathAbsolute',
  PathBackslash: 'PathBackslash',
  PathTraversal: 'PathTraversal',
  PathNotSql: 'PathNotSql',
  DuplicateFile: 'DuplicateFile',
  DuplicateDraft: 'DuplicateDraft',
  WorkspaceMissing: 'WorkspaceMissing',
  NamespaceMissing: 'NamespaceMissing',
  WorkspaceInvalid: 'WorkspaceInvalid',
  NamespaceInvalid: 'NamespaceInvalid',
  DeployNotBoolean: 'DeployNotBoolean',
  RestartInvalid: 'RestartInvalid',
  NameInvalid: 'NameInvalid',
  FolderInvalid: 'FolderInvalid',
  FolderWithoutName: 'FolderWithoutName',
  ExecutionModeInvalid: 'ExecutionModeInvalid',
  EngineVersionInvalid: 'EngineVersionInvalid',
  DependenciesInvalid: 'DependenciesInvalid',
  VariablesInvalid: 'VariablesInvalid',
} as const;

export type ManifestCodeValue = (typeof ManifestCode)[keyof typeof ManifestCode];

export function formatProblem(p: ManifestProblem): string {
  const where = `${p.path}:${p.line}:${p.column}`;
  return p.field ? `${where}: ${p.field}: ${p.message}` : `${where}: ${p.message}`;
}

const TOP_KEYS = ['version', 'defaults', 'drafts'] as const;
const DEFAULTS_KEYS = ['workspace', 'namespace'] as const;
const ENTRY_KEYS = [
  'file',
  'draftId',
  'name',
  'folder',
  'workspace',
  'namespace',
  'engineVersion',
  'executionMode',
  'additionalDependencies',
  'localVariables',
  'deploy',
  'restart',
] as const;
/** Keys written one level too high, which is the likeliest way to misplace them. */
const TOP_LEVEL_HINTS = new Map([
  ['workspace', 'move it under `defaults:`'],
  ['namespace', 'move it under `defaults:`'],
  ['file', 'it belongs in an entry under `drafts:`'],
  ['draftId', 'it belongs in an entry under `drafts:`'],
]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A problem located by offset; turned into line and column once the whole text is counted. */
interface Found {
  offset: number;
  field: string;
  code: ManifestCodeValue;
  message: string;
}

export function parseManifest(text: string, options: ManifestOptions): ManifestResult {
  const lines = new LineCounter();
  const found = collectProblems(text, options, lines);
  if (found.ok) return found;
  // A stable sort: problems at one spot keep the order in which they were found.
  const sorted = found.error.sort((a, b) => a.offset - b.offset);
  const { maxProblems } = MANIFEST_LIMITS;
  const shown = sorted.length > maxProblems ? sorted.slice(0, maxProblems - 1) : sorted;
  const rest = sorted[shown.length];
  if (shown !== sorted && rest) {
    const message = `${sorted.length - shown.length} more problems are not shown; fix these and run again`;
    shown.push(at(rest.offset, '', ManifestCode.TooManyProblems, message));
  }
  const problems = shown.map((f) => {
    const pos = lines.linePos(f.offset);
    const { field, code, message } = f;
    return { path: options.path, line: pos.line, column: pos.col, field, code, message };
  });
  return err(problems);
}

function collectProblems(
  text: string,
  options: ManifestOptions,
  lines: LineCounter,
): Result<ManifestEntry[], Found[]> {
  const maxBytes = options.maxBytes ?? MANIFEST_LIMITS.maxBytes;
  // UTF-8 never takes fewer bytes than UTF-16 has code units, so a long string needs no encoding.
  if (text.length > maxBytes || Buffer.byteLength(text, 'utf8') > maxBytes) {
    lines.addNewLine(0);
    const message = `the manifest is larger than ${maxBytes} bytes, the limit; make it smaller`;
    return err([at(0, '', ManifestCode.ManifestTooLarge, message)]);
  }
  const read = readYaml(text, lines);
  if (!read.ok) return err(read.error.map(fromYaml));
  const { doc } = read.value;
  if (!doc) return err([at(0, '', ManifestCode.ManifestEmpty, emptyMessage)]);
  const properties = read.value.properties.map(fromYaml);
  const ctx: Ctx = { text, lines, problems: [...properties, ...longScalars(doc)] };
  const entries = checkManifest(doc, options, ctx);
  return ctx.problems.length > 0 ? err(ctx.problems) : ok(entries);
}

const emptyMessage = 'the manifest is empty; it needs `version: 1` and a `drafts:` list';

function at(offset: number, field: string, code: ManifestCodeValue, message: string): Found {
  return { offset, field, code, message };
}

/** YAML problems concern the text, not one of the manifest's fields. */
function fromYaml(p: YamlProblem): Found {
  return at(p.offset, '', p.code, p.message);
}

/** Scalars over the length limit, wherever they are. */
function longScalars(doc: Document.Parsed): Found[] {
  const problems: Found[] = [];
  // Depth is already bounded, so yaml's recursive visit is safe here.
  visit(doc, (_key, node) => {
    if (!isScalar(node) || !node.range) return;
    const length = node.range[1] - node.range[0];
    if (length > MANIFEST_LIMITS.maxScalarLength) {
      const message = `this value is ${length} characters long; the limit is ${MANIFEST_LIMITS.maxScalarLength}`;
      problems.push(at(node.range[0], '', ManifestCode.ScalarTooLong, message));
    }
  });
  return problems;
}

// ---------------------------------------------------------------------------------------------
// The manifest's own rules. Nodes already reported (aliases, over-long scalars) are skipped so
// that one mistake yields one problem.

interface Ctx {
  text: string;
  lines: LineCounter;
  problems: Found[];
}

/** A key's value; `node` is absent for `key:` with nothing after it. */
interface Field {
  node: Node | undefined;
  /** Of the value, or of the key when there is no value. */
  offset: number;
  keyOffset: number;
}

/** Names given by the manifest's `defaults:`; null when given but invalid (reported already). */
type Names = { workspace?: string | null; namespace?: string | null };

function report(ctx: Ctx, offset: number, field: string, code: ManifestCodeValue, message: string) {
  ctx.problems.push(at(offset, field, code, message));
}

function checkManifest(doc: Document.Parsed, options: ManifestOptions, ctx: Ctx): ManifestEntry[] {
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) {
    report(ctx, root?.range[0] ?? 0, '', ManifestCode.ManifestEmpty, emptyMessage);
    return [];
  }
  if (!isMap(root)) {
    if (!skipped(root)) {
      const message = `the manifest must be a mapping with \`version: 1\` and \`drafts:\`, not ${describe(root, ctx)}`;
      report(ctx, root.range[0], '', ManifestCode.ManifestNotMapping, message);
    }
    return [];
  }
  const top = readMap(root, '', TOP_KEYS, ctx);
  checkVersion(top.get('version'), root.range[0], ctx);
  const defaults = readDefaults(top.get('defaults'), ctx);
  const drafts = top.get('drafts');
  if (!drafts) {
    const message = 'add a `drafts:` list that maps each .sql file to its draft';
    report(ctx, root.range[0], 'drafts', ManifestCode.DraftsMissing, message);
    return [];
  }
  if (!isSeq(drafts.node)) {
    if (!skipped(drafts.node)) {
      const message = `drafts must be a list of entries with \`file:\` and \`draftId:\`, not ${describe(drafts.node, ctx)}`;
      report(ctx, drafts.offset, 'drafts', ManifestCode.DraftsNotSequence, message);
    }
    return [];
  }
  const count = drafts.node.items.length;
  if (count > MANIFEST_LIMITS.maxEntries) {
    const message = `drafts has ${count} entries; the limit is ${MANIFEST_LIMITS.maxEntries}. Split them across several manifests`;
    report(ctx, drafts.offset, 'drafts', ManifestCode.TooManyDrafts, message);
    return [];
  }
  const inputs = checkInputs(options.defaults ?? {});
  return checkEntries(drafts.node.items, { manifest: defaults, inputs }, ctx);
}

function checkVersion(version: Field | undefined, rootOffset: number, ctx: Ctx): void {
  if (!version) {
    const message = 'add `version: 1` at the top of the manifest';
    report(ctx, rootOffset, 'version', ManifestCode.VersionMissing, message);
  } else if (!(isScalar(version.node) && version.node.value === 1) && !skipped(version.node)) {
    const message = `version must be 1, not ${describe(version.node, ctx)}`;
    report(ctx, version.offset, 'version', ManifestCode.VersionUnsupported, message);
  }
}

/** The manifest's `defaults:`; invalid values are reported here, once, and not inherited. */
function readDefaults(defaults: Field | undefined, ctx: Ctx): Names {
  const names: Names = {};
  // `defaults:` left empty (say, with every line commented out) means no defaults.
  if (!defaults || defaults.node === undefined || isNull(defaults.node)) return names;
  if (!isMap(defaults.node)) {
    if (!skipped(defaults.node)) {
      const message = `defaults must be a mapping with \`workspace:\` and/or \`namespace:\`, not ${describe(defaults.node, ctx)}`;
      report(ctx, defaults.offset, 'defaults', ManifestCode.DefaultsNotMapping, message);
    }
    return names;
  }
  const fields = readMap(defaults.node, 'defaults', DEFAULTS_KEYS, ctx);
  for (const name of DEFAULTS_KEYS) {
    const field = fields.get(name);
    if (field) names[name] = readName(name, field, `defaults.${name}`, ctx) ?? null;
  }
  return names;
}

interface Inputs {
  workspace: { value?: string; problem?: string; reported: boolean };
  namespace: { value?: string; problem?: string; reported: boolean };
}

function checkInputs(defaults: NonNullable<ManifestOptions['defaults']>): Inputs {
  const input = (name: 'workspace' | 'namespace') => {
    // An action input left blank arrives as ''; it means "not set".
    const value = defaults[name] === '' ? undefined : defaults[name];
    const problem = value === undefined ? undefined : nameProblem(name, value);
    return { value, problem, reported: false };
  };
  return { workspace: input('workspace'), namespace: input('namespace') };
}

function checkEntries(items: unknown[], inherited: { manifest: Names; inputs: Inputs }, ctx: Ctx) {
  const entries: ManifestEntry[] = [];
  const files = new Map<string, number>();
  const drafts = new Map<string, { file: string; offset: number }>();
  items.forEach((item, index) => {
    const field = `drafts[${index}]`;
    if (!isMap(item)) {
      if (isNode(item) && !skipped(item)) {
        const message = `each entry must be a mapping with \`file:\` and \`draftId:\`, not ${describe(item, ctx)}`;
        report(ctx, offsetOf(item), field, ManifestCode.EntryNotMapping, message);
      }
      return;
    }
    const offset = offsetOf(item);
    const fields = readMap(item, field, ENTRY_KEYS, ctx);
    const file = readFile(fields.get('file'), offset, field, ctx);
    const named = readDraftName(fields, offset, field, ctx);
    const draftId = named && readDraftId(fields.get('draftId'), named, offset, field, ctx);
    const workspace = resolveName('workspace', fields, offset, field, inherited, ctx);
    const namespace = resolveName('namespace', fields, offset, field, inherited, ctx);
    const rollout = readRollout(fields, field, ctx);
    const declared = readDeclared(fields, field, ctx);
    if (!file || !named || !draftId || workspace === undefined || namespace === undefined) return;
    if (!rollout || !declared) return;

    const firstFile = files.get(file.path);
    if (firstFile !== undefined) {
      const message = `${file.path} is already mapped at line ${lineOf(firstFile, ctx)}; keep one entry per file`;
      report(ctx, file.offset, `${field}.file`, ManifestCode.DuplicateFile, message);
      return;
    }
    files.set(file.path, file.offset);
    // A draft is one draft whether the entry gives its ID or its name in its folder.
    const keys: Array<{ key: string; what: string; offset: number; name: string }> = [];
    const where = `workspace ${workspace}, namespace ${namespace}`;
    if (draftId.id) {
      const key = JSON.stringify([workspace, namespace, draftId.id]);
      keys.push({
        key,
        what: `draft ${draftId.id} (${where})`,
        offset: draftId.offset,
        name: 'draftId',
      });
    }
    if (named.name !== undefined) {
      const key = JSON.stringify([workspace, namespace, named.folder ?? '', named.name]);
      const path = named.folder ? `${named.folder}/${named.name}` : named.name;
      keys.push({
        key: `name:${key}`,
        what: `the draft named ${show(path)} (${where})`,
        offset: named.offset,
        name: 'name',
      });
    }
    for (const k of keys) {
      const firstDraft = drafts.get(k.key);
      if (firstDraft) {
        const message = `${k.what} is already mapped from ${firstDraft.file} at line ${lineOf(firstDraft.offset, ctx)}; a draft can take its script from one file only`;
        report(ctx, k.offset, `${field}.${k.name}`, ManifestCode.DuplicateDraft, message);
        return;
      }
    }
    for (const k of keys) drafts.set(k.key, { file: file.path, offset: k.offset });
    const { line, col } = ctx.lines.linePos(offset);
    const entry: ManifestEntry = {
      file: file.path,
      draftId: draftId.id,
      workspace,
      namespace,
      line,
      column: col,
      ...rollout.value,
    };
    if (named.name !== undefined) {
      entry.name = named.name;
      entry.folder = named.folder ?? '';
    }
    if (Object.keys(declared.value).length > 0) entry.declared = declared.value;
    entries.push(entry);
  });
  return entries;
}

/** An entry's own `deploy:` (a YAML boolean) and `restart:` (`never` or `if-running`). */
function readRollout(fields: Map<string, Field>, field: string, ctx: Ctx) {
  const value: { deploy?: boolean; restart?: Restart } = {};
  let fine = true;
  const deploy = fields.get('deploy');
  if (deploy) {
    const { node } = deploy;
    if (isScalar(node) && typeof node.value === 'boolean') value.deploy = node.value;
    else {
      fine = false;
      const message = `\`deploy\` must be true or false, not ${describe(node, ctx)}`;
      report(ctx, deploy.offset, `${field}.deploy`, ManifestCode.DeployNotBoolean, message);
    }
  }
  const restart = fields.get('restart');
  if (restart) {
    const raw = readString(restart, `${field}.restart`, ctx);
    if (raw === undefined) fine = false;
    else if ((RESTART as readonly string[]).includes(raw)) value.restart = raw as Restart;
    else {
      fine = false;
      const message = `\`restart\` must be ${RESTART.map((r) => `\`${r}\``).join(' or ')}, not ${show(raw)}`;
      report(ctx, restart.offset, `${field}.restart`, ManifestCode.RestartInvalid, message);
    }
  }
  return fine ? { value } : undefined;
}

/** The draft fields the entry declares; undefined after reporting a bad one. */
function readDeclared(fields: Map<string, Field>, field: string, ctx: Ctx) {
  const value: DeclaredFields = {};
  let fine = true;
  const bad = (f: Field, key: string, code: ManifestCodeValue, message: string) => {
    fine = false;
    report(ctx, f.offset, `${field}.${key}`, code, message);
  };
  const engine = fields.get('engineVersion');
  if (engine) {
    const raw = readString(engine, `${field}.engineVersion`, ctx);
    if (raw === undefined) fine = false;
    else if (raw.trim() === '' || hasControlCharacter(raw) || raw.length > 128) {
      bad(
        engine,
        'engineVersion',
        ManifestCode.EngineVersionInvalid,
        `engineVersion ${show(raw)} is not an engine version, such as vvr-8.0.11-flink-1.17`,
      );
    } else value.engineVersion = raw;
  }
  const mode = fields.get('executionMode');
  if (mode) {
    const raw = readString(mode, `${field}.executionMode`, ctx);
    if (raw === undefined) fine = false;
    else if ((EXECUTION_MODES as readonly string[]).includes(raw))
      value.executionMode = raw as ExecutionMode;
    else
      bad(
        mode,
        'executionMode',
        ManifestCode.ExecutionModeInvalid,
        `\`executionMode\` must be \`STREAMING\` or \`BATCH\`, not ${show(raw)}`,
      );
  }
  const deps = fields.get('additionalDependencies');
  if (deps) {
    const { node } = deps;
    const items = isSeq(node) ? node.items : undefined;
    const list: string[] = [];
    if (!items) {
      if (!skipped(node))
        bad(
          deps,
          'additionalDependencies',
          ManifestCode.DependenciesInvalid,
          `\`additionalDependencies\` must be a list of URIs, not ${describe(node, ctx)}`,
        );
      else fine = false;
    } else {
      items.forEach((item, i) => {
        const key = `additionalDependencies[${i}]`;
        const raw = readString(
          {
            node: isNode(item) ? item : undefined,
            offset: offsetOf(item) || deps.offset,
            keyOffset: deps.keyOffset,
          },
          `${field}.${key}`,
          ctx,
        );
        if (raw === undefined) fine = false;
        else if (raw.trim() === '' || hasControlCharacter(raw)) {
          fine = false;
          report(
            ctx,
            offsetOf(item),
            `${field}.${key}`,
            ManifestCode.DependenciesInvalid,
            `${show(raw)} is not a dependency URI`,
          );
        } else list.push(raw);
      });
      value.additionalDependencies = list;
    }
  }
  const vars = fields.get('localVariables');
  if (vars) {
    const { node } = vars;
    if (!isMap(node)) {
      if (!skipped(node))
        bad(
          vars,
          'localVariables',
          ManifestCode.VariablesInvalid,
          `\`localVariables\` must be a mapping of names to values, not ${describe(node, ctx)}`,
        );
      else fine = false;
    } else {
      const list: Array<{ name: string; value: string }> = [];
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key =
          isScalar(pair.key) && typeof pair.key.value === 'string' ? pair.key.value : undefined;
        const keyOffset = offsetOf(pair.key) || vars.offset;
        if (key === undefined || key.trim() === '' || hasControlCharacter(key) || seen.has(key)) {
          fine = false;
          const why =
            key !== undefined && seen.has(key)
              ? `${show(key)} is given twice`
              : `${describe(pair.key, ctx)} is not a variable name`;
          report(ctx, keyOffset, `${field}.localVariables`, ManifestCode.VariablesInvalid, why);
          continue;
        }
        seen.add(key);
        const valueNode = isNode(pair.value) ? pair.value : undefined;
        const raw = readString(
          { node: valueNode, offset: valueNode ? offsetOf(valueNode) : keyOffset, keyOffset },
          `${field}.localVariables.${key}`,
          ctx,
        );
        if (raw === undefined) fine = false;
        else list.push({ name: key, value: raw });
      }
      value.localVariables = list;
    }
  }
  return fine ? { value } : undefined;
}

function readFile(file: Field | undefined, entryOffset: number, field: string, ctx: Ctx) {
  if (!file) {
    const message = 'add `file:` with the path of the .sql file, relative to the repository root';
    report(ctx, entryOffset, `${field}.file`, ManifestCode.FieldMissing, message);
    return undefined;
  }
  const raw = readString(file, `${field}.file`, ctx);
  if (raw === undefined) return undefined;
  const checked = checkPath(raw);
  if (!checked.ok) {
    report(ctx, file.offset, `${field}.file`, checked.error.code, checked.error.message);
    return undefined;
  }
  return { path: checked.value, offset: file.offset };
}

/** The entry's `name:` and `folder:`; `{}` when it gives neither. */
function readDraftName(
  fields: Map<string, Field>,
  entryOffset: number,
  field: string,
  ctx: Ctx,
): { name?: string; folder?: string; offset: number } | undefined {
  const nameField = fields.get('name');
  const folderField = fields.get('folder');
  let fine = true;
  let name: string | undefined;
  if (nameField) {
    const raw = readString(nameField, `${field}.name`, ctx);
    const problem = raw === undefined ? undefined : draftNameProblem(raw);
    if (raw === undefined) fine = false;
    else if (problem) {
      fine = false;
      report(ctx, nameField.offset, `${field}.name`, ManifestCode.NameInvalid, `name ${problem}`);
    } else name = raw;
  }
  let folder: string | undefined;
  if (folderField) {
    const raw = readString(folderField, `${field}.folder`, ctx);
    const problem = raw === undefined ? undefined : folderProblem(raw);
    if (raw === undefined) fine = false;
    else if (problem) {
      fine = false;
      report(
        ctx,
        folderField.offset,
        `${field}.folder`,
        ManifestCode.FolderInvalid,
        `folder ${problem}`,
      );
    } else folder = raw;
    if (!nameField) {
      fine = false;
      const message = "`folder` places a draft found by `name`; add `name:` with the draft's name";
      report(
        ctx,
        folderField.keyOffset,
        `${field}.folder`,
        ManifestCode.FolderWithoutName,
        message,
      );
    }
  }
  if (!fine) return undefined;
  const result: { name?: string; folder?: string; offset: number } = {
    offset: nameField?.offset ?? entryOffset,
  };
  if (name !== undefined) result.name = name;
  if (folder !== undefined) result.folder = folder;
  return result;
}

/** Why a draft's (or one folder's) name cannot be used; undefined when it can. */
export function draftNameProblem(value: string): string | undefined {
  if (value.trim() === '') return 'is empty; give the name shown in the console';
  if (hasControlCharacter(value)) return `${show(value)} contains a control character; remove it`;
  if (value.includes('/')) return `${show(value)} contains "/"; put folders in \`folder:\``;
  if (value.includes('\\')) return `${show(value)} contains "\\"; remove it`;
  if (value === '.' || value === '..') return `${show(value)} is not a name`;
  if (value !== value.trim()) return `${show(value)} starts or ends with a space; remove it`;
  if ([...value].length > MAX_NAME_LENGTH) {
    return `${show(value)} is longer than ${MAX_NAME_LENGTH} characters`;
  }
  return undefined;
}

/** Why a folder path (`a/b`) cannot be used; undefined when it can. */
export function folderProblem(value: string): string | undefined {
  if (value === '') return 'is empty; leave `folder:` out for the root folder';
  if (value.startsWith('/') || value.endsWith('/')) {
    return `${show(value)} starts or ends with "/"; give it as \`a/b\`, from the root folder`;
  }
  const segments = value.split('/');
  if (segments.length > MAX_FOLDER_DEPTH) {
    return `${show(value)} is ${segments.length} folders deep; the limit is ${MAX_FOLDER_DEPTH}`;
  }
  for (const segment of segments) {
    if (segment === '') return `${show(value)} has an empty folder name ("//")`;
    const problem = draftNameProblem(segment);
    if (problem) return `${show(value)}: the folder name ${problem}`;
  }
  return undefined;
}

function readDraftId(
  draftId: Field | undefined,
  named: { name?: string },
  entryOffset: number,
  field: string,
  ctx: Ctx,
) {
  if (!draftId) {
    // A draft named by `name` is found (or created) through the namespace's listing.
    if (named.name !== undefined) return { id: '', offset: entryOffset };
    const message = "add `draftId:` with the draft's ID, a UUID, or `name:` with its name";
    report(ctx, entryOffset, `${field}.draftId`, ManifestCode.FieldMissing, message);
    return undefined;
  }
  const raw = readString(draftId, `${field}.draftId`, ctx);
  if (raw === undefined) return undefined;
  if (!UUID.test(raw)) {
    const message = `${show(raw)} is not a draft ID; use the UUID form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`;
    report(ctx, draftId.offset, `${field}.draftId`, ManifestCode.DraftIdNotUuid, message);
    return undefined;
  }
  return { id: raw.toLowerCase(), offset: draftId.offset };
}

/** The entry's own value, else the manifest's default, else the action input. */
function resolveName(
  name: 'workspace' | 'namespace',
  fields: Map<string, Field>,
  entryOffset: number,
  field: string,
  inherited: { manifest: Names; inputs: Inputs },
  ctx: Ctx,
): string | undefined {
  const own = fields.get(name);
  if (own) return readName(name, own, `${field}.${name}`, ctx);
  const fromManifest = inherited.manifest[name];
  if (fromManifest !== undefined) return fromManifest ?? undefined;
  const input = inherited.inputs[name];
  if (input.value !== undefined && input.problem === undefined) return input.value;
  if (input.problem !== undefined) {
    // Reported once, at the first entry that falls back to it.
    if (!input.reported) {
      input.reported = true;
      const message = `the action input \`${name}\` ${input.problem}`;
      report(ctx, entryOffset, `${field}.${name}`, invalidCode(name), message);
    }
    return undefined;
  }
  const message = `no ${name}: add \`${name}:\` to this entry or to \`defaults:\`, or set the action input \`${name}\``;
  const code = name === 'workspace' ? ManifestCode.WorkspaceMissing : ManifestCode.NamespaceMissing;
  report(ctx, entryOffset, `${field}.${name}`, code, message);
  return undefined;
}

function readName(name: 'workspace' | 'namespace', value: Field, field: string, ctx: Ctx) {
  const raw = readString(value, field, ctx);
  if (raw === undefined) return undefined;
  const problem = nameProblem(name, raw);
  if (problem === undefined) return raw;
  report(ctx, value.offset, field, invalidCode(name), `${name} ${problem}`);
  return undefined;
}

function invalidCode(name: 'workspace' | 'namespace'): ManifestCodeValue {
  return name === 'workspace' ? ManifestCode.WorkspaceInvalid : ManifestCode.NamespaceInvalid;
}

function nameProblem(name: string, value: string): string | undefined {
  if (value.trim() === '') return `is empty; set it to the ${name} shown in the console`;
  if (hasControlCharacter(value)) return `${show(value)} contains a control character; remove it`;
  if (value.includes('/')) return `${show(value)} contains "/"; give the bare ${name} name`;
  return undefined;
}

/** Checks a `file:` value and normalizes it to a POSIX path relative to the repository root. */
function checkPath(raw: string): Result<string, { code: ManifestCodeValue; message: string }> {
  const fail = (code: ManifestCodeValue, why: string) =>
    err({ code, message: `${show(raw)} ${why}` });
  if (raw.trim() === '') return fail(ManifestCode.PathEmpty, 'is empty; give the .sql file path');
  if (hasControlCharacter(raw))
    return fail(ManifestCode.PathControlCharacter, 'contains a control character; remove it');
  if (/^([/\\]|[A-Za-z]:)/.test(raw))
    return fail(
      ManifestCode.PathAbsolute,
      'is absolute; give the path relative to the repository root, e.g. sql/orders.sql',
    );
  if (raw.includes('\\'))
    return fail(ManifestCode.PathBackslash, 'contains "\\"; separate directories with "/"');
  const segments = raw.split('/');
  if (segments.includes('..'))
    return fail(
      ManifestCode.PathTraversal,
      'contains "..": give the path from the repository root without ".."',
    );
  const path = segments.filter((s) => s !== '' && s !== '.').join('/');
  if (path === '') return fail(ManifestCode.PathEmpty, 'names no file; give the .sql file path');
  if (raw.endsWith('/'))
    return fail(
      ManifestCode.PathNotSql,
      'ends in "/", so it names a directory; give the .sql file path',
    );
  if (!path.endsWith('.sql')) {
    const why = path.toLowerCase().endsWith('.sql')
      ? 'must end in lower-case ".sql"; rename the file and the entry'
      : 'does not end in ".sql"; only .sql files can be synced to SQL drafts';
    return fail(ManifestCode.PathNotSql, why);
  }
  return ok(path);
}

/** A mapping's fields by key; unknown and repeated keys are reported, the first of a repeat wins. */
function readMap(map: YAMLMap, field: string, known: readonly string[], ctx: Ctx) {
  const fields = new Map<string, Field>();
  const prefix = field ? `${field}.` : '';
  for (const pair of map.items) {
    const key = isNode(pair.key) ? pair.key : undefined;
    const keyOffset = key ? offsetOf(key) : offsetOf(map);
    if (key && skipped(key)) continue;
    const name = isScalar(key) && typeof key.value === 'string' ? key.value : undefined;
    if (name === undefined || !known.includes(name)) {
      const guess = name === undefined ? undefined : suggest(name, known);
      const misplaced = field === '' && name !== undefined ? TOP_LEVEL_HINTS.get(name) : undefined;
      const hint = guess
        ? `did you mean \`${guess}\`?`
        : (misplaced ?? `the keys allowed here are ${known.map((k) => `\`${k}\``).join(', ')}`);
      const label = name === undefined ? describe(key, ctx) : show(name);
      const where = name === undefined ? field : prefix + name;
      report(ctx, keyOffset, where, ManifestCode.UnknownKey, `unknown key ${label}; ${hint}`);
      continue;
    }
    const first = fields.get(name);
    if (first) {
      const message = `\`${name}\` is given twice (first at line ${lineOf(first.keyOffset, ctx)}); keep one`;
      report(ctx, keyOffset, prefix + name, ManifestCode.DuplicateKey, message);
      continue;
    }
    const node = isNode(pair.value) ? pair.value : undefined;
    fields.set(name, { node, offset: node ? offsetOf(node) : keyOffset, keyOffset });
  }
  return fields;
}

/** The value as a string, or undefined after reporting why it is not one. */
function readString(value: Field, field: string, ctx: Ctx): string | undefined {
  const { node } = value;
  if (node && skipped(node)) return undefined;
  if (isScalar(node) && typeof node.value === 'string') return node.value;
  const name = field.slice(field.lastIndexOf('.') + 1);
  const message =
    node === undefined || isNull(node)
      ? `\`${name}\` has no value; give one`
      : isScalar(node)
        ? `\`${name}\` must be text, not ${describe(node, ctx)}; put it in quotes`
        : `\`${name}\` must be text, not ${describe(node, ctx)}`;
  report(ctx, value.offset, field, ManifestCode.NotAString, message);
  return undefined;
}

/** Nodes reported already as a whole; checking their content too would only repeat the news. */
function skipped(node: unknown): boolean {
  if (isAlias(node)) return true;
  return (
    isScalar(node) &&
    !!node.range &&
    node.range[1] - node.range[0] > MANIFEST_LIMITS.maxScalarLength
  );
}

function isNull(node: unknown): boolean {
  return isScalar(node) && node.value === null;
}

function describe(node: unknown, ctx: Ctx): string {
  if (node === undefined || node === null || isNull(node)) return 'an empty value';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (!isScalar(node)) return 'an alias';
  const source = node.range ? ctx.text.slice(node.range[0], node.range[1]) : String(node.value);
  switch (typeof node.value) {
    case 'string':
      return `the text ${show(node.value)}`;
    case 'number':
    case 'bigint':
      return `the number ${source.slice(0, 60)}`;
    case 'boolean':
      return `the boolean ${source.slice(0, 60)}`;
    default:
      // YAML 1.1 (`%YAML 1.1`) also reads dates and the like.
      return `the non-text value ${show(source)}`;
  }
}

function offsetOf(node: unknown): number {
  return isNode(node) && node.range ? node.range[0] : 0;
}

function lineOf(offset: number, ctx: Ctx): number {
  return ctx.lines.linePos(offset).line;
}

/** The known key the user most likely meant: same letters in another case, or one or two typos. */
function suggest(name: string, known: readonly string[]): string | undefined {
  if (name.length > 40) return undefined;
  let best: { key: string; distance: number } | undefined;
  for (const key of known) {
    const distance = editDistance(name.toLowerCase(), key.toLowerCase());
    if (distance <= 2 && (!best || distance < best.distance)) best = { key, distance };
  }
  return best?.key;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** C0 and C1 control characters, DEL included. */
function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
}
