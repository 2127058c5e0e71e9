// Which Alibaba Cloud credentials the action uses, and a provider that keeps them fresh.
// The choice is pure (inputs and env in, a source or a message out); the provider does the I/O
// through injected functions so that tests can drive it with fake servers and a virtual clock.
import { checkServiceUrl } from '../ververica/endpoint.js';
import { errorMessage } from '../runtime/error-message.js';
import { redact } from '../runtime/redact.js';
import type { Credentials } from '../ververica/signer.js';
import { createStsClient, isTransientCode, type StsClient, type StsFailure } from './sts.js';

export const DEFAULT_AUDIENCE = 'sts.aliyuncs.com';
export const DEFAULT_DURATION_SECONDS = 3600;
export const MIN_DURATION_SECONDS = 900;
/** The largest MaxSessionDuration a RAM role can have. */
export const MAX_DURATION_SECONDS = 43200;
/** STS credentials are replaced once fewer than this many milliseconds of their life remain. */
export const REFRESH_MARGIN_MS = 5 * 60_000;
/** Least time between two AssumeRoleWithOIDC calls, whatever Expiration says. */
export const MIN_REFRESH_INTERVAL_MS = 60_000;

export const ENV_ACCESS_KEY_ID = 'ALIBABA_CLOUD_ACCESS_KEY_ID';
export const ENV_ACCESS_KEY_SECRET = 'ALIBABA_CLOUD_ACCESS_KEY_SECRET';
export const ENV_SECURITY_TOKEN = 'ALIBABA_CLOUD_SECURITY_TOKEN';

export const NO_CREDENTIALS_MESSAGE =
  'No Alibaba Cloud credentials. Provide one of: role-arn with oidc-provider-arn (keyless GitHub ' +
  'OIDC; the job needs `permissions: id-token: write`); access-key-id with access-key-secret ' +
  `(and security-token for STS keys); or the ${ENV_ACCESS_KEY_ID} and ${ENV_ACCESS_KEY_SECRET} ` +
  'environment variables.';

/** The action's inputs as read; empty string means "not set". */
export interface CredentialInputs {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
  roleArn: string;
  oidcProviderArn: string;
  /** Empty means `flink-draft-sync-<runId>`. */
  roleSessionName: string;
  /** Empty means 3600. */
  roleDurationSeconds: string | number;
  /** Empty means `sts.aliyuncs.com`. */
  audience: string;
  /** Empty means the regional endpoint when `region` is set, else the central one. */
  stsEndpoint: string;
  /** Picks the regional STS endpoint when sts-endpoint is empty. */
  region?: string;
  /** Names the default session, so that RAM's audit log ties it to the workflow run. */
  runId?: string;
}

export interface OidcSource {
  kind: 'oidc';
  roleArn: string;
  oidcProviderArn: string;
  roleSessionName: string;
  durationSeconds: number;
  audience: string;
  stsEndpoint: URL;
}

export type CredentialSource =
  | { kind: 'keys'; origin: 'inputs' | 'env'; credentials: Credentials }
  | OidcSource
  | { kind: 'none' };

export type CredentialChoice =
  { ok: true; source: CredentialSource } | { ok: false; message: string };

const ROLE_ARN = /^acs:ram::[^:\s]+:role\/\S+$/i;
const OIDC_PROVIDER_ARN = /^acs:ram::[^:\s]+:oidc-provider\/\S+$/i;
const SESSION_NAME = /^[A-Za-z0-9.@_-]{2,64}$/;
const REGION = /^[a-z]{2,}(-[a-z0-9]+)+$/;

/** Chain: key inputs, then OIDC inputs, then environment. Two sources named in inputs is an error. */
export function chooseCredentialSource(
  inputs: CredentialInputs,
  env: Record<string, string | undefined>,
): CredentialChoice {
  const keyInputs = named({
    'access-key-id': inputs.accessKeyId,
    'access-key-secret': inputs.accessKeySecret,
    'security-token': inputs.securityToken,
  });
  const oidcInputs = named({
    'role-arn': inputs.roleArn,
    'oidc-provider-arn': inputs.oidcProviderArn,
  });
  if (keyInputs.length > 0 && oidcInputs.length > 0) {
    return fail(
      `Credentials are given two ways at once: ${keyInputs[0]} and ${oidcInputs[0]}. Use either ` +
        'access-key-id/access-key-secret or role-arn with oidc-provider-arn, not both.',
    );
  }
  if (keyInputs.length > 0) {
    return keyPair('inputs', inputs.accessKeyId, inputs.accessKeySecret, inputs.securityToken, {
      id: 'access-key-id',
      secret: 'access-key-secret',
      token: 'security-token',
    });
  }
  if (oidcInputs.length > 0) return oidcSource(inputs);
  if (
    [ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_SECRET, ENV_SECURITY_TOKEN].some((name) => isSet(env[name]))
  ) {
    return keyPair(
      'env',
      env[ENV_ACCESS_KEY_ID] ?? '',
      env[ENV_ACCESS_KEY_SECRET] ?? '',
      env[ENV_SECURITY_TOKEN] ?? '',
      { id: ENV_ACCESS_KEY_ID, secret: ENV_ACCESS_KEY_SECRET, token: ENV_SECURITY_TOKEN },
    );
  }
  return { ok: true, source: { kind: 'none' } };
}

function isSet(value: string | undefined): boolean {
  return (value ?? '').trim() !== '';
}

/** Names of the inputs that are set, in the order given. */
function named(values: Record<string, string>): string[] {
  return Object.keys(values).filter((name) => isSet(values[name]));
}

function fail(message: string): CredentialChoice {
  return { ok: false, message };
}

// Only names appear in these messages: a secret that was pasted into the wrong input must not leak.
function keyPair(
  origin: 'inputs' | 'env',
  id: string,
  secret: string,
  token: string,
  names: { id: string; secret: string; token: string },
): CredentialChoice {
  const [hasId, hasSecret] = [isSet(id), isSet(secret)];
  if (!hasId && !hasSecret) {
    return fail(
      `${names.token} is set but ${names.id} and ${names.secret} are not: an STS security token ` +
        'only works with the AccessKey pair it was issued with.',
    );
  }
  if (!hasSecret) return fail(`${names.id} is set but ${names.secret} is empty: set both.`);
  if (!hasId) return fail(`${names.secret} is set but ${names.id} is empty: set both.`);
  const credentials: Credentials = { accessKeyId: id.trim(), accessKeySecret: secret.trim() };
  if (isSet(token)) credentials.securityToken = token.trim();
  return { ok: true, source: { kind: 'keys', origin, credentials } };
}

function oidcSource(inputs: CredentialInputs): CredentialChoice {
  const roleArn = inputs.roleArn.trim();
  const providerArn = inputs.oidcProviderArn.trim();
  if (!providerArn) {
    return fail(
      'role-arn is set but oidc-provider-arn is missing: set it to the ARN of the RAM OIDC identity ' +
        'provider that trusts GitHub (acs:ram::<account-id>:oidc-provider/<name>).',
    );
  }
  if (!roleArn) {
    return fail(
      'oidc-provider-arn is set but role-arn is missing: set it to the ARN of the RAM role to ' +
        'assume (acs:ram::<account-id>:role/<name>).',
    );
  }
  if (OIDC_PROVIDER_ARN.test(roleArn) && ROLE_ARN.test(providerArn)) {
    return fail(
      'role-arn and oidc-provider-arn look swapped: role-arn must name the role/…, oidc-provider-arn the oidc-provider/….',
    );
  }
  if (!ROLE_ARN.test(roleArn)) {
    return fail(
      `role-arn${shown(roleArn)} is not a RAM role ARN; expected acs:ram::<account-id>:role/<role-name>.`,
    );
  }
  if (!OIDC_PROVIDER_ARN.test(providerArn)) {
    return fail(
      `oidc-provider-arn${shown(providerArn)} is not a RAM OIDC provider ARN; expected ` +
        'acs:ram::<account-id>:oidc-provider/<provider-name>.',
    );
  }
  const duration = durationSeconds(inputs.roleDurationSeconds);
  if (duration === undefined) {
    return fail(
      `role-duration-seconds must be a whole number from ${MIN_DURATION_SECONDS} to ` +
        `${MAX_DURATION_SECONDS}, got "${String(inputs.roleDurationSeconds).trim()}".`,
    );
  }
  const sessionName = inputs.roleSessionName.trim() || defaultSessionName(inputs.runId);
  if (!SESSION_NAME.test(sessionName)) {
    return fail(
      `role-session-name "${sessionName}" must be 2 to 64 characters of letters, digits and . @ - _.`,
    );
  }
  const endpoint = stsEndpoint(inputs.stsEndpoint.trim(), (inputs.region ?? '').trim());
  if (!endpoint.ok) return fail(endpoint.message);
  return {
    ok: true,
    source: {
      kind: 'oidc',
      roleArn,
      oidcProviderArn: providerArn,
      roleSessionName: sessionName,
      durationSeconds: duration,
      audience: inputs.audience.trim() || DEFAULT_AUDIENCE,
      stsEndpoint: endpoint.url,
    },
  };
}

/** Echoes an ARN-shaped value to help spot a typo; anything else may be a secret in the wrong input. */
function shown(value: string): string {
  return /^acs:/i.test(value) ? ` "${value}"` : '';
}

function durationSeconds(raw: string | number): number | undefined {
  const text = String(raw).trim();
  if (text === '') return DEFAULT_DURATION_SECONDS;
  if (!/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return value >= MIN_DURATION_SECONDS && value <= MAX_DURATION_SECONDS ? value : undefined;
}

function defaultSessionName(runId: string | undefined): string {
  const id = (runId ?? '').replace(/[^A-Za-z0-9.@_-]/g, '');
  return id ? `flink-draft-sync-${id}` : 'flink-draft-sync';
}

function stsEndpoint(
  raw: string,
  region: string,
): { ok: true; url: URL } | { ok: false; message: string } {
  if (raw) return checkServiceUrl(raw, 'sts-endpoint');
  if (!region) return { ok: true, url: new URL('https://sts.aliyuncs.com') };
  if (!REGION.test(region)) {
    return { ok: false, message: `region "${region}" is not a region ID such as cn-hangzhou.` };
  }
  return { ok: true, url: new URL(`https://sts.${region}.aliyuncs.com`) };
}

/** A failure to obtain credentials. `code` is STS's error code when STS gave one. */
export class CredentialError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'CredentialError';
  }
}

export interface CredentialProvider {
  /** Credentials valid for at least REFRESH_MARGIN_MS more; rejects with a CredentialError. */
  get(): Promise<Credentials>;
  /** Every secret value seen so far, for scrubbing text before it is shown. */
  secrets(): string[];
}

export interface CredentialProviderDeps {
  /** Fetches a GitHub OIDC token; the action passes `core.getIDToken`. */
  getIdToken: (audience: string) => Promise<string>;
  /** Masks a value in the job log; the action passes `core.setSecret`. */
  setSecret: (secret: string) => void;
  /** Epoch milliseconds. */
  now: () => number;
  sts?: StsClient;
  /** Where the runner's OIDC variables are read; defaults to process.env. */
  env?: Record<string, string | undefined>;
}

export function createCredentialProvider(
  source: CredentialSource,
  deps: CredentialProviderDeps,
): CredentialProvider {
  const seen = new Set<string>();
  const remember = (...values: (string | undefined)[]) => {
    for (const value of values) {
      if (!value || seen.has(value)) continue;
      seen.add(value);
      deps.setSecret(value);
    }
  };
  const secrets = () => [...seen];

  switch (source.kind) {
    case 'none':
      return {
        get: () => Promise.reject(new CredentialError('NoCredentials', NO_CREDENTIALS_MESSAGE)),
        secrets,
      };
    case 'keys': {
      const { accessKeyId, accessKeySecret, securityToken } = source.credentials;
      remember(accessKeySecret, securityToken, accessKeyId);
      return { get: () => Promise.resolve({ ...source.credentials }), secrets };
    }
    case 'oidc':
      return oidcProvider(source, deps, remember, secrets);
  }
}

interface Session {
  credentials: Credentials;
  refreshAt: number;
}

function oidcProvider(
  source: OidcSource,
  deps: CredentialProviderDeps,
  remember: (...values: string[]) => void,
  secrets: () => string[],
): CredentialProvider {
  const env = deps.env ?? process.env;
  const sts = deps.sts ?? createStsClient({ now: deps.now });
  let session: Session | undefined;
  // Shared by every get() that arrives while STS is being asked, so a burst of drafts makes one call.
  let pending: Promise<Session> | undefined;

  // Anything shown to the user passes through here: STS and the token endpoint may echo inputs.
  const scrub = (text: string) =>
    redact(text, [...secrets(), env.ACTIONS_ID_TOKEN_REQUEST_TOKEN ?? '']);

  async function assume(): Promise<Session> {
    if (!env.ACTIONS_ID_TOKEN_REQUEST_URL) {
      throw new CredentialError(
        'OidcTokenUnavailable',
        'GitHub offers no OIDC token to this job: add `permissions: id-token: write` to the job ' +
          '(pull requests from forks never get one).',
      );
    }
    let token: string;
    try {
      token = await deps.getIdToken(source.audience);
    } catch (error) {
      throw new CredentialError(
        'OidcTokenUnavailable',
        scrub(
          `Could not get a GitHub OIDC token for audience "${source.audience}" (check ` +
            `\`permissions: id-token: write\`): ${errorMessage(error)}`,
        ),
      );
    }
    remember(token);
    const result = await sts.assumeRoleWithOidc(source.stsEndpoint, {
      roleArn: source.roleArn,
      oidcProviderArn: source.oidcProviderArn,
      oidcToken: token,
      roleSessionName: source.roleSessionName,
      durationSeconds: source.durationSeconds,
    });
    if (!result.ok) {
      const { failure } = result;
      const message = scrub(describeStsFailure(failure, source, tokenSubject(token)));
      throw new CredentialError(failure.code ?? 'StsUnavailable', message, failure.requestId);
    }
    const { accessKeyId, accessKeySecret, securityToken, expiration } = result.credentials;
    remember(accessKeySecret, securityToken, accessKeyId);
    const expiresAt = Date.parse(expiration);
    if (Number.isNaN(expiresAt)) {
      throw new CredentialError(
        'StsBadResponse',
        `STS returned an unreadable Expiration "${scrub(expiration)}"` +
          requestIdNote(result.requestId),
        result.requestId,
      );
    }
    // A runner clock ahead of STS's would make fresh credentials look due at once; the floor keeps
    // that from turning every API request into an STS call.
    return {
      credentials: { accessKeyId, accessKeySecret, securityToken },
      refreshAt: Math.max(expiresAt - REFRESH_MARGIN_MS, deps.now() + MIN_REFRESH_INTERVAL_MS),
    };
  }

  return {
    async get() {
      if (session && deps.now() < session.refreshAt) return { ...session.credentials };
      pending ??= assume().finally(() => (pending = undefined));
      session = await pending;
      return { ...session.credentials };
    },
    secrets,
  };
}

/** The `sub` claim, to show which subject the trust policy has to accept. Not secret on its own. */
function tokenSubject(token: string): string | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const sub = (claims as { sub?: unknown } | null)?.sub;
    return typeof sub === 'string' ? sub : undefined;
  } catch {
    return undefined;
  }
}

function requestIdNote(requestId: string | undefined): string {
  return requestId ? ` (STS RequestId: ${requestId})` : '';
}

// Says what to change, in terms of the action's inputs and the RAM setup, for each STS error family.
function describeStsFailure(
  failure: StsFailure,
  source: OidcSource,
  subject: string | undefined,
): string {
  const code = failure.code ?? '';
  const said = failure.code ? `STS ${failure.code}: ${failure.message}`.trim() : failure.message;
  const head = `Could not assume role ${source.roleArn} with GitHub OIDC (${said}).`;
  const tail =
    requestIdNote(failure.requestId) +
    (failure.recommend ? ` Diagnosis: ${failure.recommend}` : '');
  return `${head} ${stsAdvice(failure, code, source, subject)}${tail}`;
}

function stsAdvice(
  failure: StsFailure,
  code: string,
  source: OidcSource,
  subject: string | undefined,
): string {
  const provider = source.oidcProviderArn;
  if (failure.kind !== 'api' || (failure.status ?? 500) >= 500 || isTransientCode(code)) {
    return `STS did not answer usefully after ${failure.attempts} attempt(s) at ${source.stsEndpoint.origin}; retry later or set sts-endpoint to a reachable STS endpoint.`;
  }
  // STS reports an unknown provider both ways: as its own code, and as NoPermission with a message.
  if (
    /OIDCProvider/i.test(code) ||
    (/NoPermission/i.test(code) && /OIDC Provider/i.test(failure.message))
  ) {
    return `Check oidc-provider-arn: ${provider} must name an OIDC identity provider in RAM whose issuer URL is https://token.actions.githubusercontent.com.`;
  }
  if (/RoleSessionName/i.test(code)) {
    return 'Check role-session-name: 2 to 64 characters of letters, digits and . @ - _.';
  }
  if (/EntityNotExist\.Role|RoleArn/i.test(code)) {
    return `Check role-arn: ${source.roleArn} must be an existing RAM role in the account of ${provider}.`;
  }
  if (/DurationSeconds/i.test(code)) {
    return `role-duration-seconds (${source.durationSeconds}) exceeds the role's maximum session duration: lower it or raise the role's MaxSessionDuration.`;
  }
  if (/AudienceNotMatch/i.test(code)) {
    return `Check audience: "${source.audience}" must be one of the client IDs of the OIDC provider ${provider}.`;
  }
  if (/OIDCToken\.Expired/i.test(code)) {
    return 'The GitHub OIDC token had expired when STS checked it: re-run the job; if it persists, check the runner clock.';
  }
  if (/OIDCToken\.(Invalid|InvalidSignature|HttpsUrlInvalid|Issuer)/i.test(code)) {
    return `STS could not verify the GitHub OIDC token: check that ${provider} has issuer URL https://token.actions.githubusercontent.com and an up-to-date fingerprint.`;
  }
  if (/NoPermission|Forbidden|AuthenticationFail/i.test(code)) {
    const who = subject
      ? `this run's subject "${subject}"`
      : "this run's subject, such as repo:<owner>/<repo>:ref:refs/heads/main";
    return `The trust policy of ${source.roleArn} rejected this workflow: it must trust ${provider}, and its oidc:sub condition must match ${who} (oidc:aud must match "${source.audience}").`;
  }
  return "Check role-arn, oidc-provider-arn and the role's trust policy.";
}
