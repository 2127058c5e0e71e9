// Reads the drafts an apply run is about to update a page at a time (ListDeploymentDrafts), so that
// most drafts then need one call, the PATCH, instead of a GET and a PATCH. This is only a saving:
// whatever goes wrong here, the drafts it did not deliver are read one by one, as without it.
import { createHash } from 'node:crypto';
import type { ApiResult } from './errors.js';
import type { DeploymentDraft, DraftRead, DraftRef } from './draft.js';
import { errorMessage } from '../runtime/error-message.js';
import { Limiter } from '../runtime/limiter.js';
import type { PlanItem } from '../sync/plan.js';
import { withRetry, type RetryContext } from '../runtime/retry.js';

/**
 * Fewer drafts than this in one namespace are read one by one: their GETs run side by side anyway,
 * and a page, which carries every script on it, would only put a heavier call before the first write.
 */
export const MIN_TARGETS = 8;
/**
 * A page is held whole while it is parsed, a few times over (bytes, text, objects): 25 scripts of
 * 100 KiB keep that to a few MiB per page in flight, far under the client's response cap.
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
  /** A listing that makes no sense (a page that contradicts its total); it never fails a draft. */
  warn(message: string): void;
  /**
   * How many drafts may be delivered and not yet taken before the next page waits: default twice
   * the concurrency, so that a listed read is still fresh when its draft is written.
   */
  readAhead?: number;
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
export function listedRead(
  draft: DeploymentDraft,
  requestId?: string,
  readAt?: number,
): DraftRead | undefined {
  const artifact = draft.artifact;
  if (typeof artifact?.kind !== 'string') return undefined;
  if (artifact.kind !== 'SQLSCRIPT') {
    return { draft, requestId, readAt, scriptEquals: () => false };
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
    readAt,
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
  /** Delivered and not yet taken, by namespace. */
  readonly #untaken = new Map<string, number>();
  /** Pages started and not yet read, by namespace. */
  readonly #underWay = new Map<string, number>();
  /** Listings waiting until their namespace wants another page. */
  #wakers: Array<() => void> = [];
  #finished = false;

  /**
   * Resolves once the namespace wants another page of `pageSize` drafts: a taker waits for one of
   * its drafts, or fewer than `ahead` are delivered and untaken (pages under way counting as full),
   * or the sync is over (`finished`). The page is then counted as under way until `pageDone`.
   * Pages are read just ahead of the writes, so that a listed read is still fresh when written.
   */
  async wanted(
    group: { workspace: string; namespace: string },
    ahead: number,
    pageSize: number,
  ): Promise<void> {
    const key = groupKeyOf(group);
    const isWanted = (): boolean =>
      this.#finished ||
      (this.#untaken.get(key) ?? 0) + (this.#underWay.get(key) ?? 0) * pageSize < ahead ||
      [...this.#waiting.values()].some((waiter) => waiter.group === key);
    while (!isWanted()) await new Promise<void>((wake) => this.#wakers.push(wake));
    // Counted at once, in the same turn as the check, so that two readers never both pass it.
    this.#underWay.set(key, (this.#underWay.get(key) ?? 0) + 1);
  }

  /** A page that `wanted` let start is read (or failed, or was not needed after all). */
  pageDone(group: { workspace: string; namespace: string }): void {
    const key = groupKeyOf(group);
    this.#underWay.set(key, Math.max(0, (this.#underWay.get(key) ?? 0) - 1));
    this.#wake();
  }

  /** The sync is over: no draft will be taken any more, so no page is wanted. */
  finish(): void {
    this.#finished = true;
    this.#wake();
  }

  get finished(): boolean {
    return this.#finished;
  }

  #wake(): void {
    const wakers = this.#wakers;
    this.#wakers = [];
    for (const wake of wakers) wake();
  }

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
      const group = groupKeyOf(ref);
      this.#untaken.set(group, (this.#untaken.get(group) ?? 0) + 1);
    }
  }

  /** The listed draft, once; undefined when listing did not (or will not) deliver it. */
  take(ref: DraftRef): DraftRead | undefined | Promise<DraftRead | undefined> {
    const key = keyOf(ref);
    const group = groupKeyOf(ref);
    const read = this.#reads.get(key);
    if (read) {
      this.#reads.delete(key);
      this.#untaken.set(group, (this.#untaken.get(group) ?? 1) - 1);
      this.#wake();
      return read;
    }
    // A second taker of the same draft reads it by GET, as it would after the first took it.
    if (!this.#open.has(group) || this.#waiting.has(key)) return undefined;
    const waiting = new Promise<DraftRead | undefined>((resolve) =>
      this.#waiting.set(key, { group, give: resolve }),
    );
    this.#wake();
    return waiting;
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

/** Why a page contradicts the listing so far, or undefined when it makes sense. */
export function pageProblem(
  pageIndex: number,
  page: { drafts: readonly unknown[]; totalSize?: number },
  pageSize: number = PAGE_SIZE,
): string | undefined {
  const { totalSize } = page;
  if (totalSize === undefined) return undefined;
  if (!Number.isSafeInteger(totalSize) || totalSize < 0) {
    return `totalSize ${String(totalSize)} is not a count`;
  }
  if (page.drafts.length > pageSize) {
    return `page ${pageIndex} holds ${page.drafts.length} drafts, more than its size ${pageSize}`;
  }
  // Every page before the last is full; the last holds what is left.
  const expected = Math.max(0, Math.min(pageSize, totalSize - (pageIndex - 1) * pageSize));
  if (page.drafts.length !== expected) {
    return (
      `page ${pageIndex} holds ${page.drafts.length} drafts where totalSize ${totalSize} ` +
      `means ${expected}`
    );
  }
  return undefined;
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
    const problem = pageProblem(pageIndex, page.value);
    if (problem) {
      // A listing that contradicts itself is not trusted for anything, not even this page.
      deps.warn(
        `Listing the drafts of ${where} makes no sense (${problem}); ` +
          'the drafts are read one by one instead',
      );
      return undefined;
    }
    const readAt = deps.retry.clock.now();
    let scriptChars = 0;
    for (const draft of page.value.drafts) {
      const script = draft.artifact?.sqlArtifact?.sqlScript;
      scriptChars += typeof script === 'string' ? script.length : 0;
      const draftId = draft.deploymentDraftId;
      if (!missing.has(draftId)) continue;
      const read = listedRead(draft, page.requestId, readAt);
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
    // Drafts delivered ahead of the writes: enough that no writer waits, few enough that a read
    // is still fresh (see MAX_READ_AGE_MS in sync.ts) when its draft is written.
    const ahead = deps.readAhead ?? 2 * Math.max(1, deps.concurrency);
    let next = 2;
    const more = (): boolean =>
      !stopped &&
      !listed.finished &&
      next <= pages &&
      worthFetching(pages - next + 1, missing.size);
    // Pages are started one at a time, as they are wanted: never a task per page up front,
    // whatever totalSize says.
    const reader = async (): Promise<void> => {
      while (more()) {
        await listed.wanted(group, ahead, PAGE_SIZE);
        try {
          if (deps.retry.clock.now() >= deps.retry.deadline) return;
          // Decided when the slot opens, with what the pages read so far have found.
          await limiter.run(async () => {
            if (!more()) return;
            // Set before the slot is given up, so that no other page starts after a failure.
            if ((await readPage(next++)) === undefined) stopped = true;
          });
        } finally {
          listed.pageDone(group);
        }
      }
    };
    await Promise.all(Array.from({ length: MAX_PAGES_IN_FLIGHT }, reader));
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
