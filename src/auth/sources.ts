// Which Alibaba Cloud credentials a run uses: pure, the settings and the environment in, a source
// or a message out. The chain: key inputs, then OIDC inputs, then the environment.
import type { CredentialInputs as Inputs } from '../settings.js';
import { checkServiceUrl, isRegionId } from '../ververica/endpoint.js';
import type { Credentials } from '../ververica/signer.js';
import type { Result } from '../runtime/result.js';

export const ENV_ACCESS_KEY_ID = 'ALIBABA_CLOUD_ACCESS_KEY_ID';
export const ENV_ACCESS_KEY_SECRET = 'ALIBABA_CLOUD_ACCESS_KEY_SECRET';
export const ENV_SECURITY_TOKEN = 'ALIBABA_CLOUD_SECURITY_TOKEN';

export const NO_CREDENTIALS_MESSAGE =
  'No Alibaba Cloud credentials. Provide one of: role-arn with oidc-provider-arn (keyless GitHub ' +
  'OIDC; the job needs `permissions: id-token: write`); access-key-id with access-key-secret ' +
  `(and security-token for STS keys); or the ${ENV_ACCESS_KEY_ID} and ${ENV_ACCESS_KEY_SECRET} ` +
  'environment variables.';

/** The settings' credential inputs (parsed: defaults applied, ranges checked) and the region. */
export type CredentialInputs = Inputs & {
  /** Picks the regional STS endpoint when sts-endpoint is empty. */
  region?: string;
};

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

/** The source chosen, or a message that names the inputs to fix. */
export type CredentialChoice = Result<CredentialSource, string>;

const ROLE_ARN = /^acs:ram::[^:\s]+:role\/\S+$/i;
const OIDC_PROVIDER_ARN = /^acs:ram::[^:\s]+:oidc-provider\/\S+$/i;

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
  return { ok: true, value: { kind: 'none' } };
}

function isSet(value: string | undefined): boolean {
  return (value ?? '').trim() !== '';
}

/** Names of the inputs that are set, in the order given. */
function named(values: Record<string, string>): string[] {
  return Object.keys(values).filter((name) => isSet(values[name]));
}

function fail(message: string): CredentialChoice {
  return { ok: false, error: message };
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
  return { ok: true, value: { kind: 'keys', origin, credentials } };
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
  const endpoint = stsEndpoint(inputs.stsEndpoint.trim(), (inputs.region ?? '').trim());
  if (!endpoint.ok) return fail(endpoint.error);
  return {
    ok: true,
    value: {
      kind: 'oidc',
      roleArn,
      oidcProviderArn: providerArn,
      roleSessionName: inputs.roleSessionName,
      durationSeconds: inputs.roleDurationSeconds,
      audience: inputs.audience,
      stsEndpoint: endpoint.value,
    },
  };
}

/** Echoes an ARN-shaped value to help spot a typo; anything else may be a secret in the wrong input. */
function shown(value: string): string {
  return /^acs:/i.test(value) ? ` "${value}"` : '';
}

function stsEndpoint(raw: string, region: string): Result<URL, string> {
  if (raw) return checkServiceUrl(raw, 'sts-endpoint');
  if (!region) return { ok: true, value: new URL('https://sts.aliyuncs.com') };
  if (!isRegionId(region)) {
    return { ok: false, error: `region "${region}" is not a region ID such as cn-hangzhou.` };
  }
  return { ok: true, value: new URL(`https://sts.${region}.aliyuncs.com`) };
}
