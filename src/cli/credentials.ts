// The CLI's credential chain, as Alibaba Cloud's own tools order it: the key variables, then OIDC
// from a token file, then a profile of the Alibaba Cloud CLI (`~/.aliyun/config.json`). What it
// finds is handed to the same chain the Action uses, as the inputs it stands for. Pure: the
// environment and the config file's text come in.
import type { InputName } from '../settings.js';
import { err, ok, type Result } from '../runtime/result.js';

export const ENV = {
  accessKeyId: 'ALIBABA_CLOUD_ACCESS_KEY_ID',
  accessKeySecret: 'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  roleArn: 'ALIBABA_CLOUD_ROLE_ARN',
  oidcProviderArn: 'ALIBABA_CLOUD_OIDC_PROVIDER_ARN',
  oidcTokenFile: 'ALIBABA_CLOUD_OIDC_TOKEN_FILE',
  roleSessionName: 'ALIBABA_CLOUD_ROLE_SESSION_NAME',
  stsRegion: 'ALIBABA_CLOUD_STS_REGION',
  vpcEndpoint: 'ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED',
  profile: 'ALIBABA_CLOUD_PROFILE',
  configFile: 'ALIBABA_CLOUD_CONFIG_FILE',
} as const;

type Env = Record<string, string | undefined>;

export interface Profile {
  name: string;
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
  region?: string;
}

const set = (value: string | undefined): value is string =>
  value !== undefined && value.trim() !== '';

/**
 * A profile of the Alibaba Cloud CLI's config file: the one named, else `current`. Modes AK and
 * StsToken are read; any other mode is refused by name, since this tool cannot act it out.
 */
export function readProfile(
  text: string,
  wanted: string | undefined,
  file: string,
): Result<Profile, string> {
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    return err(`${file} is not JSON (${(error as Error).message})`);
  }
  const root = (typeof config === 'object' && config !== null ? config : {}) as Record<
    string,
    unknown
  >;
  const profiles = Array.isArray(root.profiles) ? (root.profiles as Record<string, unknown>[]) : [];
  const name =
    wanted ?? (typeof root.current === 'string' && root.current ? root.current : 'default');
  const profile = profiles.find((p) => p && p.name === name);
  if (!profile) {
    const names = profiles.map((p) => String(p?.name)).join(', ') || 'none';
    return err(`${file} has no profile ${JSON.stringify(name)} (it has: ${names})`);
  }
  const mode = String(profile.mode ?? 'AK');
  if (mode !== 'AK' && mode !== 'StsToken') {
    return err(
      `profile ${JSON.stringify(name)} in ${file} is mode ${mode}; only AK and StsToken profiles are read. ` +
        `Use ${ENV.accessKeyId} / ${ENV.accessKeySecret}, or OIDC with ${ENV.oidcTokenFile}`,
    );
  }
  const accessKeyId = String(profile.access_key_id ?? '');
  const accessKeySecret = String(profile.access_key_secret ?? '');
  if (!accessKeyId || !accessKeySecret) {
    return err(
      `profile ${JSON.stringify(name)} in ${file} has no access_key_id or access_key_secret`,
    );
  }
  const result: Profile = { name, accessKeyId, accessKeySecret };
  if (mode === 'StsToken') {
    const token = String(profile.sts_token ?? '');
    if (!token)
      return err(
        `profile ${JSON.stringify(name)} in ${file} is mode StsToken but has no sts_token`,
      );
    result.securityToken = token;
  }
  if (typeof profile.region_id === 'string' && profile.region_id) result.region = profile.region_id;
  return ok(result);
}

export type Chosen =
  /** The key variables: the shared chain reads them from the environment itself. */
  | { kind: 'env-keys' }
  | { kind: 'oidc'; tokenFile: string }
  | { kind: 'profile' }
  | { kind: 'none' };

/** Which link of the chain applies, and the inputs it stands for. */
export function chooseCliCredentials(
  env: Env,
  flags: Partial<Record<InputName, string>>,
  profile: Profile | undefined,
): { chosen: Chosen; inputs: Partial<Record<InputName, string>> } {
  const inputs: Partial<Record<InputName, string>> = {};
  const stsRegion = env[ENV.stsRegion]?.trim();
  if (stsRegion && flags['sts-endpoint'] === undefined) {
    const vpc = /^(true|1)$/i.test(env[ENV.vpcEndpoint]?.trim() ?? '');
    inputs['sts-endpoint'] = `https://${vpc ? 'sts-vpc' : 'sts'}.${stsRegion}.aliyuncs.com`;
  }
  if (set(env[ENV.accessKeyId]) || set(env[ENV.accessKeySecret])) {
    return { chosen: { kind: 'env-keys' }, inputs };
  }
  const roleArn = flags['role-arn'] ?? env[ENV.roleArn];
  const providerArn = flags['oidc-provider-arn'] ?? env[ENV.oidcProviderArn];
  const tokenFile = env[ENV.oidcTokenFile];
  if (set(roleArn) || set(providerArn) || set(tokenFile)) {
    inputs['role-arn'] = roleArn ?? '';
    inputs['oidc-provider-arn'] = providerArn ?? '';
    const session = flags['role-session-name'] ?? env[ENV.roleSessionName];
    if (set(session)) inputs['role-session-name'] = session;
    return { chosen: { kind: 'oidc', tokenFile: tokenFile ?? '' }, inputs };
  }
  if (profile) {
    inputs['access-key-id'] = profile.accessKeyId;
    inputs['access-key-secret'] = profile.accessKeySecret;
    if (profile.securityToken) inputs['security-token'] = profile.securityToken;
    if (profile.region && flags.region === undefined) inputs.region = profile.region;
    return { chosen: { kind: 'profile' }, inputs };
  }
  return { chosen: { kind: 'none' }, inputs };
}

/** The token a token file holds: a trailing newline (as `echo` writes it) is not part of it. */
export function tokenFromFile(text: string): string {
  return text.replace(/\s+$/, '');
}
