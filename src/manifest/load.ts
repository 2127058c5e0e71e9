// The manifest as a run reads it: at the head, from the working tree, and at the diff's base, from
// git, so that entries that changed there count as changed.
import type { Checkout } from '../checkout/checkout.js';
import { RunError } from '../runtime/run-error.js';
import {
  formatProblem,
  MANIFEST_LIMITS,
  parseManifest,
  type ManifestEntry,
  type ManifestOptions,
  type ManifestProblem,
} from './manifest.js';

export interface Manifest {
  text: string;
  entries: ManifestEntry[];
}

/** A manifest that does not parse: nothing is synced. Each problem names its line and column. */
export class ManifestInvalid extends RunError {
  constructor(
    readonly path: string,
    readonly problems: readonly ManifestProblem[],
  ) {
    super(
      `manifest ${path} has ${problems.length} problem(s); nothing was synced:\n` +
        problems.map((p) => `  ${formatProblem(p)}`).join('\n'),
    );
  }
}

/** The manifest at the head: the same checks as a .sql file (inside the checkout, regular, size). */
export function loadManifest(checkout: Checkout, options: ManifestOptions): Manifest {
  const name = options.path;
  const file = checkout.readFile(name, MANIFEST_LIMITS.maxBytes);
  if (!file.ok) throw new RunError(`manifest ${name}: ${file.error.message}`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(file.value);
  } catch {
    throw new RunError(`manifest ${name} is not valid UTF-8`);
  }
  const parsed = parseManifest(text, options);
  if (!parsed.ok) throw new ManifestInvalid(name, parsed.error);
  return { text, entries: parsed.value };
}

/** The manifest's bytes at a commit, read before the changes are known. */
export interface EarlyRead {
  sha: string;
  bytes: Promise<Buffer | undefined>;
}

/**
 * A push is diffed against `before` on almost every run: its manifest is read beside the diff.
 * Pull requests (diffed against a merge base) and first pushes have no `before`.
 */
export function readManifestEarly(
  checkout: Checkout,
  path: string,
  sha: string | undefined,
): EarlyRead | undefined {
  if (sha === undefined) return undefined;
  const bytes = checkout.fileAt(sha, path);
  bytes.catch(() => undefined);
  return { sha, bytes };
}

/** The entries at the diff's base; empty when the base had no manifest or one that does not parse. */
export async function entriesAtBase(
  checkout: Checkout,
  options: ManifestOptions,
  base: string,
  head: Manifest,
  early: EarlyRead | undefined,
): Promise<ManifestEntry[]> {
  const earlyBytes = early?.sha === base ? await early.bytes.catch(() => undefined) : undefined;
  // Only bytes are taken from the early read: one that failed, or that raced a fetch of the
  // commit, is made again now that the commit is known to be in the checkout.
  const bytes = earlyBytes ?? (await checkout.fileAt(base, options.path));
  if (!bytes) return [];
  const text = bytes.toString('utf8');
  // Most pushes leave the manifest alone: the same text parses to the same entries.
  if (text === head.text) return head.entries;
  const parsed = parseManifest(text, options);
  // An earlier manifest that no longer parses cannot tell what changed: treat every entry as new.
  return parsed.ok ? parsed.value : [];
}
