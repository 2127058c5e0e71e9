// Reads the drafts an apply run is about to update a page at a time (ListDeploymentDrafts), so that
// most drafts then need one call, the PATCH, instead of a GET and a PATCH. This is only a saving:
// whatever goes wrong here, the drafts it did not deliver are read one by one, as without it.
import { createHash } from 'node:crypto';
import type { ApiResult } from './api-error.js';
import type { DeploymentDraft, DraftRef } from './draft.js';
import { errorMessage } from './error-message.js';
import { Limiter } from './limiter.js';
import type { PlanItem } from './plan.js';
import { withRetry, type RetryContext } from './retry.js';
import type { DraftRead } from './sync.js';

/**
 * Fewer drafts than this in one namespace are read one by one: their GETs run side by side anyway,
 * and a page, which carries every script on it, would only put a heavier call before the first write.
 */
export const MIN_TARGETS = 8;
/**
 * A page is held whole while it is parsed, a few times over (bytes, text, objects): 25 scripts of
 * 100 KiB keep that to a few MiB per page in flight, far under the client's 8 MiB response cap.
 */
export const PAGE_SIZE = 25;
const MAX_PAGES_IN_FLIGHT = 4;
/** Script text of the pages read at once, at most (one page is always allowed). */
const SCRIPT_CHARS_IN_FLIGHT = 4 * 1024 * 1024;
/** A page is worth a retry or two, not the retries a draft gets. */
const MAX_LIST_RETRIES = 2;
/** Listing may start attempts during this share of the time left; the drafts need the rest. */
const BUDGET_SHARE = 0.25;

export interface DraftLister {
  listDrafts(
    workspace: string,
    namespace: string,
    page: { pageIndex: number; pageSize: number },
  ): Promise<ApiResult<{ drafts: DeploymentDraft[]; totalSize?: number }>>;
}

export interface ListingDeps {
  api: DraftLister;
  /** The run's retry context: listing shares its deadline and throttling pauses. */
  retry: RetryContext;
  /** The run's concurrency; at most 4 pages are read at once, fewer when they are heavy. */
  concurrency: number;
  /** Where a note on what listing did (or why it stopped) goes; it never fails a draft. */
  log(message: string): void;
  /** Told the script characters of each page read, once the page is dropped. */
  pageRead?(scriptChars: number): void;
}

/** The drafts of one namespace that the run updates. */
export interface TargetGroup {
  workspace: string;
  namespace: string;
  draftIds: string[];
}

/** Namespaces with at least `minTargets` drafts to update, in plan order. */
export function targetGroups(
  items: readonly PlanItem[],
  minTargets: number = MIN_TARGETS,
): TargetGroup[] {
  const groups = new Map<string, { workspace: string; namespace: string; draftIds: Set<string> }>();
  for (const { entry, deleted } of items) {
    if (deleted) continue;
    const key = groupKeyOf(entry);
    let group = groups.get(key);
    if (!group) {
      group = { workspace: entry.workspace, namespace: entry.namespace, draftIds: new Set() };
      groups.set(key, group);
    }
    group.draftIds.add(entry.draftId);
  }
  return [...groups.values()]
    .filter((g) => g.draftIds.size >= Math.max(1, minTargets))
    .map((g) => ({ ...g, draftIds: [...g.draftIds] }));
}

/**
 * How many pages to read at once when a page carries `pageChars` of script text: pages of large
 * scripts are read one at a time, so that the memory listing takes does not grow with concurrency.
 */
export function pagesInFlight(pageChars: number, most: number): number {
  const fit = Math.floor(SCRIPT_CHARS_IN_FLIGHT / Math.max(1, pageChars));
  return Math.max(1, Math.min(most, fit));
}

export function pageCount(totalSize: number, pageSize: number = PAGE_SIZE): number {
  return Math.max(0, Math.ceil(totalSize / pageSize));
}

/** Reading the pages left takes fewer calls than one GET for each draft still missing. */
export function worthFetching(pagesLeft: number, missing: number): boolean {
  return pagesLeft > 0 && pagesLeft < missing;
}

/**
 * An exact identity of a script: SHA-256 over its UTF-16 code units, so that two strings differing
 * only in a lone surrogate (which UTF-8 would turn into the same U+FFFD) still differ.
 */
export function scriptDigest(text: string): string {
  return createHash('sha256').update(text, 'utf16le').digest('hex');
}

/**
 * A listed draft as the sync would have read it by GET, but holding its script's digest instead of
 * its text, so that a large run keeps no scripts in memory. Undefined when the listing says too
 * little to act on (no artifact kind, or a SQL draft without its script, as a summary would).
 */
export function listedRead(draft: DeploymentDraft, requestId?: string): DraftRead | undefined {
  const artifact = draft.artifact;
  if (typeof artifact?.kind !== 'string') return undefined;
  if (artifact.kind !== 'SQLSCRIPT') {
    return { draft, requestId, scriptEquals: () => false };
  }
  const script = artifact.sqlArtifact?.sqlScript;
  if (typeof script !== 'string') return undefined;
  const sqlArtifact = { ...artifact.sqlArtifact };
  delete sqlArtifact.sqlScript;
  const { length } = script;
  const digest = scriptDigest(script);
  return {
    draft: { ...draft, artifact: { ...artifact, sqlArtifact } },
    requestId,
    // Texts of different lengths differ: most changed files are told apart without hashing.
    scriptEquals: (text) => text.length === length && scriptDigest(text) === digest,
  };
}

function keyOf(ref: DraftRef): string {
  return JSON.stringify([ref.workspace, ref.namespace, ref.draftId]);
}

function groupKeyOf(ref: { workspace: string; namespace: string }): string {
  return JSON.stringify([ref.workspace, ref.namespace]);
}

/**
 * Drafts found by listing. Each is handed out once: a later read of the same draft is a GET.
 * While a namespace is still being listed, taking one of its drafts waits until a page delivers
 * it or the listing of that namespace ends, so a draft found on the first page can be written
 * while the later pages are still being read.
 */
export class ListedDrafts {
  readonly #reads = new Map<string, DraftRead>();
  /** Namespaces still being listed. */
  readonly #open = new Set<string>();
  /** Takers waiting for a draft of an open namespace, by draft key. */
  readonly #waiting = new Map<string, { group: string; give(read?: DraftRead): void }>();

  /** Marks a namespace as being listed: its drafts are waited for until `close`. */
  open(group: { workspace: string; namespace: string }): void {
    this.#open.add(groupKeyOf(group));
  }

  /** Ends a namespace's listing: drafts not delivered by now are read one by one. */
  close(group: { workspace: string; namespace: string }): void {
    const key = groupKeyOf(group);
    this.#open.delete(key);
    for (const [draftKey, waiter] of this.#waiting) {
      if (waiter.group !== key) continue;
      this.#waiting.delete(draftKey);
      waiter.give(undefined);
    }
  }

  add(ref: DraftRef, read: DraftRead): void {
    const key = keyOf(ref);
    const waiter = this.#waiting.get(key);
    if (waiter) {
      this.#waiting.delete(key);
      waiter.give(read);
    } else {
      this.#reads.set(key, read);
    }
  }

  /** The listed draft, once; undefined when listing did not (or will not) deliver it. */
  take(ref: DraftRef): DraftRead | undefined | Promise<DraftRead | undefined> {
    const key = keyOf(ref);
    const read = this.#reads.get(key);
    if (read) {
      this.#reads.delete(key);
      return read;
    }
    const group = groupKeyOf(ref);
    // A second taker of the same draft reads it by GET, as it would after the first took it.
    if (!this.#open.has(group) || this.#waiting.has(key)) return undefined;
    return new Promise((resolve) => this.#waiting.set(key, { group, give: resolve }));
  }

  /** Drafts delivered and not yet taken. */
  get size(): number {
    return this.#reads.size;
  }
}

/**
 * The run's retry context with fewer retries and an earlier deadline. The deadline only stops new
 * attempts: one already sent may still take the request timeout, within the run's own deadline.
 */
function listingRetry(retry: RetryContext): RetryContext {
  const now = retry.clock.now();
  const share = Math.max(0, retry.deadline - now) * BUDGET_SHARE;
  return {
    ...retry,
    policy: {
      ...retry.policy,
      maxRetries: Math.min(retry.policy.maxRetries, MAX_LIST_RETRIES),
    },
    deadline: Math.min(retry.deadline, now + share),
  };
}

async function listGroup(
  group: TargetGroup,
  deps: ListingDeps,
  limiter: Limiter,
  listed: ListedDrafts,
): Promise<void> {
  const { workspace, namespace } = group;
  const where = `${workspace}/${namespace}`;
  const missing = new Set(group.draftIds);
  let calls = 0;
  let stopped = false;

  /** Keeps the page's targets, drops the rest of it; the total size, or undefined to stop. */
  const readPage = async (pageIndex: number): Promise<number | undefined> => {
    calls++;
    const page = await withRetry(
      () => deps.api.listDrafts(workspace, namespace, { pageIndex, pageSize: PAGE_SIZE }),
      deps.retry,
    );
    if (!page.ok) {
      deps.log(
        `Listing the drafts of ${where} stopped at page ${pageIndex} ` +
          `(${page.error.code}: ${page.error.message}); the others are read one by one`,
      );
      return undefined;
    }
    let scriptChars = 0;
    for (const draft of page.value.drafts) {
      const script = draft.artifact?.sqlArtifact?.sqlScript;
      scriptChars += typeof script === 'string' ? script.length : 0;
      const draftId = draft.deploymentDraftId;
      if (!missing.has(draftId)) continue;
      const read = listedRead(draft, page.requestId);
      if (!read) continue;
      missing.delete(draftId);
      listed.add({ workspace, namespace, draftId }, read);
    }
    limiter.atMost(pagesInFlight(scriptChars, MAX_PAGES_IN_FLIGHT));
    deps.pageRead?.(scriptChars);
    return page.value.totalSize;
  };

  const totalSize = await limiter.run(() => readPage(1));
  if (totalSize !== undefined) {
    const pages = pageCount(totalSize);
    let next = 2;
    await Promise.all(
      Array.from({ length: Math.max(0, pages - 1) }, () =>
        limiter.run(async () => {
          // Decided when the slot opens, with what the pages read so far have found.
          if (stopped || !worthFetching(pages - next + 1, missing.size)) {
            stopped = true;
            return;
          }
          if ((await readPage(next++)) === undefined) stopped = true;
        }),
      ),
    );
  }
  const found = group.draftIds.length - missing.size;
  deps.log(
    `Listed ${found} of ${group.draftIds.length} drafts of ${where} in ${calls} call(s); ` +
      `${missing.size} read one by one`,
  );
}

/** A listing under way: `listed` fills as pages arrive; `done` settles when every page is read. */
export interface Listing {
  listed: ListedDrafts;
  /** Never rejects: a listing that fails only leaves drafts to be read one by one. */
  done: Promise<void>;
}

/**
 * Starts listing the namespaces where that saves calls. The drafts found can be taken from
 * `listed` at once: a take waits for its namespace's pages, never for the other namespaces'.
 */
export function startListing(items: readonly PlanItem[], deps: ListingDeps): Listing {
  const listed = new ListedDrafts();
  const groups = targetGroups(items);
  if (groups.length === 0) return { listed, done: Promise.resolve() };
  const limiter = new Limiter(Math.max(1, Math.min(deps.concurrency, MAX_PAGES_IN_FLIGHT)));
  const scoped = { ...deps, retry: listingRetry(deps.retry) };
  for (const group of groups) listed.open(group);
  const done = Promise.all(
    groups.map((group) =>
      listGroup(group, scoped, limiter, listed)
        .catch((error: unknown) =>
          // Defensive, like the sync's own catch: a bug here costs GETs, never a draft.
          deps.log(
            `Listing the drafts of ${group.workspace}/${group.namespace} failed: ${errorMessage(error)}`,
          ),
        )
        .finally(() => listed.close(group)),
    ),
  ).then(() => undefined);
  return { listed, done };
}
