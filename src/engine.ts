// The engine: one run, from the manifest and the changes to a result row per draft. It knows
// nothing of GitHub Actions: a shell (src/action/, the CLI) parses the settings, hands in its edges
// and reports what comes back.
import { remoteAccess, type AuthEdges } from './auth/access.js';
import { openCheckout } from './checkout/checkout.js';
import { isZeroSha } from './checkout/commit-sha.js';
import { formatProblem } from './manifest/manifest.js';
import {
  entriesAtBase,
  loadManifest,
  ManifestInvalid,
  readManifestEarly,
} from './manifest/load.js';
import type { DraftResult, Progress } from './results.js';
import { systemClock } from './runtime/clock.js';
import type { Log } from './runtime/log.js';
import { redact } from './runtime/redact.js';
import { ThrottleGate, type RetryContext } from './runtime/retry.js';
import type { Mode, Settings } from './settings.js';
import { RunError } from './runtime/run-error.js';
import { planSync } from './sync/plan.js';
import { syncPlanned } from './sync/run.js';
import { draftKey, nameKey, type Scope } from './sync/orphans.js';

/** The outside worlds a run reaches besides the checkout and the API: the log and the auth edges. */
export interface Edges {
  log: Log;
  auth: AuthEdges;
  /** Called as each draft's row is settled (the CLI draws its progress line from it). */
  progress?: (progress: Progress) => void;
}

/** What a run did: every field a server may have filled is already scrubbed of secrets. */
export interface RunReport {
  mode: Mode;
  /** The commit synced. */
  commit: string;
  results: DraftResult[];
  /** Run-wide notes for the summary: why the remote part was skipped, git's warnings. */
  notices: string[];
  /** The push deleted the branch: nothing was read, and there is nothing to report. */
  branchDeleted: boolean;
}

/** Runs the sync. Throws a RunError (user-facing message) when it must stop before any draft. */
export async function runEngine(settings: Settings, edges: Edges): Promise<RunReport> {
  const { log } = edges;
  const report: RunReport = {
    mode: settings.mode,
    commit: settings.event.head,
    results: [],
    notices: [],
    branchDeleted: isZeroSha(settings.event.head),
  };
  if (report.branchDeleted) {
    log.notice('The push deleted the branch; there is nothing to sync.');
    return report;
  }
  // One budget for the run: STS, listing and every draft's calls share its deadline.
  const retry = runRetryContext(settings);
  const checkout = openCheckout(settings.workspaceDir);
  const options = { path: settings.manifestPath, defaults: settings.defaults };
  // git works out the changes while the manifest is read and parsed. A broken manifest still
  // stops the run first, with its own message; the changes are then not needed.
  const changing = checkout.changes(settings.event, settings.syncAll);
  changing.catch(() => undefined);
  const early = settings.syncAll
    ? undefined
    : readManifestEarly(checkout, options.path, settings.event.before);
  let manifest;
  try {
    manifest = loadManifest(checkout, options);
  } catch (error) {
    if (error instanceof ManifestInvalid) {
      for (const problem of error.problems) {
        log.error(formatProblem(problem), {
          title: 'Invalid flink-draft-sync manifest',
          file: error.path,
          line: problem.line,
          column: problem.column,
        });
      }
    }
    throw error;
  }
  const changes = await changing;
  for (const warning of changes.warnings) {
    log.warning(warning);
    report.notices.push(warning);
  }
  if (changes.kind === 'all' && changes.reason !== 'sync-all') report.notices.push(changes.reason);
  const baseSha = changes.kind === 'diff' ? changes.base : undefined;
  const previousEntries =
    baseSha === undefined
      ? undefined
      : await entriesAtBase(checkout, options, baseSha, manifest, early);
  const planned = planSync({
    entries: manifest.entries,
    previousEntries,
    changes,
    manifestPath: settings.manifestPath,
  });
  const items = settings.paths ? onlyPaths(planned, manifest.entries, settings.paths) : planned;
  const needed = items.some((item) => !item.deleted);
  const { provider, notice } = await remoteAccess(settings, needed, edges.auth, retry, log);
  if (notice) report.notices.push(notice);
  log.info(`${items.length} of ${manifest.entries.length} manifest entries to ${settings.mode}`);
  const results = await syncPlanned({
    settings,
    items,
    checkout,
    provider,
    baseSha,
    retry,
    log,
    progress: edges.progress,
    manifest: orphanSearch(manifest.entries, previousEntries, changes.kind === 'all'),
  });
  // Every field a server may have filled goes through redaction before any output sees it.
  const secrets = provider?.secrets() ?? [];
  const scrub = (text: string | undefined): string | undefined =>
    text === undefined ? undefined : redact(text, secrets);
  report.results = results.map((r) => ({
    ...r,
    draftName: scrub(r.draftName),
    code: scrub(r.code),
    message: scrub(r.message),
    requestId: scrub(r.requestId),
    diff: scrub(r.diff),
    sqlCheck: r.sqlCheck && { ...r.sqlCheck, result: scrub(r.sqlCheck.result) },
    rollout: r.rollout && {
      ...r.rollout,
      plan: scrub(r.rollout.plan),
      deploymentId: scrub(r.rollout.deploymentId),
      jobId: scrub(r.rollout.jobId),
      stoppedJobId: scrub(r.rollout.stoppedJobId),
      savepointId: scrub(r.rollout.savepointId),
    },
  }));
  report.notices = report.notices.map((n) => redact(n, secrets));
  return report;
}

/** The planned items of the named files; a path the manifest does not map stops the run. */
function onlyPaths<T extends { entry: { file: string } }>(
  items: T[],
  entries: readonly { file: string }[],
  paths: readonly string[],
): T[] {
  const mapped = new Set(entries.map((entry) => entry.file));
  const unknown = paths.filter((path) => !mapped.has(path));
  if (unknown.length > 0) {
    throw new RunError(
      `not in the manifest: ${unknown.join(', ')}; give paths from the repository root, as the manifest's file: entries do`,
    );
  }
  const wanted = new Set(paths);
  return items.filter((item) => wanted.has(item.entry.file));
}

/**
 * Where to look for drafts the manifest no longer names: the namespaces of the entries this push
 * removed, or, syncing everything, every namespace the manifest maps. Undefined: nowhere.
 */
function orphanSearch(
  entries: readonly (Scope & { draftId: string; name?: string })[],
  previous: readonly (Scope & { draftId: string; name?: string })[] | undefined,
  all: boolean,
): { mapped: Set<string>; mappedNames: Set<string>; scopes: Scope[] } | undefined {
  const mapped = new Set(entries.filter((e) => e.draftId !== '').map((entry) => draftKey(entry)));
  const mappedNames = new Set(
    entries.flatMap((entry) => (entry.name === undefined ? [] : [nameKey(entry, entry.name)])),
  );
  const removed = (previous ?? []).filter((entry) =>
    entry.draftId !== ''
      ? !mapped.has(draftKey(entry))
      : entry.name !== undefined && !mappedNames.has(nameKey(entry, entry.name)),
  );
  const scopes = scopesOf(all ? [...entries, ...removed] : removed);
  return scopes.length > 0 ? { mapped, mappedNames, scopes } : undefined;
}

/** Each workspace and namespace once, in the order the entries name them. */
function scopesOf(entries: readonly Scope[]): Scope[] {
  const seen = new Map<string, Scope>();
  for (const { workspace, namespace } of entries) {
    seen.set(JSON.stringify([workspace, namespace]), { workspace, namespace });
  }
  return [...seen.values()];
}

/** The run's retries: the settings' policy, the system clock, and a deadline from now. */
export function runRetryContext(settings: Settings): RetryContext {
  return {
    policy: {
      maxRetries: settings.maxRetries,
      baseDelayMs: settings.retryBaseDelayMs,
      maxDelayMs: settings.retryMaxDelayMs,
    },
    clock: systemClock,
    deadline: systemClock.now() + settings.timeoutMs,
    gate: new ThrottleGate(systemClock),
  };
}
