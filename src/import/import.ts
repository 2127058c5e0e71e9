// `flink-draft-sync import`: brings a namespace built by hand into git. Lists every draft, walks the
// folder tree, writes each SQL draft's script to `<out>/<folder path>/<name>.sql` byte for byte,
// and writes or extends the manifest. Running it twice changes nothing; a local file that differs
// is never overwritten without `force`; nothing is ever written outside `out` (a path that would
// leave it, through `..` or a symlink, is refused).
import { lstat, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatProblem, parseManifest } from '../manifest/manifest.js';
import { Limiter } from '../runtime/limiter.js';
import { RunError } from '../runtime/run-error.js';
import type { RetryContext } from '../runtime/retry.js';
import type { CreateApi } from '../ververica/draft-api.js';
import { Catalog, type Scope } from '../sync/catalog.js';
import type { Folder } from '../ververica/folders.js';
import { extendManifest } from './manifest-edit.js';
import { planImport, type ImportFile, type Skipped } from './plan.js';

/** Folders walked at most: far beyond any namespace built by hand, short of an endless tree. */
const MAX_FOLDERS = 10_000;
/** Files written at once. */
const FILE_WRITERS = 16;

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

/**
 * Every folder's path under the root, walked breadth first with GetFolder: the folders of one
 * level are read side by side (the API's call bound still holds), so the walk takes one round
 * trip per level of depth.
 */
async function folderPaths(
  catalog: Catalog,
  scope: Scope,
): Promise<{ rootId: string; paths: Map<string, string> }> {
  const read = async (folderId: string): Promise<Folder> => {
    const got = await catalog.folder(scope, folderId);
    if (!got.ok) {
      throw new RunError(
        `GetFolder ${folderId || '(root)'}: ${got.error.code}: ${got.error.message}`,
      );
    }
    return got.value;
  };
  const root = await read('');
  const paths = new Map<string, string>([[root.folderId, '']]);
  let level = [root];
  while (level.length > 0 && paths.size < MAX_FOLDERS) {
    const wanted: string[] = [];
    for (const folder of level) {
      const base = paths.get(folder.folderId) ?? '';
      for (const sub of folder.subFolder) {
        if (paths.has(sub.folderId) || paths.size >= MAX_FOLDERS) continue;
        paths.set(sub.folderId, base === '' ? sub.name : `${base}/${sub.name}`);
        wanted.push(sub.folderId);
      }
    }
    level = await Promise.all(wanted.map(read));
  }
  return { rootId: root.folderId, paths };
}

/** `out` from the root, with `/`; refused when it leaves the root. */
function outFolder(root: string, out: string): string {
  const relative = path.relative(root, path.resolve(root, out));
  if (relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new RunError(`--out ${out} is outside the repository (${root}); give a folder inside it`);
  }
  return relative.split(path.sep).join('/');
}

/**
 * The folders files go into, each looked at once per import: whether one from `out` down is a
 * symlink (which could lead anywhere), and made when missing.
 */
class Folders {
  readonly #links = new Map<string, Promise<boolean>>();
  readonly #made = new Map<string, Promise<unknown>>();

  constructor(
    private readonly root: string,
    private readonly out: string,
  ) {}

  /** The first symlink on the way from `out` to the file, if any. */
  async symlinkOnTheWay(file: string): Promise<string | undefined> {
    const parts = file.split('/');
    const outDepth = this.out === '' ? 0 : this.out.split('/').length;
    for (let depth = outDepth; depth <= parts.length; depth++) {
      const here = parts.slice(0, depth).join('/');
      let link = this.#links.get(here);
      if (!link) {
        link = lstat(path.join(this.root, here)).then(
          (stat) => stat.isSymbolicLink(),
          () => false,
        );
        this.#links.set(here, link);
      }
      if (await link) return here;
    }
    return undefined;
  }

  make(dir: string): Promise<unknown> {
    let made = this.#made.get(dir);
    if (!made) {
      made = mkdir(dir, { recursive: true });
      this.#made.set(dir, made);
    }
    return made;
  }
}

/** Written whole or not at all: a killed import never leaves half a file. */
async function writeWhole(target: string, data: string | Uint8Array): Promise<void> {
  const temp = `${target}.flink-draft-sync-${process.pid}.tmp`;
  await writeFile(temp, data);
  await rename(temp, target);
}

async function writeOne(
  root: string,
  out: string,
  item: ImportFile,
  force: boolean,
  folders: Folders,
): Promise<FileRow> {
  const row = { file: item.file, draftId: item.entry.draftId, name: item.entry.name };
  const target = path.resolve(root, item.file);
  const outAbs = path.resolve(root, out);
  const inside = path.relative(outAbs, target);
  if (inside.startsWith('..') || path.isAbsolute(inside)) {
    return { ...row, status: 'refused', message: `${item.file} is not inside ${out || '.'}` };
  }
  const link = await folders.symlinkOnTheWay(item.file);
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
  await folders.make(path.dirname(target));
  await writeWhole(target, bytes);
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
  // The listing and the folder walk go side by side: neither needs the other.
  const walk = folderPaths(catalog, scope);
  walk.catch(() => undefined);
  const listed = await catalog.drafts(scope);
  if (!listed.ok) {
    throw new RunError(`ListDeploymentDrafts: ${listed.error.code}: ${listed.error.message}`);
  }
  const { rootId, paths } = await walk;
  const plan = planImport(listed.value, paths, rootId, { out, folder: settings.folder });
  deps.info(`${plan.files.length} SQL drafts to import, ${plan.skipped.length} skipped`);

  // A few files at a time: the disk, not the order, is what they wait on. Rows keep plan order.
  const folders = new Folders(settings.root, out);
  const writers = new Limiter(FILE_WRITERS);
  const files = await Promise.all(
    plan.files.map((item) =>
      writers.run(() => writeOne(settings.root, out, item, settings.force, folders)),
    ),
  );
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
    await writeWhole(manifestFile, edit.text);
    status = existing ? 'extended' : 'created';
  }
  return {
    files,
    skipped: plan.skipped,
    manifest: { path: settings.manifestPath, status, added: edit.added.length },
  };
}
