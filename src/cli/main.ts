// The CLI: `flink-draft-sync plan | apply | check`. The composition root of the command line, as
// action/main.ts is of the Action: it reads the flags, the environment and the Alibaba Cloud CLI's
// profile, runs the same engine, and prints its rows. Exit codes: 0 all well, 1 a draft failed,
// 2 bad usage, bad settings or an invalid manifest.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GitError, headSha, remoteUrl, resolveRevision } from '../checkout/git.js';
import { repositoryIdOf } from '../checkout/remote.js';
import { runEngine, type Edges } from '../engine.js';
import { renderSummary } from '../report/summary.js';
import { resultRecords } from '../report/results-json.js';
import { failedCount, type Progress } from '../results.js';
import { errorMessage } from '../runtime/error-message.js';
import type { Log } from '../runtime/log.js';
import { redact } from '../runtime/redact.js';
import { RunError } from '../runtime/run-error.js';
import { VERSION } from '../runtime/version.js';
import { parseSettings, SettingsError, type EventInfo, type InputName } from '../settings.js';
import { parseCommandLine, type CliArgs } from './args.js';
import {
  chooseCliCredentials,
  ENV,
  readProfile,
  tokenFromFile,
  type Profile,
} from './credentials.js';
import { renderHelp } from './help.js';
import { renderImport, renderTable } from './table.js';
import { remoteAccess, type AuthEdges } from '../auth/access.js';
import { runImport } from '../import/import.js';
import { runRetryContext } from '../engine.js';
import { resolveEndpoint } from '../ververica/endpoint.js';
import { openDraftApi } from '../ververica/draft-api.js';

export interface Terminal {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stderr is a terminal: the progress line is drawn only then. */
  stderrIsTty: boolean;
}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

const NO_CREDENTIALS =
  `NoCredentials: no Alibaba Cloud credentials. Set ${ENV.accessKeyId} and ${ENV.accessKeySecret}, ` +
  `or ${ENV.roleArn}, ${ENV.oidcProviderArn} and ${ENV.oidcTokenFile} (keyless), ` +
  'or use a profile of the Alibaba Cloud CLI (aliyun configure; --profile)';

type Env = Record<string, string | undefined>;

/** The profile to read, if any: an explicit --profile must exist; an absent config file is no profile. */
function profileOf(args: CliArgs, env: Env): Profile | undefined {
  const file = env[ENV.configFile] || path.join(env.HOME || os.homedir(), '.aliyun', 'config.json');
  const wanted = args.profile ?? (env[ENV.profile] || undefined);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    if (wanted !== undefined) throw new SettingsError([`--profile ${wanted}: cannot read ${file}`]);
    return undefined;
  }
  const read = readProfile(text, wanted, file);
  if (read.ok) return read.value;
  // The config file's default profile is a fallback: unusable, it is passed over unless asked for.
  if (wanted !== undefined) throw new SettingsError([read.error]);
  return undefined;
}

/** A path as the manifest writes it: from the repository root, with `/`. */
function manifestPath(root: string, cwd: string, file: string): string {
  return path.relative(root, path.resolve(cwd, file)).split(path.sep).join('/');
}

async function eventOf(args: CliArgs, root: string): Promise<{ event: EventInfo; all: boolean }> {
  const head = await headSha(root);
  if (args.since === undefined) return { event: { name: 'cli', head, forced: false }, all: true };
  const before = await resolveRevision(root, args.since);
  if (!before) {
    throw new SettingsError([`--since ${args.since}: no such commit in this repository`]);
  }
  return { event: { name: 'push', before, head, forced: false }, all: false };
}

/** How the engine's credential chain reaches this process: the OIDC token file, the environment. */
function authEdges(tokenFile: string, env: Env, secrets: string[]): AuthEdges {
  return {
    idToken: async () => {
      const token = tokenFromFile(await readFile(tokenFile, 'utf8'));
      if (!token) throw new Error(`${tokenFile} is empty`);
      return token;
    },
    idTokenUnavailable: () =>
      tokenFile
        ? undefined
        : `no OIDC token: set ${ENV.oidcTokenFile} to the file that holds it (GitLab CI: write the job's id_tokens variable to a file)`,
    idTokenHint: ENV.oidcTokenFile,
    setSecret: (value) => {
      if (value) secrets.push(value);
    },
    env,
    noCredentials: NO_CREDENTIALS,
  };
}

/**
 * `import`: the same credentials and endpoint as plan and apply, then the namespace's drafts into
 * files and the manifest. Exit 1 when a local file differs (and was left) or one was refused.
 */
async function importCommand(
  args: CliArgs,
  env: Env,
  root: string,
  terminal: Terminal,
  ctx: { log: Log; secrets: string[]; scrub: (text: string) => string },
): Promise<number> {
  const options = args.import as NonNullable<CliArgs['import']>;
  const profile = profileOf(args, env);
  if (profile) ctx.secrets.push(profile.accessKeySecret, profile.securityToken ?? '');
  const { chosen, inputs: chain } = chooseCliCredentials(env, args.inputs, profile);
  const given: Partial<Record<InputName, string>> = { ...chain, ...args.inputs, mode: 'apply' };
  // No commit is synced: the settings' event only has to be well formed.
  const settings = parseSettings((name) => given[name], {
    event: { name: 'cli', head: '0'.repeat(40), forced: false },
    workspaceDir: root,
    runId: 'local',
    syncAllEvent: true,
  });
  const tokenFile = chosen.kind === 'oidc' ? chosen.tokenFile : '';
  const retry = runRetryContext(settings);
  const { provider } = await remoteAccess(
    settings,
    true,
    authEdges(tokenFile, env, ctx.secrets),
    retry,
    ctx.log,
  );
  if (!provider) throw new RunError(NO_CREDENTIALS);
  const endpoint = resolveEndpoint({ region: settings.region, endpoint: settings.endpoint });
  if (!endpoint.ok) throw new RunError(endpoint.error);
  const api = openDraftApi({
    endpoint: endpoint.value,
    provider,
    concurrency: settings.concurrency,
    requestTimeoutMs: settings.requestTimeoutMs,
    deadline: retry.deadline,
  });
  try {
    const report = await runImport(
      {
        root,
        workspace: args.inputs.workspace as string,
        namespace: args.inputs.namespace as string,
        out: options.out,
        folder: options.folder,
        manifestPath: settings.manifestPath,
        force: options.force,
      },
      { api, retry, info: (message) => ctx.log.info(message) },
    );
    if (args.format === 'json') terminal.stdout(`${JSON.stringify(report, null, 2)}\n`);
    else terminal.stdout(ctx.scrub(renderImport(report)));
    const bad = report.files.filter((f) => f.status === 'differs' || f.status === 'refused');
    return bad.length > 0 ? EXIT.failed : EXIT.ok;
  } finally {
    await api.close();
  }
}

/** One line redrawn in place on a terminal: drafts done of total, failures so far. */
export function progressLine(terminal: Terminal): {
  draw: (progress: Progress) => void;
  clear: () => void;
} {
  let shown = false;
  return {
    draw: ({ phase, done, total, failed }) => {
      if (!terminal.stderrIsTty) return;
      const verb = phase === 'sync' ? 'synced' : 'deployed';
      terminal.stderr(`\r\x1b[2K${verb} ${done}/${total}${failed ? `, ${failed} failed` : ''}`);
      shown = true;
    },
    clear: () => {
      if (shown) terminal.stderr('\r\x1b[2K');
      shown = false;
    },
  };
}

export async function runCli(
  argv: readonly string[],
  env: Env,
  cwd: string,
  terminal: Terminal,
): Promise<number> {
  const parsed = parseCommandLine(argv);
  if (parsed.kind === 'help') {
    terminal.stdout(renderHelp(parsed.command));
    return EXIT.ok;
  }
  if (parsed.kind === 'version') {
    terminal.stdout(`flink-draft-sync ${VERSION}\n`);
    return EXIT.ok;
  }
  if (parsed.kind === 'usage') {
    terminal.stderr(`flink-draft-sync: ${parsed.message}\n`);
    terminal.stderr(`Run flink-draft-sync ${parsed.command ?? ''} --help for the flags.\n`);
    return EXIT.usage;
  }
  const { args } = parsed;
  // Whatever the server echoes is scrubbed of every secret this process holds before it is shown.
  const secrets: string[] = [
    env[ENV.accessKeySecret] ?? '',
    env.ALIBABA_CLOUD_SECURITY_TOKEN ?? '',
  ].filter(Boolean);
  const scrub = (text: string): string => redact(text, secrets);
  const progress = progressLine(terminal);
  const say = (text: string): void => {
    progress.clear();
    terminal.stderr(`${scrub(text)}\n`);
  };
  const log: Log = {
    info: (message) => say(message),
    notice: (message) => say(`notice: ${message}`),
    warning: (message) => say(`warning: ${message}`),
    error: (message, place) =>
      say(
        place
          ? `${place.file}:${place.line ?? 1}:${place.column ?? 1}: ${message}`
          : `error: ${message}`,
      ),
  };
  try {
    const root = cwd;
    if (args.command === 'import') {
      return await importCommand(args, env, root, terminal, { log, secrets, scrub });
    }
    const { event, all } = await eventOf(args, root);
    const offline = args.command === 'check';
    const profile = offline ? undefined : profileOf(args, env);
    if (profile) secrets.push(profile.accessKeySecret, profile.securityToken ?? '');
    const { chosen, inputs: chain } = offline
      ? { chosen: { kind: 'none' as const }, inputs: {} }
      : chooseCliCredentials(env, args.inputs, profile);
    const given: Partial<Record<InputName, string>> = {
      ...chain,
      ...args.inputs,
      mode: args.command === 'apply' ? 'apply' : 'plan',
    };
    const settings = parseSettings((name) => given[name], {
      event,
      workspaceDir: root,
      runId: 'local',
      syncAllEvent: all,
    });
    const origin = await remoteUrl(root);
    if (origin) settings.repositoryId = repositoryIdOf(origin);
    if (args.paths.length > 0) {
      settings.paths = args.paths.map((file) => manifestPath(root, cwd, file));
    }
    const tokenFile = chosen.kind === 'oidc' ? chosen.tokenFile : '';
    const edges: Edges = {
      log,
      auth: offline
        ? { ...authEdges(tokenFile, {}, secrets), offline: 'check makes no API call' }
        : authEdges(tokenFile, env, secrets),
      progress: (p) => progress.draw(p),
    };
    const report = await runEngine(settings, edges);
    progress.clear();
    const { results } = report;
    if (args.format === 'json') {
      terminal.stdout(`${JSON.stringify(resultRecords(results), null, 2)}\n`);
    } else if (args.format === 'markdown') {
      terminal.stdout(
        renderSummary({
          mode: report.mode,
          results,
          notices: report.notices,
          commit: report.commit,
        }),
      );
    } else {
      for (const notice of report.notices) terminal.stderr(`notice: ${scrub(notice)}\n`);
      terminal.stdout(renderTable(results, report.mode));
    }
    const failed = failedCount(results);
    if (failed > 0 && settings.failOnError) return EXIT.failed;
    return EXIT.ok;
  } catch (error) {
    progress.clear();
    if (error instanceof SettingsError) {
      for (const problem of error.problems)
        terminal.stderr(`flink-draft-sync: ${scrub(problem)}\n`);
      return EXIT.usage;
    }
    if (error instanceof RunError) {
      terminal.stderr(`flink-draft-sync: ${scrub(error.message)}\n`);
      return EXIT.usage;
    }
    terminal.stderr(`flink-draft-sync failed: ${scrub(errorMessage(error))}\n`);
    // Not a git repository, or git itself failing, is the setup's problem; anything else is a bug.
    return error instanceof GitError ? EXIT.usage : EXIT.failed;
  }
}
