// One run of the action: manifest → changes → plan → sync → report. Each step is a small function
// over values; the edges (git, HTTP, files, @actions/core) are the modules it calls.
import * as core from '@actions/core';
import { Code } from './codes.js';
import { systemClock } from './runtime/clock.js';
import {
  chooseCredentialSource,
  createCredentialProvider,
  type CredentialProvider,
} from './auth/credentials.js';
import { startListing, type Listing } from './ververica/listing.js';
import { createGcPacer } from './runtime/gc-pacer.js';
import { Limiter } from './runtime/limiter.js';
import { resolveEndpoint } from './ververica/endpoint.js';
import { errorMessage } from './runtime/error-message.js';
import { createStsClient } from './auth/sts.js';
import { detectChanges, isAncestor, readFileAtCommit, type ChangeSet } from './checkout/git.js';
import {
  formatProblem,
  MANIFEST_LIMITS,
  parseManifest,
  type ManifestEntry,
} from './manifest/manifest.js';
import { planSync, type PlanItem } from './sync/plan.js';
import { commentMarker, upsertPrComments } from './report/pr-comment.js';
import { redact } from './runtime/redact.js';
import { annotateFailures, failedCount, writeOutputs, writeSummary } from './action/report.js';
import type { DeploymentDraft, DraftRef } from './ververica/draft.js';
import type { DraftResult } from './results.js';
import { ThrottleGate, type RetryContext } from './runtime/retry.js';
import type { Settings } from './settings.js';
import { renderComment, renderSummary, type SummaryInput } from './report/summary.js';
import { syncDrafts } from './sync/sync.js';
import { VervericaClient } from './ververica/client.js';
import { readSqlFile, readWorkspaceFile } from './checkout/files.js';
import { isZeroSha } from './checkout/commit-sha.js';

/** Thrown for a run that must stop before any draft is touched. The message is user-facing. */
export class RunError extends Error {}

/** The manifest's text: the same checks as a .sql file (inside the checkout, regular, size). */
function readManifestText(settings: Settings): string {
  const name = settings.manifestPath;
  const file = readWorkspaceFile(settings.workspaceDir, name, MANIFEST_LIMITS.maxBytes);
  if (!file.ok) throw new RunError(`manifest ${name}: ${file.message}`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(file.bytes);
  } catch {
    throw new RunError(`manifest ${name} is not valid UTF-8`);
  }
}

interface Manifest {
  text: string;
  entries: ManifestEntry[];
}

function loadManifest(settings: Settings): Manifest {
  const text = readManifestText(settings);
  const parsed = parseManifest(text, { path: settings.manifestPath, defaults: settings.defaults });
  if (parsed.ok) return { text, entries: parsed.entries };
  for (const problem of parsed.problems) {
    core.error(formatProblem(problem), {
      title: 'Invalid flink-draft-sync manifest',
      file: settings.manifestPath,
      startLine: problem.line,
      startColumn: problem.column,
    });
  }
  throw new RunError(
    `manifest ${settings.manifestPath} has ${parsed.problems.length} problem(s); nothing was synced:\n` +
      parsed.problems.map((p) => `  ${formatProblem(p)}`).join('\n'),
  );
}

async function changesFor(settings: Settings): Promise<ChangeSet> {
  if (settings.syncAll) {
    return { kind: 'all', reason: 'sync-all', warnings: [] };
  }
  const { event } = settings;
  const isPr = event.name === 'pull_request' || event.name === 'pull_request_target';
  return detectChanges({
    cwd: settings.workspaceDir,
    before: isPr ? event.base : event.before,
    after: event.head,
    mode: isPr ? 'pull_request' : 'push',
    forced: event.forced,
    defaultBranch: event.defaultBranch,
  });
}

/** The manifest's bytes at commit `sha`; undefined when that commit has no manifest. */
function manifestAt(settings: Settings, sha: string): Promise<Buffer | undefined> {
  return readFileAtCommit(settings.workspaceDir, sha, settings.manifestPath);
}

/** The manifest's bytes at a commit, read before the changes are known. */
interface EarlyRead {
  sha: string;
  bytes: Promise<Buffer | undefined>;
}

/**
 * A push is diffed against `before` on almost every run: its manifest is read beside the diff.
 * Pull requests (diffed against a merge base) and first pushes have no `before`.
 */
function readBaseManifestEarly(settings: Settings): EarlyRead | undefined {
  const sha = settings.event.before;
  if (settings.syncAll || sha === undefined) return undefined;
  const bytes = manifestAt(settings, sha);
  bytes.catch(() => undefined);
  return { sha, bytes };
}

/** The manifest as it was at the diff's base, so entries that changed there count as changed. */
async function previousEntries(
  settings: Settings,
  changes: ChangeSet,
  manifest: Manifest,
  early: EarlyRead | undefined,
): Promise<ManifestEntry[] | undefined> {
  if (changes.kind !== 'diff') return undefined;
  const earlyBytes =
    early?.sha === changes.base ? await early.bytes.catch(() => undefined) : undefined;
  // Only bytes are taken from the early read: one that failed, or that raced a fetch of the
  // commit, is made again now that the commit is known to be in the checkout.
  const bytes = earlyBytes ?? (await manifestAt(settings, changes.base));
  if (!bytes) return [];
  const text = bytes.toString('utf8');
  // Most pushes leave the manifest alone: the same text parses to the same entries.
  if (text === manifest.text) return manifest.entries;
  const parsed = parseManifest(text, {
    path: settings.manifestPath,
    defaults: settings.defaults,
  });
  // An earlier manifest that no longer parses cannot tell what changed: treat every entry as new.
  return parsed.ok ? parsed.entries : [];
}

async function plan(
  settings: Settings,
  manifest: Manifest,
  changing: Promise<ChangeSet>,
  early: EarlyRead | undefined,
  notices: string[],
): Promise<{ items: PlanItem[]; baseSha?: string }> {
  const changes = await changing;
  for (const warning of changes.warnings) {
    core.warning(warning);
    notices.push(warning);
  }
  if (changes.kind === 'all' && changes.reason !== 'sync-all') notices.push(changes.reason);
  const items = planSync({
    entries: manifest.entries,
    previousEntries: await previousEntries(settings, changes, manifest, early),
    changes,
    manifestPath: settings.manifestPath,
  });
  return { items, baseSha: changes.kind === 'diff' ? changes.base : undefined };
}

function credentialProvider(settings: Settings): CredentialProvider | undefined {
  const chosen = chooseCredentialSource(
    { ...settings.credentials, region: settings.region, runId: settings.runId },
    process.env,
  );
  if (!chosen.ok) throw new RunError(chosen.message);
  if (chosen.source.kind === 'none') return undefined;
  const now = (): number => Date.now();
  return createCredentialProvider(chosen.source, {
    getIdToken: (audience) => core.getIDToken(audience),
    setSecret: (value) => core.setSecret(value),
    now,
    sts: createStsClient({ now, requestTimeoutMs: settings.requestTimeoutMs }),
  });
}

async function syncItems(
  settings: Settings,
  items: PlanItem[],
  provider: CredentialProvider | undefined,
  baseSha: string | undefined,
): Promise<DraftResult[]> {
  const clock = systemClock;
  const deadline = clock.now() + settings.timeoutMs;
  let client: VervericaClient | undefined;
  if (provider) {
    const endpoint = resolveEndpoint({ region: settings.region, endpoint: settings.endpoint });
    if (!endpoint.ok) throw new RunError(endpoint.message);
    client = new VervericaClient({
      endpoint: endpoint.url,
      credentials: () => provider.get(),
      requestTimeoutMs: settings.requestTimeoutMs,
      // Twice the calls in flight: a call then never waits for the connection that just answered
      // (see warm-connections.ts). The limiter below still bounds the calls to `concurrency`.
      connections: 2 * settings.concurrency,
      deadline,
      secrets: () => provider.secrets(),
    });
  }
  const gcPacer = createGcPacer();
  const retry: RetryContext = {
    policy: {
      maxRetries: settings.maxRetries,
      baseDelayMs: settings.retryBaseDelayMs,
      maxDelayMs: settings.retryMaxDelayMs,
    },
    clock,
    deadline,
    gate: new ThrottleGate(clock),
  };
  // Listing and the drafts' own calls overlap, so they share one bound: `concurrency` calls at once.
  const calls = new Limiter(settings.concurrency);
  const api = client && {
    getDraft: (ref: DraftRef) => calls.run(() => client.getDraft(ref)),
    getLock: (ref: DraftRef) => calls.run(() => client.getLock(ref)),
    updateDraft: (ref: DraftRef, draft: DeploymentDraft) =>
      calls.run(() => client.updateDraft(ref, draft)),
    listDrafts: (...args: Parameters<VervericaClient['listDrafts']>) =>
      calls.run(() => client.listDrafts(...args)),
  };
  // Opened while the first calls are in flight; no more than the run has drafts to read or write.
  client?.warm(items.filter((item) => !item.deleted).length);
  let listing: Listing | undefined;
  try {
    // Drafts are written as their pages arrive, not after the last page.
    listing =
      api && settings.mode === 'apply' && settings.listDrafts
        ? startListing(items, {
            api,
            retry,
            concurrency: settings.concurrency,
            log: (message) => core.info(message),
            warn: (message) => core.warning(message),
            pageRead: (scriptChars) => gcPacer.read(scriptChars),
          })
        : undefined;
    return await syncDrafts(
      items,
      {
        mode: settings.mode,
        onDrift: settings.onDrift,
        commitSha: settings.event.head,
        baseSha,
        concurrency: settings.concurrency,
      },
      {
        api,
        readSql: (file) => {
          const sql = readSqlFile(settings.workspaceDir, file);
          if (sql.ok) gcPacer.read(sql.bytes);
          return sql;
        },
        fileAtCommit: (sha, file) => readFileAtCommit(settings.workspaceDir, sha, file),
        isAncestor: (ancestor, descendant) =>
          isAncestor(settings.workspaceDir, ancestor, descendant),
        retry,
        listed: listing?.listed,
        warn: (message) => core.warning(message),
      },
    );
  } finally {
    // No draft is taken any more: a listing waiting to be wanted stops reading pages.
    listing?.listed.finish();
    await listing?.done;
    // Every call is over. The idle connections close while the report is written: nothing needs to
    // wait for that, and the process still exits only once they are closed.
    client?.close().catch(() => undefined);
  }
}

async function comment(settings: Settings, summary: SummaryInput): Promise<void> {
  const { repository, event } = settings;
  const marker = commentMarker(settings.commentKey);
  if (!repository) return;
  const isPr = event.pullNumber !== undefined;
  const onDefaultBranch = event.defaultBranch && event.ref === `refs/heads/${event.defaultBranch}`;
  if (!isPr && !onDefaultBranch) return;
  const outcomes = await upsertPrComments({
    token: settings.githubToken,
    baseUrl: settings.apiUrl,
    target: {
      ...repository,
      pullNumbers: isPr ? [event.pullNumber as number] : undefined,
      commitSha: isPr ? undefined : event.head,
    },
    body: renderComment({ ...summary, marker }),
    marker,
    summaryUrl: settings.runUrl,
    enabled: settings.commentOnPr,
  });
  for (const outcome of outcomes) {
    if ('reason' in outcome) {
      if (outcome.status === 'failed') core.warning(`PR comment not written: ${outcome.reason}`);
      else core.info(`PR comment skipped: ${outcome.reason}`);
    } else {
      core.info(`PR comment ${outcome.status} on #${outcome.pullNumber}`);
    }
  }
}

/**
 * Credentials for the remote part, fetched once up front so that a broken OIDC or STS setup fails
 * with one clear message instead of once per draft. Plan mode goes on without them (fork PRs).
 */
async function remoteAccess(
  settings: Settings,
  items: PlanItem[],
  notices: string[],
): Promise<CredentialProvider | undefined> {
  let provider: CredentialProvider | undefined;
  try {
    provider = credentialProvider(settings);
  } catch (error) {
    // A fork's workflow gets secrets as empty strings but variables as set, so a key ID without
    // its secret is what a fork pull request looks like: plan mode says why and goes on.
    if (settings.mode === 'apply' || !(error instanceof RunError)) throw error;
    return skipRemote(error.message, notices);
  }
  const needed = items.some((i) => !i.deleted);
  let why: string | undefined;
  if (!provider) {
    why = 'no credentials are available (secrets are not passed to pull requests from forks)';
  } else if (needed) {
    try {
      await provider.get();
      return provider;
    } catch (error) {
      const message = redact(errorMessage(error), provider.secrets());
      if (settings.mode === 'apply') throw new RunError(message);
      why = message;
    }
  } else {
    return provider;
  }
  if (settings.mode === 'apply' && needed) {
    throw new RunError(
      `${Code.NoCredentials}: no Alibaba Cloud credentials. Set access-key-id and access-key-secret, ` +
        'or role-arn and oidc-provider-arn (keyless, needs permissions id-token: write), ' +
        'or the ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET env vars',
    );
  }
  return skipRemote(why ?? '', notices);
}

function skipRemote(why: string, notices: string[]): undefined {
  const reason = why.replace(/\.+$/, '');
  const notice = `Remote comparison skipped: ${reason}. The manifest and the files were checked locally.`;
  notices.push(notice);
  core.notice(notice);
  return undefined;
}

/** Runs the whole sync and returns the number of failed drafts. */
export async function runPipeline(settings: Settings): Promise<{ failed: number; total: number }> {
  const notices: string[] = [];
  if (isZeroSha(settings.event.head)) {
    core.notice('The push deleted the branch; there is nothing to sync.');
    return { failed: 0, total: 0 };
  }
  // git works out the changes while the manifest is read and parsed. A broken manifest still
  // stops the run first, with its own message; the changes are then not needed.
  const changing = changesFor(settings);
  changing.catch(() => undefined);
  const early = readBaseManifestEarly(settings);
  const manifest = loadManifest(settings);
  const { entries } = manifest;
  const { items, baseSha } = await plan(settings, manifest, changing, early, notices);
  const provider = await remoteAccess(settings, items, notices);
  const scrub = (text: string | undefined): string | undefined =>
    text === undefined ? undefined : redact(text, provider?.secrets() ?? []);
  core.info(`${items.length} of ${entries.length} manifest entries to ${settings.mode}`);
  // Every field a server may have filled goes through redaction before any output sees it.
  const results = (await syncItems(settings, items, provider, baseSha)).map((r) => ({
    ...r,
    draftName: scrub(r.draftName),
    code: scrub(r.code),
    message: scrub(r.message),
    requestId: scrub(r.requestId),
    diff: scrub(r.diff),
  }));
  const summaryInput: SummaryInput = {
    mode: settings.mode,
    results,
    notices: notices.map((n) => scrub(n) ?? ''),
    commit: settings.event.head,
  };
  writeOutputs(results);
  annotateFailures(results);
  await writeSummary(renderSummary(summaryInput));
  await comment(settings, summaryInput);
  return { failed: failedCount(results), total: results.length };
}
