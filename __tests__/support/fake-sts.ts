// A fake of Alibaba Cloud STS AssumeRoleWithOIDC, on 127.0.0.1, for tests, the demo and benchmarks.
// It records every request's parameters, rejects any request that carries signing material (the
// real call is anonymous), and can be told which error to answer with and which Expiration to issue.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

export interface StsCall {
  method: string;
  /** Parameters from the query string. */
  query: Record<string, string>;
  /** Parameters from the form body. */
  form: Record<string, string>;
  /** Query and form together, as STS reads them. */
  params: Record<string, string>;
  contentType: string | undefined;
  /** Present when the request carried an Authorization header (it must not). */
  authorization: string | undefined;
  userAgent: string | undefined;
}

export interface IssuedCredentials {
  AccessKeyId: string;
  AccessKeySecret: string;
  SecurityToken: string;
  Expiration: string;
}

/** An error answer, a raw answer, or a dropped connection. */
export type StsFault =
  | {
      status: number;
      code: string;
      message?: string;
      recommend?: string;
      echoToken?: boolean;
      /** Extra response headers, such as a `Retry-After`. */
      headers?: Record<string, string>;
    }
  | { status: number; body: string }
  | 'disconnect';

export interface FakeStsOptions {
  /** Expiration of the credentials issued for a call; default: now + DurationSeconds. */
  expiration?: (call: StsCall) => Date | string;
  /** Told of each credential set before it is sent, so that a fake API can accept it in time. */
  onIssue?: (credentials: IssuedCredentials) => void;
}

export interface FakeSts {
  readonly url: URL;
  readonly calls: StsCall[];
  readonly issued: IssuedCredentials[];
  /** Problems found in requests that were not shaped like an anonymous AssumeRoleWithOIDC call. */
  readonly violations: string[];
  /** Answers the next requests with these failures, one each, in order. */
  failNext(...failures: StsFault[]): void;
  /** Answers every request with this failure until cleared with `undefined`. */
  failAlways(failure: StsFault | undefined): void;
  setExpiration(expiration: FakeStsOptions['expiration']): void;
  close(): Promise<void>;
}

const SIGNING_PARAMS = [
  'Signature',
  'SignatureMethod',
  'SignatureVersion',
  'AccessKeyId',
  'SecurityToken',
];
/** Where each parameter travels in the official clients: the common ones in the query string. */
const QUERY_PARAMS = ['Action', 'Version', 'Format', 'Timestamp', 'SignatureNonce'];
/** The role and the token in the form body, so that no URL carries the token. */
const BODY_PARAMS = ['RoleArn', 'OIDCProviderArn', 'OIDCToken', 'RoleSessionName'];
const OPTIONAL_BODY_PARAMS = ['DurationSeconds', 'Policy'];

export async function startFakeSts(options: FakeStsOptions = {}): Promise<FakeSts> {
  const calls: StsCall[] = [];
  const issued: IssuedCredentials[] = [];
  const violations: string[] = [];
  const queue: StsFault[] = [];
  let always: StsFault | undefined;
  let expiration = options.expiration;

  function reply(
    res: ServerResponse,
    status: number,
    body: string,
    headers: Record<string, string> = {},
  ): void {
    res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', ...headers });
    res.end(body);
  }

  function fail(res: ServerResponse, failure: StsFault, call: StsCall, requestId: string): void {
    if (failure === 'disconnect') {
      res.socket?.destroy();
      return;
    }
    if ('body' in failure) return reply(res, failure.status, failure.body);
    const message =
      (failure.message ?? `fake ${failure.code}`) +
      (failure.echoToken ? ` for token ${call.params.OIDCToken ?? ''}` : '');
    const body = {
      RequestId: requestId,
      HostId: 'sts.aliyuncs.com',
      Code: failure.code,
      Message: message,
      Recommend: failure.recommend ?? `https://api.aliyun.com/troubleshoot?q=${failure.code}`,
    };
    reply(res, failure.status, JSON.stringify(body), failure.headers);
  }

  function problems(call: StsCall): string[] {
    const found: string[] = [];
    if (call.method !== 'POST') found.push(`method ${call.method}`);
    if (call.authorization !== undefined) found.push('Authorization header');
    for (const name of SIGNING_PARAMS) if (name in call.params) found.push(`parameter ${name}`);
    for (const name of QUERY_PARAMS) {
      if (!call.query[name]) found.push(`missing ${name} in the query`);
      if (name in call.form) found.push(`${name} in the body`);
    }
    for (const name of [...BODY_PARAMS, ...OPTIONAL_BODY_PARAMS]) {
      if (name in call.query) found.push(`${name} in the query`);
    }
    for (const name of BODY_PARAMS) if (!call.form[name]) found.push(`missing ${name} in the body`);
    if (call.params.Action !== 'AssumeRoleWithOIDC') found.push(`Action ${call.params.Action}`);
    if (call.params.Version !== '2015-04-01') found.push(`Version ${call.params.Version}`);
    return found;
  }

  function issue(call: StsCall, n: number): IssuedCredentials {
    const duration = Number(call.params.DurationSeconds ?? '3600');
    const chosen = expiration?.(call) ?? new Date(Date.now() + duration * 1000);
    const credentials = {
      AccessKeyId: `STS.fake-key-${n}-${randomBytes(4).toString('hex')}`,
      AccessKeySecret: `fake-secret-${n}-${randomBytes(12).toString('hex')}`,
      SecurityToken: `fake-security-token-${n}-${randomBytes(24).toString('base64url')}`,
      Expiration:
        typeof chosen === 'string' ? chosen : chosen.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
    issued.push(credentials);
    options.onIssue?.(credentials);
    return credentials;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const contentType = req.headers['content-type'];
    const body = Buffer.concat(chunks).toString('utf8');
    const query = Object.fromEntries(url.searchParams);
    const form = contentType?.startsWith('application/x-www-form-urlencoded')
      ? Object.fromEntries(new URLSearchParams(body))
      : {};
    const call: StsCall = {
      method: req.method ?? '',
      query,
      form,
      params: { ...query, ...form },
      contentType,
      authorization: req.headers.authorization,
      userAgent: req.headers['user-agent'],
    };
    calls.push(call);
    const n = calls.length;
    const requestId = `fake-sts-request-${n}`;

    const found = problems(call);
    if (found.length > 0) {
      violations.push(...found);
      const message = `fake STS rejected the request: ${found.join(', ')}`;
      return fail(res, { status: 400, code: 'InvalidParameter', message }, call, requestId);
    }
    const failure = queue.shift() ?? always;
    if (failure) return fail(res, failure, call, requestId);

    const credentials = issue(call, n);
    const roleName = (call.params.RoleArn ?? '').split('/').pop() ?? '';
    reply(
      res,
      200,
      JSON.stringify({
        RequestId: requestId,
        Credentials: credentials,
        AssumedRoleUser: {
          AssumedRoleId: `3000${n}:${call.params.RoleSessionName}`,
          Arn: `${call.params.RoleArn}/${call.params.RoleSessionName}`.replace(
            `role/${roleName}`,
            `assumed-role/${roleName}`,
          ),
        },
        OIDCTokenInfo: { Subject: 'fake', Issuer: 'https://token.actions.githubusercontent.com' },
      }),
    );
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.socket?.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: new URL(`http://127.0.0.1:${port}`),
    calls,
    issued,
    violations,
    failNext: (...failures) => void queue.push(...failures),
    failAlways: (failure) => void (always = failure),
    setExpiration: (next) => void (expiration = next),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
