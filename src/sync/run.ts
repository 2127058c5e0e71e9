// One run's drafts, wired: the draft API with its shared bound, the listing that reads pages just ahead of the writes, and the memory pacer.
import type { Checkout } from '../checkout/checkout.js';
import type { CredentialProvider } from '../auth/provider.js';
import { createGcPacer } from '../runtime/gc-pacer.js';
import { Limiter } from '../runtime/limiter.js';
import type { Log } from '../runtime/log.js';
import type { RetryContext } from '../runtime/retry.js';
import { RunError } from '../runtime/run-error.js';
import type { Settings } from '../settings.js';
import { openDraftApi, type OpenedDraftApi } from '../ververica/draft-api.js';
import { resolveEndpoint } from '../ververica/endpoint.js';
import { startListing, type Listing } from '../ververica/listing.js';
import { isFailed, type DraftResult, type Progress } from '../results.js';
import type { PlanItem } from './plan.js';
import { syncDrafts } from './sync.js';
import { draftKey, startOrphanSearch, type Scope } from './orphans.js';
import { Catalog } from './catalog.js';
import { isNamedOnly, resolveNamed } from './named.js';
import type { DraftRead, DraftRef } from '../ververica/draft.js';
import { chooseRollouts } from '../rollout/targets.js';
import { rollOut, type RolloutTarget } from '../rollout/rollout.js';

export interface RunInput {
  settings: Settings;
  items: PlanItem[];
  checkout: Checkout;
  /** Undefined: the local files are checked, the API is not called. */
  provider?: CredentialProvider;
  /** The diff's base commit, when there is one. */
  baseSha?: string;
  /** The run's retries, clock and deadline. */
  retry: RetryContext;
  log: Log;
  progress?: (progress: Progress) => void;
  /**
   * Every draft the manifest maps now (by ID, and by name), and every scope it maps drafts in now
   * or at the base.
   */
  manifest?: {
    mapped: ReadonlySet<string>;
    mappedNames?: ReadonlySet<string>;
    scopes: readonly Scope[];
  };
}

export async function syncPlanned(input: RunInput): Promise<DraftResult[]> {
  const { settings, checkout, provider, retry, log } = input;
  let api: OpenedDraftApi | undefined;
  if (provider) {
    const endpoint = resolveEndpoint({ region: settings.region, endpoint: settings.endpoint });
    if (!endpoint.ok) throw new RunError(endpoint.error);
    api = openDraftApi({
      endpoint: endpoint.value,
      provider,
      concurrency: settings.concurrency,
      requestTimeoutMs: settings.requestTimeoutMs,
      deadline: retry.deadline,
    });
  }
  const gcPacer = createGcPacer();
  // Opened while the first calls are in flight; no more than the run has drafts to read or write.
  api?.warm(input.items.filter((item) => !item.deleted).length);
  let listing: Listing | undefined;
  const catalog = api && new Catalog(api, retry);
  // Found by name or settled by their lookup (created, ambiguous): in plan order, by index.
  const items = [...input.items];
  const settledByName = new Map<number, DraftResult>();
  const mapped = new Set(input.manifest?.mapped ?? []);
  try {
    if (api && catalog) {
      await findByName(items, settledByName, { api, catalog, input });
      for (const row of settledByName.values()) {
        if (row.draftId !== '') mapped.add(draftKey(row));
      }
      for (const item of items) if (item.entry.draftId !== '') mapped.add(draftKey(item.entry));
    }
    const toSync = items.filter((_, index) => !settledByName.has(index));
    // Drafts are written as their pages arrive, not after the last page.
    listing =
      api && settings.mode === 'apply' && settings.listDrafts
        ? startListing(
            toSync.filter((item) => !catalog?.listed(item.entry)),
            {
              api,
              retry,
              concurrency: settings.concurrency,
              log: (message) => log.info(message),
              warn: (message) => log.warning(message),
              pageRead: (scriptChars) => gcPacer.read(scriptChars),
            },
          )
        : undefined;
    const { manifest } = input;
    // Listed beside the sync: a search that waited for it would add its pages to every run.
    const orphans =
      api && manifest && settings.repositoryId
        ? startOrphanSearch(
            {
              scopes: manifest.scopes,
              mapped,
              mappedNames: manifest.mappedNames,
              repositoryId: settings.repositoryId,
              mode: settings.mode,
              onRemoved: settings.onRemoved,
              manifestPath: settings.manifestPath,
            },
            {
              api,
              retry,
              warn: (message) => log.warning(message),
              info: (message) => log.info(message),
              // One listing per namespace: the name lookup's, where it made one.
              listedBefore: (scope) =>
                catalog?.listed(scope)
                  ? catalog.drafts(scope).then((got) => (got.ok ? got.value : undefined))
                  : undefined,
            },
          )
        : undefined;
    const syncedRows = await syncDrafts(
      toSync,
      {
        mode: settings.mode,
        onDrift: settings.onDrift,
        validate: settings.validate,
        commitSha: settings.event.head,
        baseSha: input.baseSha,
        repositoryId: settings.repositoryId,
        concurrency: settings.concurrency,
      },
      {
        api,
        readSql: (file) => {
          const sql = checkout.readSql(file);
          if (sql.ok) gcPacer.read(sql.value.bytes);
          return sql;
        },
        fileAtCommit: (sha, file) => checkout.fileAt(sha, file),
        isAncestor: (ancestor, descendant) => checkout.isAncestor(ancestor, descendant),
        retry,
        listed: listedReads(catalog, listing),
        warn: (message) => log.warning(message),
        settled: counter('sync', toSync.length, input.progress),
      },
    );
    // Back in plan order, the rows settled by their name lookup in their places.
    const rest = syncedRows[Symbol.iterator]();
    const synced = items.map(
      (_, index) => settledByName.get(index) ?? (rest.next().value as DraftResult),
    );
    if (!api) return synced;
    const rolled = await rollOutSynced(synced, items, input, api);
    return orphans ? [...rolled, ...(await orphans.settle())] : rolled;
  } finally {
    // No draft is taken any more: a listing waiting to be wanted stops reading pages.
    listing?.listed.finish();
    await listing?.done;
    // Every call is over. The idle connections close while the report is written: nothing needs to
    // wait for that, and the process still exits only once they are closed.
    api?.close().catch(() => undefined);
  }
}

/** Deploys (and restarts) the rows whose entries ask for it; the others come back as they were. */
async function rollOutSynced(
  synced: DraftResult[],
  items: readonly PlanItem[],
  input: RunInput,
  api: OpenedDraftApi,
): Promise<DraftResult[]> {
  const { settings, checkout, retry, log } = input;
  const chosen = chooseRollouts(synced, items, settings.rollout, settings.mode);
  if (chosen.length === 0) return synced;
  const targets: RolloutTarget[] = [];
  for (const { index, restart } of chosen) {
    const row = synced[index] as DraftResult;
    const sql = checkout.readSql(row.file);
    // Read a moment ago by the sync; a file gone since is left as the sync reported it.
    if (sql.ok) targets.push({ row, text: sql.value.text, restart });
  }
  log.info(
    `${targets.length} drafts to ${settings.mode === 'plan' ? 'plan the deploy of' : 'deploy'}`,
  );
  const rolled = await rollOut(
    targets,
    {
      mode: settings.mode,
      commit: settings.event.head,
      baseSha: input.baseSha,
      deploymentTarget: settings.rollout.deploymentTarget,
      waitMs: settings.rollout.waitMs,
      onStartFailure: settings.rollout.onStartFailure,
    },
    {
      api,
      retry,
      info: (message) => log.info(message),
      settled: counter('deploy', targets.length, input.progress),
    },
    settings.concurrency,
  );
  const byFile = new Map(rolled.map((row) => [row.file, row]));
  return synced.map((row) => byFile.get(row.file) ?? row);
}

/**
 * Looks up the entries that name their draft by name only, a few at a time: an entry found gets
 * its draft's ID in `items`; any other outcome (created, would-create, ambiguous) is its row.
 */
async function findByName(
  items: PlanItem[],
  settled: Map<number, DraftResult>,
  ctx: { api: OpenedDraftApi; catalog: Catalog; input: RunInput },
): Promise<void> {
  const { settings, checkout, retry, log } = ctx.input;
  const named = items.flatMap((item, index) => (!item.deleted && isNamedOnly(item) ? [index] : []));
  if (named.length === 0) return;
  log.info(`${named.length} drafts to find by name`);
  const options = {
    mode: settings.mode,
    commitSha: settings.event.head,
    repositoryId: settings.repositoryId,
    validate: settings.validate,
  };
  const deps = {
    api: ctx.api,
    catalog: ctx.catalog,
    retry,
    readSql: (file: string) => checkout.readSql(file),
    warn: (message: string) => log.warning(message),
    info: (message: string) => log.info(message),
  };
  const lookups = new Limiter(settings.concurrency);
  await Promise.all(
    named.map((index) =>
      lookups.run(async () => {
        const found = await resolveNamed(items[index] as PlanItem, options, deps);
        if (found.kind === 'found') items[index] = found.item;
        else settled.set(index, found.row);
      }),
    ),
  );
}

/** Reads from the name lookup's listing where it listed the namespace; else the read-ahead's. */
function listedReads(
  catalog: Catalog | undefined,
  listing: Listing | undefined,
): { take(ref: DraftRef): DraftRead | undefined | Promise<DraftRead | undefined> } | undefined {
  if (!catalog) return listing?.listed;
  return {
    take: (ref) => {
      const listed = catalog.listedDraft(ref);
      if (listed) {
        const { draft, readAt } = listed;
        const script = draft.artifact?.sqlArtifact?.sqlScript ?? '';
        return { draft, readAt, scriptEquals: (text) => text === script };
      }
      return listing?.listed.take(ref);
    },
  };
}

/** Counts settled rows into progress reports. */
function counter(
  phase: Progress['phase'],
  total: number,
  progress: ((progress: Progress) => void) | undefined,
): ((row: DraftResult) => void) | undefined {
  if (!progress) return undefined;
  let done = 0;
  let failed = 0;
  return (row) => {
    done += 1;
    if (isFailed(row)) failed += 1;
    progress({ phase, done, total, failed });
  };
}
