// The run's typed settings, and the one place that knows every input's default and range. Pure:
// a shell (the Action, the CLI) hands in how to read an input and what the run is about, and gets
// back parsed values (numbers, enums, booleans) or every problem at once.

export type Mode = 'plan' | 'apply';
export type OnDrift = 'fail' | 'warn' | 'overwrite';
/** When the server checks the SQL (ValidateSqlStatement). */
export type Validate = 'plan' | 'always' | 'never';
/** Whether a job running the old version is restarted on the new one. */
export type Restart = 'never' | 'if-running';
/** What happens when a restarted job does not reach RUNNING. */
export type OnStartFailure = 'rollback' | 'leave';
/** What happens to a draft the manifest no longer names. */
export type OnRemoved = 'keep' | 'delete';

/** Taking each synced draft to its deployment and job (inputs deploy … on-start-failure). */
export interface RolloutSettings {
  /** Deploy synced drafts; a manifest entry's own `deploy:` wins. */
  deploy: boolean;
  /** The queue a first deploy creates the deployment in. */
  deploymentTarget: string;
  /** A manifest entry's own `restart:` wins. */
  restart: Restart;
  /** How long a started job may take to reach RUNNING. */
  waitMs: number;
  onStartFailure: OnStartFailure;
}

export interface EventInfo {
  name: string;
  /** Push: the commit before the push; all zeros on the first push of a branch. */
  before?: string;
  /** The commit to sync (push: `after`; pull_request: the PR head). */
  head: string;
  /** pull_request: the base commit. */
  base?: string;
  forced: boolean;
  pullNumber?: number;
  defaultBranch?: string;
  ref?: string;
}

/** The events that are a pull request: diffed against the merge base, planned by default. */
export function isPullRequest(event: Pick<EventInfo, 'name'>): boolean {
  return event.name === 'pull_request' || event.name === 'pull_request_target';
}

/** What the credential chain is given; empty strings mean "not set". */
export interface CredentialInputs {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
  roleArn: string;
  oidcProviderArn: string;
  roleSessionName: string;
  roleDurationSeconds: number;
  audience: string;
  /** Empty means the regional endpoint when the region is set, else the central one. */
  stsEndpoint: string;
}

export interface Settings {
  /** The checkout's root folder. */
  workspaceDir: string;
  manifestPath: string;
  mode: Mode;
  event: EventInfo;
  syncAll: boolean;
  region: string;
  endpoint: string;
  defaults: { workspace?: string; namespace?: string };
  credentials: CredentialInputs;
  onDrift: OnDrift;
  validate: Validate;
  rollout: RolloutSettings;
  concurrency: number;
  /** Read drafts in pages (ListDeploymentDrafts) when that takes fewer calls than one GET each. */
  listDrafts: boolean;
  maxRetries: number;
  /** Full-jitter backoff: retry n waits up to min(retryMaxDelayMs, retryBaseDelayMs × 2^n). */
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  timeoutMs: number;
  requestTimeoutMs: number;
  failOnError: boolean;
  commentOnPr: boolean;
  /** Tells this workflow's PR comment apart from another's on the same PR. */
  commentKey: string;
  /** Names the default STS session, so that RAM's audit log ties it to the run. */
  runId: string;
  /** Only these manifest files (the CLI's explicit paths); undefined: every file the changes touch. */
  paths?: string[];
  /**
   * The manifest's repository as `host/owner/name` (the shell finds it): recorded on each draft the
   * action writes, so that a draft no entry names any more can be reported. Undefined: not recorded.
   */
  repositoryId?: string;
  /** What happens to a draft of this repository that the manifest no longer names. */
  onRemoved: OnRemoved;
}

/**
 * Every input's default, as action.yml declares it (a test holds the two together). An input
 * that is not given takes its default; one given empty is refused where the default is not empty.
 */
export const INPUT_DEFAULTS = {
  manifest: 'flink-drafts.yaml',
  region: '',
  endpoint: '',
  workspace: '',
  namespace: '',
  'access-key-id': '',
  'access-key-secret': '',
  'security-token': '',
  'role-arn': '',
  'oidc-provider-arn': '',
  'role-session-name': '',
  'role-duration-seconds': '3600',
  audience: 'sts.aliyuncs.com',
  'sts-endpoint': '',
  mode: 'auto',
  'sync-all': 'false',
  'on-drift': 'fail',
  validate: 'plan',
  deploy: 'false',
  'deployment-target': 'default-queue',
  restart: 'never',
  'wait-minutes': '5',
  'on-start-failure': 'rollback',
  'on-removed': 'keep',
  concurrency: '4',
  'list-drafts': 'true',
  'max-retries': '4',
  'retry-delay-seconds': '0.5',
  'retry-max-delay-seconds': '20',
  'timeout-minutes': '10',
  'request-timeout-seconds': '30',
  'fail-on-error': 'true',
  'comment-on-pr': 'true',
  'comment-key': '',
} as const;

export type InputName = keyof typeof INPUT_DEFAULTS;

/** The ranges that are not a plain enum; `--help` and the README say the same. */
export const INPUT_RANGES = {
  'role-duration-seconds': { min: 900, max: 43200 },
  concurrency: { min: 1, max: 64 },
  'max-retries': { min: 0, max: 20 },
  'retry-delay-seconds': { max: 60 },
  'retry-max-delay-seconds': { max: 600 },
  'timeout-minutes': { max: 360 },
  'wait-minutes': { max: 120 },
  'request-timeout-seconds': { min: 1, max: 600 },
} as const;

export const MODES = ['auto', 'plan', 'apply'] as const;
export const ON_DRIFT = ['fail', 'warn', 'overwrite'] as const;
export const VALIDATE = ['plan', 'always', 'never'] as const;
export const RESTART = ['never', 'if-running'] as const;
export const ON_START_FAILURE = ['rollback', 'leave'] as const;
export const ON_REMOVED = ['keep', 'delete'] as const;

/** An input's raw text; undefined when it was not given at all. */
export type InputReader = (name: InputName) => string | undefined;

/** What the run is about, as the shell found it. */
export interface RunContext {
  event: EventInfo;
  workspaceDir: string;
  /** The CI run's ID, or "local". */
  runId: string;
  /** A workflow_dispatch run syncs every entry: there is no push to diff. */
  syncAllEvent?: boolean;
}

export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

const SESSION_NAME = /^[A-Za-z0-9.@_-]{2,64}$/;
const BOOLEANS: Readonly<Record<string, boolean>> = {
  true: true,
  True: true,
  TRUE: true,
  false: false,
  False: false,
  FALSE: false,
};

/** Reads inputs by name, collecting every problem instead of stopping at the first. */
class Inputs {
  readonly problems: string[] = [];

  constructor(private readonly read: InputReader) {}

  text(name: InputName): string {
    const given = this.read(name);
    return given === undefined ? INPUT_DEFAULTS[name] : given.trim();
  }

  required(name: InputName): string | undefined {
    const value = this.text(name);
    if (value !== '') return value;
    this.problems.push(`input ${name}: required, but it is empty`);
    return undefined;
  }

  integer(name: keyof typeof INPUT_RANGES & InputName): number {
    const { min, max } = INPUT_RANGES[name] as { min: number; max: number };
    const raw = this.required(name);
    if (raw === undefined) return min;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      this.problems.push(
        `input ${name}: expected a whole number from ${min} to ${max}, got "${raw}"`,
      );
      return min;
    }
    return value;
  }

  /** A number above 0, fractions allowed: a budget of half a minute is a real choice. */
  positive(name: keyof typeof INPUT_RANGES & InputName): number {
    const { max } = INPUT_RANGES[name];
    const raw = this.required(name);
    if (raw === undefined) return max;
    const value = Number(raw);
    if (!/^\d+(\.\d+)?$/.test(raw) || value <= 0 || value > max) {
      this.problems.push(
        `input ${name}: expected a number above 0 and at most ${max}, got "${raw}"`,
      );
      return max;
    }
    return value;
  }

  choice<T extends string>(name: InputName, allowed: readonly T[]): T {
    const raw = this.required(name) as T | undefined;
    if (raw === undefined) return allowed[0] as T;
    if (!allowed.includes(raw)) {
      this.problems.push(`input ${name}: expected one of ${allowed.join(', ')}, got "${raw}"`);
      return allowed[0] as T;
    }
    return raw;
  }

  /** The YAML 1.2 core schema's booleans, as the Actions toolkit reads them. */
  boolean(name: InputName): boolean {
    const raw = this.text(name);
    const value = BOOLEANS[raw];
    if (value !== undefined) return value;
    this.problems.push(`input ${name}: expected true or false, got "${raw}"`);
    return false;
  }

  sessionName(runId: string): string {
    const given = this.text('role-session-name');
    const id = runId.replace(/[^A-Za-z0-9.@_-]/g, '');
    const name = given || (id ? `flink-draft-sync-${id}` : 'flink-draft-sync');
    if (!SESSION_NAME.test(name)) {
      this.problems.push(
        `input role-session-name: "${name}" must be 2 to 64 characters of letters, digits and . @ - _`,
      );
    }
    return name;
  }
}

/** Parses every input; throws a SettingsError naming each problem. */
export function parseSettings(read: InputReader, context: RunContext): Settings {
  const inputs = new Inputs(read);
  const { event } = context;
  const modeInput = inputs.choice('mode', MODES);
  const mode: Mode = modeInput === 'auto' ? (isPullRequest(event) ? 'plan' : 'apply') : modeInput;
  if (!event.head) inputs.problems.push('cannot tell which commit to sync: GITHUB_SHA is not set');
  const settings: Settings = {
    workspaceDir: context.workspaceDir,
    manifestPath: inputs.required('manifest') ?? '',
    mode,
    event,
    syncAll: inputs.boolean('sync-all') || context.syncAllEvent === true,
    region: inputs.text('region'),
    endpoint: inputs.text('endpoint'),
    defaults: {
      workspace: inputs.text('workspace') || undefined,
      namespace: inputs.text('namespace') || undefined,
    },
    credentials: {
      accessKeyId: inputs.text('access-key-id'),
      accessKeySecret: inputs.text('access-key-secret'),
      securityToken: inputs.text('security-token'),
      roleArn: inputs.text('role-arn'),
      oidcProviderArn: inputs.text('oidc-provider-arn'),
      roleSessionName: inputs.sessionName(context.runId),
      roleDurationSeconds: inputs.integer('role-duration-seconds'),
      audience: inputs.required('audience') ?? '',
      stsEndpoint: inputs.text('sts-endpoint'),
    },
    onDrift: inputs.choice('on-drift', ON_DRIFT),
    validate: inputs.choice('validate', VALIDATE),
    rollout: {
      deploy: inputs.boolean('deploy'),
      deploymentTarget: inputs.required('deployment-target') ?? '',
      restart: inputs.choice('restart', RESTART),
      waitMs: Math.round(inputs.positive('wait-minutes') * 60_000),
      onStartFailure: inputs.choice('on-start-failure', ON_START_FAILURE),
    },
    onRemoved: inputs.choice('on-removed', ON_REMOVED),
    concurrency: inputs.integer('concurrency'),
    listDrafts: inputs.boolean('list-drafts'),
    maxRetries: inputs.integer('max-retries'),
    retryBaseDelayMs: Math.round(inputs.positive('retry-delay-seconds') * 1000),
    retryMaxDelayMs: Math.round(inputs.positive('retry-max-delay-seconds') * 1000),
    timeoutMs: Math.round(inputs.positive('timeout-minutes') * 60_000),
    requestTimeoutMs: inputs.integer('request-timeout-seconds') * 1000,
    failOnError: inputs.boolean('fail-on-error'),
    commentOnPr: inputs.boolean('comment-on-pr'),
    commentKey: inputs.text('comment-key'),
    runId: context.runId,
  };
  if (inputs.problems.length > 0) throw new SettingsError(inputs.problems);
  return settings;
}
