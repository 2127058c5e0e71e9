// A small in-memory GitHub REST API on 127.0.0.1, just enough for pull request comments.
// Node's `http` only, so tests, the demo and the benchmarks can all start it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakePullRequest {
  number: number;
  state: 'open' | 'closed';
  /** ISO time, or null when the pull request was not merged. */
  mergedAt: string | null;
  headSha: string;
  mergeCommitSha?: string;
  /** Further commits that belong to the pull request. */
  commits?: string[];
  title?: string;
}

export interface FakeComment {
  id: number;
  issueNumber: number;
  body: string;
  login: string;
  createdAt: string;
  updatedAt: string;
}

/** Named routes, so a fault can target one of them. */
export type FakeRoute = 'commit-pulls' | 'list-comments' | 'create-comment' | 'update-comment';

export interface FakeFault {
  status: number;
  /** Defaults to GitHub's own message for the status. */
  message?: string;
  /** Puts the received Authorization header into the message, to prove that callers scrub it. */
  echoAuthorization?: boolean;
  /** Never answers (until `stop()`). */
  hang?: boolean;
}

export interface RecordedGithubCall {
  method: string;
  path: string;
  query: Record<string, string>;
  route?: FakeRoute;
  /** The scheme of the Authorization header ('token' or 'Bearer'); the credential is never kept. */
  authScheme?: string;
  status: number;
}

export interface FakeGitHubOptions {
  /** The only token the fake accepts. Default 'ghs_fake-token'. */
  token?: string;
  /** The login that owns comments created through the API. Default 'github-actions[bot]'. */
  botLogin?: string;
  /** The only repository the fake serves. Default acme/flink-jobs. */
  owner?: string;
  repo?: string;
}

/** GitHub's limit on a comment body, counted in characters. */
export const FAKE_COMMENT_BODY_LIMIT = 65536;

const DEFAULT_MESSAGES: Record<number, string> = {
  401: 'Bad credentials',
  403: 'Resource not accessible by integration',
  404: 'Not Found',
  422: 'Validation Failed',
  500: 'Server Error',
};

interface Matched {
  route: FakeRoute;
  owner: string;
  repo: string;
  id: string;
}

const ROUTES: { method: string; pattern: RegExp; route: FakeRoute }[] = [
  {
    method: 'GET',
    pattern: /^\/repos\/([^/]+)\/([^/]+)\/commits\/([^/]+)\/pulls$/,
    route: 'commit-pulls',
  },
  {
    method: 'GET',
    pattern: /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/,
    route: 'list-comments',
  },
  {
    method: 'POST',
    pattern: /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/,
    route: 'create-comment',
  },
  {
    method: 'PATCH',
    pattern: /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/,
    route: 'update-comment',
  },
];

export class FakeGitHub {
  readonly calls: RecordedGithubCall[] = [];
  private readonly pulls = new Map<number, FakePullRequest>();
  private readonly store: FakeComment[] = [];
  private readonly faults = new Map<FakeRoute, FakeFault>();
  private readonly hung = new Set<ServerResponse>();
  private nextCommentId = 1000;
  private clock = Date.parse('2024-05-01T12:00:00Z');

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly token: string,
    private readonly botLogin: string,
    readonly owner: string,
    readonly repo: string,
  ) {}

  static async start(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const { port } = server.address() as AddressInfo;
    const fake = new FakeGitHub(
      server,
      `http://127.0.0.1:${port}`,
      options.token ?? 'ghs_fake-token',
      options.botLogin ?? 'github-actions[bot]',
      options.owner ?? 'acme',
      options.repo ?? 'flink-jobs',
    );
    server.on('request', (req, res) => void fake.handle(req, res));
    return fake;
  }

  addPullRequest(pr: FakePullRequest): void {
    this.pulls.set(pr.number, structuredClone(pr));
  }

  /** Adds a comment as if someone had posted it earlier; returns a copy. */
  seedComment(issueNumber: number, body: string, login = 'octocat'): FakeComment {
    return { ...this.insertComment(issueNumber, body, login) };
  }

  /** Copies of the comments on one pull request, oldest first. */
  comments(issueNumber: number): FakeComment[] {
    return this.store.filter((c) => c.issueNumber === issueNumber).map((c) => ({ ...c }));
  }

  /** Every call to `route` answers with the fault until `clearFaults()`. */
  fail(route: FakeRoute, fault: FakeFault): void {
    this.faults.set(route, fault);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Forgets calls and faults; keeps pull requests and comments. */
  reset(): void {
    this.calls.length = 0;
    this.faults.clear();
  }

  async stop(): Promise<void> {
    for (const res of this.hung) res.destroy();
    this.hung.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    const call: RecordedGithubCall = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: 0,
    };
    this.calls.push(call);
    const reply = (status: number, data: unknown, headers: Record<string, string> = {}): void => {
      call.status = status;
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'x-github-request-id': `FAKE:${this.calls.length}`,
        ...headers,
      });
      res.end(JSON.stringify(data));
    };
    const error = (status: number, message = DEFAULT_MESSAGES[status] ?? 'Error'): void =>
      reply(status, {
        message,
        documentation_url: 'https://docs.github.com/rest',
        status: String(status),
      });

    const authorization = req.headers.authorization ?? '';
    const [scheme, credential] = authorization.split(' ');
    call.authScheme = scheme || undefined;
    if ((scheme !== 'token' && scheme !== 'Bearer') || credential !== this.token) {
      return error(401);
    }

    const matched = matchRoute(method, url.pathname);
    if (!matched) return error(404);
    call.route = matched.route;
    if (matched.owner !== this.owner || matched.repo !== this.repo) return error(404);

    const fault = this.faults.get(matched.route);
    if (fault?.hang) {
      this.hung.add(res);
      return;
    }
    if (fault) {
      const message = fault.message ?? DEFAULT_MESSAGES[fault.status] ?? 'Error';
      return error(
        fault.status,
        fault.echoAuthorization ? `${message} (${authorization})` : message,
      );
    }

    switch (matched.route) {
      case 'commit-pulls':
        return reply(200, this.pullsForCommit(matched.id));
      case 'list-comments': {
        const issue = Number(matched.id);
        if (!this.pulls.has(issue)) return error(404);
        const perPage = clamp(Number(url.searchParams.get('per_page') ?? 30), 1, 100);
        const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
        const all = this.store.filter((c) => c.issueNumber === issue);
        const lastPage = Math.max(1, Math.ceil(all.length / perPage));
        const slice = all.slice((page - 1) * perPage, page * perPage);
        const link = this.linkHeader(url, page, lastPage, perPage);
        return reply(
          200,
          slice.map((c) => this.toJson(c)),
          link ? { link } : {},
        );
      }
      case 'create-comment': {
        const issue = Number(matched.id);
        if (!this.pulls.has(issue)) return error(404);
        const text = parseCommentBody(body);
        if (typeof text !== 'string') return error(422, text.message);
        const comment = this.insertComment(issue, text, this.botLogin);
        const json = this.toJson(comment);
        return reply(201, json, { location: json.url });
      }
      case 'update-comment': {
        const comment = this.store.find((c) => c.id === Number(matched.id));
        if (!comment) return error(404);
        const text = parseCommentBody(body);
        if (typeof text !== 'string') return error(422, text.message);
        comment.body = text;
        comment.updatedAt = this.tick();
        return reply(200, this.toJson(comment));
      }
    }
  }

  private pullsForCommit(sha: string): unknown[] {
    return [...this.pulls.values()]
      .filter((pr) => pr.headSha === sha || pr.mergeCommitSha === sha || pr.commits?.includes(sha))
      .map((pr) => ({
        number: pr.number,
        state: pr.state,
        title: pr.title ?? `Pull request ${pr.number}`,
        merged_at: pr.mergedAt,
        merge_commit_sha: pr.mergeCommitSha ?? null,
        head: { sha: pr.headSha },
        html_url: `https://github.com/${this.owner}/${this.repo}/pull/${pr.number}`,
      }));
  }

  private insertComment(issueNumber: number, body: string, login: string): FakeComment {
    const at = this.tick();
    const comment = {
      id: this.nextCommentId++,
      issueNumber,
      body,
      login,
      createdAt: at,
      updatedAt: at,
    };
    this.store.push(comment);
    return comment;
  }

  private toJson(c: FakeComment): { url: string } & Record<string, unknown> {
    return {
      id: c.id,
      url: `${this.url}/repos/${this.owner}/${this.repo}/issues/comments/${c.id}`,
      html_url: `https://github.com/${this.owner}/${this.repo}/pull/${c.issueNumber}#issuecomment-${c.id}`,
      issue_url: `${this.url}/repos/${this.owner}/${this.repo}/issues/${c.issueNumber}`,
      body: c.body,
      user: { login: c.login, type: c.login.endsWith('[bot]') ? 'Bot' : 'User' },
      created_at: c.createdAt,
      updated_at: c.updatedAt,
    };
  }

  private linkHeader(
    url: URL,
    page: number,
    lastPage: number,
    perPage: number,
  ): string | undefined {
    const at = (p: number): string => {
      const next = new URL(url.pathname, this.url);
      next.searchParams.set('per_page', String(perPage));
      next.searchParams.set('page', String(p));
      return next.toString();
    };
    const links: string[] = [];
    if (page > 1) links.push(`<${at(page - 1)}>; rel="prev"`);
    if (page < lastPage)
      links.push(`<${at(page + 1)}>; rel="next"`, `<${at(lastPage)}>; rel="last"`);
    if (page > 1) links.push(`<${at(1)}>; rel="first"`);
    return links.length > 0 ? links.join(', ') : undefined;
  }

  // A deterministic clock, so stored timestamps are strictly increasing.
  private tick(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString();
  }
}

function matchRoute(method: string, path: string): Matched | undefined {
  for (const r of ROUTES) {
    const m = r.method === method ? r.pattern.exec(path) : null;
    if (m) {
      const [, owner = '', repo = '', id = ''] = m.map((s) => decodeURIComponent(s));
      return { route: r.route, owner, repo, id };
    }
  }
  return undefined;
}

function parseCommentBody(raw: string): string | { message: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { message: 'Problems parsing JSON' };
  }
  const body = (parsed as { body?: unknown } | null)?.body;
  if (typeof body !== 'string') return { message: 'Invalid request.\n\n"body" wasn\'t supplied.' };
  // GitHub counts characters, not UTF-16 code units.
  if ([...body].length > FAKE_COMMENT_BODY_LIMIT) {
    return {
      message: `Validation Failed: body is too long (maximum is ${FAKE_COMMENT_BODY_LIMIT} characters)`,
    };
  }
  return body;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function clamp(n: number, min: number, max: number): number {
  return Number.isFinite(n) ? Math.min(max, Math.max(min, Math.trunc(n))) : min;
}
