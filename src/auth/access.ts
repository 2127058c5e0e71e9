// Whether a run reaches the API, and with which credentials. Fetched once up front so that a broken
// OIDC or STS setup fails with one clear message instead of once per draft. Plan mode goes on
// without credentials: a pull request from a fork gets none.
import { Code } from '../codes.js';
import { errorMessage } from '../runtime/error-message.js';
import type { Log } from '../runtime/log.js';
import type { RetryContext } from '../runtime/retry.js';
import { redact } from '../runtime/redact.js';
import { RunError } from '../runtime/run-error.js';
import type { Settings } from '../settings.js';
import { createCredentialProvider, type CredentialProvider } from './provider.js';
import { chooseCredentialSource } from './sources.js';
import { createStsClient } from './sts.js';

/** What the shell gives the credential chain: an OIDC token, the log's masking, the environment. */
export interface AuthEdges {
  /** An OIDC token for `audience` (the Action: GitHub's token; the CLI: a token file). */
  idToken(audience: string): Promise<string>;
  /** Masks a secret in the log from here on. */
  setSecret(value: string): void;
  /** The environment: the key variables of the chain, and where the runner offers a token. */
  env: Record<string, string | undefined>;
  /** Why no OIDC token can be had, before asking; default: GitHub's token variable is read. */
  idTokenUnavailable?: () => string | undefined;
  /** What to check when the token cannot be had (the CLI: the token file). */
  idTokenHint?: string;
  /** What to say when apply mode finds no credentials; default: the Action's inputs. */
  noCredentials?: string;
  /** Set when the shell wants no API call at all (the CLI's `check`): the reason, for the summary. */
  offline?: string;
}

export interface Access {
  /** Undefined: the run checks the local files only. */
  provider?: CredentialProvider;
  /** Why the remote part is skipped, for the summary. */
  notice?: string;
}

const NO_CREDENTIALS =
  `${Code.NoCredentials}: no Alibaba Cloud credentials. Set access-key-id and access-key-secret, ` +
  'or role-arn and oidc-provider-arn (keyless, needs permissions id-token: write), ' +
  'or the ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET env vars';

function credentialProvider(
  settings: Settings,
  edges: AuthEdges,
  retry: RetryContext,
): CredentialProvider | undefined {
  const chosen = chooseCredentialSource(
    { ...settings.credentials, region: settings.region },
    edges.env,
  );
  if (!chosen.ok) throw new RunError(chosen.error);
  if (chosen.value.kind === 'none') return undefined;
  return createCredentialProvider(chosen.value, {
    getIdToken: (audience) => edges.idToken(audience),
    idTokenUnavailable: edges.idTokenUnavailable,
    idTokenHint: edges.idTokenHint,
    setSecret: (value) => edges.setSecret(value),
    now: () => retry.clock.now(),
    sts: createStsClient({ retry, requestTimeoutMs: settings.requestTimeoutMs }),
    env: edges.env,
  });
}

/**
 * The credentials for a run that has `needed` drafts to read or write. Apply mode stops on any
 * problem; plan mode says why it goes on without the API.
 */
export async function remoteAccess(
  settings: Settings,
  needed: boolean,
  edges: AuthEdges,
  retry: RetryContext,
  log: Log,
): Promise<Access> {
  const skip = (why: string): Access => {
    const notice = `Remote comparison skipped: ${why.replace(/\.+$/, '')}. The manifest and the files were checked locally.`;
    log.notice(notice);
    return { notice };
  };
  if (edges.offline !== undefined) return skip(edges.offline);
  let provider: CredentialProvider | undefined;
  try {
    provider = credentialProvider(settings, edges, retry);
  } catch (error) {
    // A fork's workflow gets secrets as empty strings but variables as set, so a key ID without
    // its secret is what a fork pull request looks like: plan mode says why and goes on.
    if (settings.mode === 'apply' || !(error instanceof RunError)) throw error;
    return skip(error.message);
  }
  if (!provider) {
    if (settings.mode === 'apply' && needed) {
      throw new RunError(edges.noCredentials ?? NO_CREDENTIALS);
    }
    return skip(
      'no credentials are available (secrets are not passed to pull requests from forks)',
    );
  }
  if (!needed) return { provider };
  try {
    await provider.get();
    return { provider };
  } catch (error) {
    const message = redact(errorMessage(error), provider.secrets());
    if (settings.mode === 'apply') throw new RunError(message);
    return skip(message);
  }
}
