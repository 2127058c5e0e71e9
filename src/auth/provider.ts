// A credential provider that keeps a run's credentials fresh: fixed keys as given, or STS
// credentials from GitHub's (or a token file's) OIDC token, refreshed before they expire. The I/O
// goes through injected functions so that tests drive it with fake servers and a virtual clock.
import { errorMessage } from '../runtime/error-message.js';
import { redact } from '../runtime/redact.js';
import type { Credentials } from '../ververica/signer.js';
import { describeStsFailure, requestIdNote } from './advice.js';
import { NO_CREDENTIALS_MESSAGE, type CredentialSource, type OidcSource } from './sources.js';
import type { StsClient } from './sts.js';

/** STS credentials are replaced once fewer than this many milliseconds of their life remain. */
export const REFRESH_MARGIN_MS = 5 * 60_000;
/** Least time between two AssumeRoleWithOIDC calls, whatever Expiration says. */
export const MIN_REFRESH_INTERVAL_MS = 60_000;

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
  /** Fetches an OIDC token; the action passes `core.getIDToken`, the CLI reads a token file. */
  getIdToken: (audience: string) => Promise<string>;
  /**
   * Why no OIDC token can be had here, before asking (the Action: the job lacks
   * `permissions: id-token: write`); undefined when one may be. Default: GitHub's variable is read.
   */
  idTokenUnavailable?: () => string | undefined;
  /** What to check when getting the token fails; default GitHub's permission. */
  idTokenHint?: string;
  /** Masks a value in the job log; the action passes `core.setSecret`. */
  setSecret: (secret: string) => void;
  /** Epoch milliseconds. */
  now: () => number;
  /** Needed for an OIDC source: how STS is asked, with the run's retries and deadline. */
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
  if (!deps.sts) throw new Error('an OIDC credential source needs an STS client');
  const sts: StsClient = deps.sts;
  let session: Session | undefined;
  // Shared by every get() that arrives while STS is being asked, so a burst of drafts makes one call.
  let pending: Promise<Session> | undefined;

  // Anything shown to the user passes through here: STS and the token endpoint may echo inputs.
  const scrub = (text: string) =>
    redact(text, [...secrets(), env.ACTIONS_ID_TOKEN_REQUEST_TOKEN ?? '']);

  async function assume(): Promise<Session> {
    const unavailable = (deps.idTokenUnavailable ?? (() => githubTokenUnavailable(env)))();
    if (unavailable !== undefined) throw new CredentialError('OidcTokenUnavailable', unavailable);
    let token: string;
    try {
      token = await deps.getIdToken(source.audience);
    } catch (error) {
      throw new CredentialError(
        'OidcTokenUnavailable',
        scrub(
          `Could not get ${deps.idTokenHint === undefined ? 'a GitHub' : 'an'} OIDC token for audience "${source.audience}" (check ` +
            `${deps.idTokenHint ?? '`permissions: id-token: write`'}): ${errorMessage(error)}`,
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
      const failure = result.error;
      const message = scrub(describeStsFailure(failure, source, tokenSubject(token)));
      throw new CredentialError(failure.code ?? 'StsUnavailable', message, failure.requestId);
    }
    const { requestId, credentials: issued } = result.value;
    const { accessKeyId, accessKeySecret, securityToken, expiration } = issued;
    remember(accessKeySecret, securityToken, accessKeyId);
    const expiresAt = Date.parse(expiration);
    if (Number.isNaN(expiresAt)) {
      throw new CredentialError(
        'StsBadResponse',
        `STS returned an unreadable Expiration "${scrub(expiration)}"` + requestIdNote(requestId),
        requestId,
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

/** On GitHub Actions, a job without `id-token: write` has no token URL. */
function githubTokenUnavailable(env: Record<string, string | undefined>): string | undefined {
  return env.ACTIONS_ID_TOKEN_REQUEST_URL
    ? undefined
    : 'GitHub offers no OIDC token to this job: add `permissions: id-token: write` to the job ' +
        '(pull requests from forks never get one).';
}
