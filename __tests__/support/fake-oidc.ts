// A fake of the GitHub Actions OIDC token endpoint, on 127.0.0.1, for tests, the demo and benchmarks.
// Point ACTIONS_ID_TOKEN_REQUEST_URL / ACTIONS_ID_TOKEN_REQUEST_TOKEN at it (see `env()`) and
// `core.getIDToken()` from @actions/core talks to it exactly as it does on a runner.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

export interface OidcCall {
  audience: string | undefined;
  authorized: boolean;
}

export interface FakeOidcOptions {
  /** The bearer token the runner hands to the job; requests without it get 401. */
  requestToken?: string;
  /** `sub` claim of issued tokens. */
  subject?: string;
}

export interface FakeOidc {
  /** Value for ACTIONS_ID_TOKEN_REQUEST_URL; it already has a query, as on a runner. */
  readonly requestUrl: string;
  readonly requestToken: string;
  readonly calls: OidcCall[];
  /** Every token issued, in order. */
  readonly issued: string[];
  /** Answers the next requests with this HTTP status instead of a token. */
  failNext(status: number, times?: number): void;
  env(): { ACTIONS_ID_TOKEN_REQUEST_URL: string; ACTIONS_ID_TOKEN_REQUEST_TOKEN: string };
  close(): Promise<void>;
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export async function startFakeOidc(options: FakeOidcOptions = {}): Promise<FakeOidc> {
  const requestToken =
    options.requestToken ?? `runner-request-token-${randomBytes(8).toString('hex')}`;
  const subject = options.subject ?? 'repo:acme/flink-jobs:ref:refs/heads/main';
  const calls: OidcCall[] = [];
  const issued: string[] = [];
  const failures: number[] = [];

  // Shaped like a GitHub ID token: header.claims.signature, each base64url. The signature is noise.
  function issue(audience: string | undefined): string {
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: 'https://token.actions.githubusercontent.com',
      sub: subject,
      aud: audience ?? 'https://github.com/acme',
      jti: `${issued.length + 1}-${randomBytes(6).toString('hex')}`,
      iat: now,
      exp: now + 300,
    };
    const token = [
      base64url({ alg: 'RS256', typ: 'JWT' }),
      base64url(claims),
      randomBytes(32).toString('base64url'),
    ].join('.');
    issued.push(token);
    return token;
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const authorized = req.headers.authorization === `Bearer ${requestToken}`;
    const audience = url.searchParams.get('audience') ?? undefined;
    calls.push({ audience, authorized });
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET' || url.pathname !== '/idtoken')
      return reply(404, { message: 'Not Found' });
    if (!authorized) return reply(401, { message: 'Bad credentials' });
    const status = failures.shift();
    if (status !== undefined) return reply(status, { message: `fake failure ${status}` });
    reply(200, { value: issue(audience) });
  }

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const requestUrl = `http://127.0.0.1:${port}/idtoken?api-version=2.0`;

  return {
    requestUrl,
    requestToken,
    calls,
    issued,
    failNext(status, times = 1) {
      for (let i = 0; i < times; i++) failures.push(status);
    },
    env: () => ({
      ACTIONS_ID_TOKEN_REQUEST_URL: requestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken,
    }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
