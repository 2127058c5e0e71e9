// The checks the API gateway makes before a call reaches the Ververica service, in the order it makes
// them. Each rejection is a value carrying the gateway's status and Code.
import { createHash } from 'node:crypto';
import {
  hexSha256,
  parseAcsDate,
  parseAuthorization,
  serverCanonicalRequest,
  serverStringToSign,
  signatureMatches,
  type WireRequest,
} from './fake-signature.js';

export interface FakeCredential {
  accessKeyId: string;
  accessKeySecret: string;
  /** When set, calls must carry this exact `x-acs-security-token`. */
  securityToken?: string;
  /** Epoch ms after which the security token counts as expired. */
  securityTokenExpiresAt?: number;
  /**
   * Who the key acts for, as a draft's edit lock names its holder. Keys with the same principal
   * (an STS role's successive keys, say) hold the same locks. Default: one of the key's own.
   */
  principal?: Principal;
}

export interface Principal {
  id: string;
  name: string;
}

/** The principal a key acts for: its own, or one derived from its ID. */
export function principalOf(credential: { accessKeyId: string; principal?: Principal }): Principal {
  if (credential.principal) return credential.principal;
  // Like a real account's: a number and a user name, neither of which holds the key ID.
  const n = createHash('sha256').update(credential.accessKeyId).digest().readUInt32BE(0);
  return { id: `20${String(n).padStart(10, '0')}`, name: `ram-user-${n.toString(36)}` };
}

export interface GatewayRejection {
  status: number;
  code: string;
  message: string;
}

export type GatewayVerdict =
  { ok: true; credential: FakeCredential } | { ok: false; rejection: GatewayRejection };

export interface GatewayState {
  credentials: ReadonlyMap<string, FakeCredential>;
  usedNonces: Set<string>;
  now: () => number;
  maxSkewMs: number;
}

export const API_VERSION = '2022-07-18';

const REQUIRED_HEADERS = [
  'host',
  'x-acs-action',
  'x-acs-version',
  'x-acs-date',
  'x-acs-signature-nonce',
  'x-acs-content-sha256',
];
const SIGNED_WHEN_SENT = ['content-type', 'x-acs-security-token', 'x-acs-accesskey-id'];

function reject(status: number, code: string, message: string): GatewayVerdict {
  return { ok: false, rejection: { status, code, message } };
}

function first(request: WireRequest, name: string): string | undefined {
  return request.headers.get(name)?.[0];
}

function mustBeSigned(request: WireRequest): string[] {
  return [...REQUIRED_HEADERS, ...SIGNED_WHEN_SENT.filter((name) => request.headers.has(name))];
}

/** Authenticates the call and checks the common parameters; consumes the nonce on success. */
export function admit(request: WireRequest, state: GatewayState): GatewayVerdict {
  const auth = parseAuthorization(first(request, 'authorization'));
  if (!auth) {
    return reject(400, 'IncompleteSignature', 'The Authorization header is missing or malformed.');
  }
  const missing = REQUIRED_HEADERS.find((name) => !first(request, name));
  if (missing) return reject(400, 'MissingParameter', `The required header ${missing} is missing.`);
  const credential = state.credentials.get(auth.accessKeyId);
  if (!credential) {
    return reject(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
  }

  const unsigned = mustBeSigned(request).filter((name) => !auth.signedHeaders.includes(name));
  if (unsigned.length > 0) {
    return reject(
      400,
      'IncompleteSignature',
      `The request signature does not cover the header(s): ${unsigned.join(', ')}.`,
    );
  }

  const signedAt = parseAcsDate(first(request, 'x-acs-date'));
  if (signedAt === undefined) {
    return reject(400, 'InvalidParameter', 'x-acs-date must be YYYY-MM-DDTHH:mm:ssZ.');
  }
  if (Math.abs(state.now() - signedAt) > state.maxSkewMs) {
    return reject(400, 'RequestTimeTooSkewed', 'The x-acs-date is too far from the server time.');
  }

  const stringToSign = serverStringToSign(serverCanonicalRequest(request, auth.signedHeaders));
  if (!signatureMatches(credential.accessKeySecret, stringToSign, auth.signature)) {
    // Like the real gateway, show the server's string to sign: it holds only a hash, no secret.
    return reject(
      400,
      'SignatureDoesNotMatch',
      `Specified signature does not match our calculation. Server string to sign is: ${stringToSign}`,
    );
  }

  const nonce = first(request, 'x-acs-signature-nonce') ?? '';
  if (state.usedNonces.has(nonce)) {
    return reject(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
  }
  state.usedNonces.add(nonce);

  if (hexSha256(request.body) !== first(request, 'x-acs-content-sha256')) {
    return reject(400, 'ContentSha256Mismatch', 'x-acs-content-sha256 does not match the body.');
  }

  const token = first(request, 'x-acs-security-token');
  const tokenProblem = securityTokenProblem(token, credential, state.now());
  if (tokenProblem) return { ok: false, rejection: tokenProblem };
  const keyIdProblem = accessKeyIdProblem(request, auth, token);
  if (keyIdProblem) return { ok: false, rejection: keyIdProblem };

  // Checked only once the signature holds, so a tampered version reads as a tampered request.
  if (first(request, 'x-acs-version') !== API_VERSION) {
    return reject(400, 'InvalidVersion', 'Specified API version is not supported.');
  }
  return { ok: true, credential };
}

/**
 * The official runtime sends an STS key's ID as a signed `x-acs-accesskey-id` beside its token; the
 * fake insists on it, so a client that leaves it out is caught here rather than by the real gateway.
 */
function accessKeyIdProblem(
  request: WireRequest,
  auth: { accessKeyId: string },
  token: string | undefined,
): GatewayRejection | undefined {
  const sent = first(request, 'x-acs-accesskey-id');
  if (token === undefined && sent === undefined) return undefined;
  if (sent === undefined) {
    return {
      status: 400,
      code: 'MissingParameter',
      message: 'The header x-acs-accesskey-id is required with x-acs-security-token.',
    };
  }
  if (sent !== auth.accessKeyId) {
    return {
      status: 400,
      code: 'InvalidParameter',
      message: 'x-acs-accesskey-id does not match the Credential of the Authorization header.',
    };
  }
  return undefined;
}

function securityTokenProblem(
  token: string | undefined,
  credential: FakeCredential,
  now: number,
): GatewayRejection | undefined {
  if (token !== credential.securityToken) {
    return {
      status: 400,
      code: 'InvalidSecurityToken.Mismatch',
      message: 'Specified security token does not match the access key.',
    };
  }
  if (credential.securityTokenExpiresAt !== undefined && now >= credential.securityTokenExpiresAt) {
    return {
      status: 400,
      code: 'InvalidSecurityToken.Expired',
      message: 'Specified security token has expired.',
    };
  }
  return undefined;
}

/** The workspace is not signed, but every Ververica operation needs it. */
export function checkWorkspace(request: WireRequest): GatewayRejection | undefined {
  if (first(request, 'workspace')) return undefined;
  return {
    status: 400,
    code: 'MissingParameter',
    message: 'The required header workspace is missing.',
  };
}
