// `flink-draft-sync import`: brings a namespace built by hand into git. Lists every draft, walks the
// folder tree, writes each SQL draft's script to `<out>/<folder path>/<name>.sql` byte for byte,
// and writes or extends the manifest. Running it twice changes nothing; a local file that differs
// is never overwritten without `force`; nothing is ever written outside `out` (a path that would
// leave it, through `..` or a symlink, is refused).
import { lstat, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatProblem, parseManifest } from '../manifest/manifest.js';
import { RunError } from '../runtime/run-error.js';
import type { RetryContext } from '../runtime/retry.js';
import type { CreateApi } from '../ververica/draft-api.js';
import { Catalog, type Scope } from '../sync/catalog.js';
import { extendManifest } from './manifest-edit.js';
import { planImport, type ImportFile, type Skipped } from './plan.js';

/** Folders walked at most: far beyond any namespace built by hand, short of an endless tree. */
const MAX_FOLDERS = 10_000;

export interface ImportSettings extends Scope {
  /** The repository root: the manifest's paths start here. */
  root: string;
  /** The output folder, relative to `root` (or absolute inside it). */
  out: string;
  /** Only drafts in this folder path or below; '' for all. */
  folder: string;
  /** The manifest, relative to `root`. */
  manifestPath: string;
  force: boolean;
}

export type FileStatus = 'written' | 'unchanged' | 'overwritten' | 'differs' | 'refused';

export interface FileRow {
  file: string;
  draftId: string;
  name: string;
  status: FileStatus;
  message?: string;
}

export interface ImportReport {
  files: FileRow[];
  skipped: Skipped[];
  manifest: { path: string; status: 'created' | 'extended' | 'unchanged'; added: number };
}

export interface ImportDeps {
  api: CreateApi;
  retry: RetryContext;
  info(message: string): void;
}

/** Every folder's path under the root, walked breadth first with GetFolder. */
async function folderPaths(
  catalog: Catalog,
  scope: Scope,
): Promise<{ rootId: string; paths: Map<string, string> }> {
  const root = await catalog.folder(scope, '');
  if (!root.ok) throw new RunError(`GetFolder (root): ${root.error.code}: ${root.error.message}`);
  const paths = new Map<string, string>([[root.value.folderId, '']]);
  let level = [root.value];
  while (level.length > 0 && paths.size < MAX_FOLDERS) {
    const next = [];
    for (const folder of level) {
      const base = paths.get(folder.folderId) ?? '';
      for (const sub of folder.subFolder) {
        if (paths.has(sub.folderId)) continue;
        paths.set(sub.folderId, base === '' ? sub.name : `${base}/${sub.name}`);
        const read = await catalog.folder(scope, sub.folderId);
        if (!read.ok) {
          throw new RunError(
            `GetFolder ${sub.folderId}: ${read.error.code}: ${read.error.message}`,
          );
        }
        next.push(read.value);
      }
    }
    level = next;
  }
  return { rootId: root.value.folderId, paths };
}

/** `out` from the root, with `/`; refused when it leaves the root. */
function outFolder(root: string, out: string): string {
  const relative = path.relative(root, path.resolve(root, out));
  if (relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new RunError(`--out ${out} is outside the repository (${root}); give a folder inside it`);
  }
  return relative.split(path.sep).join('/');
}

/** Whether any folder from `out` down to the file is a symlink (which could lead anywhere). */
async function symlinkOnTheWay(
  root: string,
  out: string,
  file: string,
): Promise<string | undefined> {
  const parts = file.split('/');
  const outDepth = out === '' ? 0 : out.split('/').length;
  for (let depth = outDepth; depth <= parts.length; depth++) {
    const here = path.join(root, ...parts.slice(0, depth));
    const stat = await lstat(here).catch(() => undefined);
    if (!stat) return undefined;
    if (stat.isSymbolicLink()) return parts.slice(0, depth).join('/');
  }
  return undefined;
}

async function writeOne(
  root: string,
  out: string,
  item: ImportFile,
  force: boolean,
): Promise<FileRow> {
  const row = { file: item.file, draftId: item.entry.draftId, name: item.entry.name };
  const target = path.resolve(root, item.file);
  const outAbs = path.resolve(root, out);
  const inside = path.relative(outAbs, target);
  if (inside.startsWith('..') || path.isAbsolute(inside)) {
    return { ...row, status: 'refused', message: `${item.file} is not inside ${out || '.'}` };
  }
  const link = await symlinkOnTheWay(root, out, item.file);
  if (link !== undefined) {
    return {
      ...row,
      status: 'refused',
      message: `${link} is a symlink; nothing is written through one`,
    };
  }
  const bytes = Buffer.from(item.text, 'utf8');
  const current = await readFile(target).catch(() => undefined);
  if (current?.equals(bytes)) return { ...row, status: 'unchanged' };
  if (current && !force) {
    return {
      ...row,
      status: 'differs',
      message: `${item.file} exists and differs from the draft; left as it is (--force overwrites it)`,
    };
  }
  await mkdir(path.dirname(target), { recursive: true });
  // Written whole or not at all: a killed import never leaves half a script.
  const temp = `${target}.flink-draft-sync-${process.pid}.tmp`;
  await writeFile(temp, bytes);
  await rename(temp, target);
  return { ...row, status: current ? 'overwritten' : 'written' };
}

export async function runImport(settings: ImportSettings, deps: ImportDeps): Promise<ImportReport> {
  const scope: Scope = { workspace: settings.workspace, namespace: settings.namespace };
  const out = outFolder(settings.root, settings.out);
  const manifestFile = path.resolve(settings.root, settings.manifestPath);
  // The manifest is read (and must be valid) before anything is written.
  const manifestText = await readFile(manifestFile, 'utf8').catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw new RunError(`${settings.manifestPath}: cannot be read: ${error.message}`);
    },
  );
  let existing;
  if (manifestText !== undefined) {
    const parsed = parseManifest(manifestText, { path: settings.manifestPath });
    if (!parsed.ok) {
      throw new RunError(
        `${settings.manifestPath} is not a valid manifest, so it is not extended:\n` +
          parsed.error.map(formatProblem).join('\n'),
      );
    }
    existing = { text: manifestText, entries: parsed.value };
  }

  const catalog = new Catalog(deps.api, deps.retry);
  deps.info(`Listing the drafts of namespace ${scope.namespace}`);
  const listed = await catalog.drafts(scope);
  if (!listed.ok) {
    throw new RunError(`ListDeploymentDrafts: ${listed.error.code}: ${listed.error.message}`);
  }
  const { rootId, paths } = await folderPaths(catalog, scope);
  const plan = planImport(listed.value, paths, rootId, { out, folder: settings.folder });
  deps.info(`${plan.files.length} SQL drafts to import, ${plan.skipped.length} skipped`);

  const files: FileRow[] = [];
  for (const item of plan.files)
    files.push(await writeOne(settings.root, out, item, settings.force));
  // Only drafts whose file now holds their script join the manifest.
  const good = new Set(
    files
      .filter((f) => ['written', 'unchanged', 'overwritten'].includes(f.status))
      .map((f) => f.file),
  );
  const edit = extendManifest(
    existing,
    plan.files.filter((f) => good.has(f.file)).map((f) => f.entry),
    scope,
  );
  let status: ImportReport['manifest']['status'] = 'unchanged';
  if (!existing || edit.text !== existing.text) {
    await mkdir(path.dirname(manifestFile), { recursive: true });
    const temp = `${manifestFile}.flink-draft-sync-${process.pid}.tmp`;
    await writeFile(temp, edit.text);
    await rename(temp, manifestFile);
    status = existing ? 'extended' : 'created';
  }
  return {
    files,
    skipped: plan.skipped,
    manifest: { path: settings.manifestPath, status, added: edit.added.length },
  };
}
