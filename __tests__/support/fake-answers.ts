// The shapes the fake API answers in: the business envelope, the gateway's error form, and the
// broken answers that faults produce. All pure; the server only writes what these return.
import type { BusinessError } from './fake-drafts.js';
import type { Fault } from './fake-faults.js';
import type { GatewayRejection } from './fake-gateway.js';

const JSON_TYPE = 'application/json;charset=utf-8';
const HUGE_BODY_BYTES = 40 * 1024 * 1024;

/** What the server will write: status, headers and body bytes, plus the code to record. */
export interface Answer {
  status: number;
  contentType: string;
  parts: Buffer[];
  code?: string;
  headers?: Record<string, string>;
}

/** What a request looked like, as far as an answer needs to know. */
export interface AnswerContext {
  requestId: string;
  host: string;
  headers: Record<string, string>;
}

function json(status: number, body: unknown, code?: string): Answer {
  const answer: Answer = {
    status,
    contentType: JSON_TYPE,
    parts: [Buffer.from(JSON.stringify(body))],
  };
  if (code !== undefined) answer.code = code;
  return answer;
}

export function success(
  requestId: string,
  data: unknown,
  extra: Record<string, unknown> = {},
): Answer {
  return json(200, { requestId, success: true, httpCode: 200, data, ...extra });
}

export function businessError(requestId: string, error: BusinessError): Answer {
  const body = {
    requestId,
    success: false,
    httpCode: error.status,
    errorCode: error.errorCode,
    errorMessage: error.errorMessage,
    data: null,
  };
  return json(error.status, body, error.errorCode);
}

export function gatewayError(ctx: AnswerContext, rejection: GatewayRejection): Answer {
  const body = {
    RequestId: ctx.requestId,
    Code: rejection.code,
    Message: rejection.message,
    HostId: ctx.host,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${rejection.code}&product=ververica`,
  };
  return json(rejection.status, body, rejection.code);
}

function defaultFaultCode(status: number): string {
  if (status === 429) return 'Throttling.User';
  if (status === 403) return 'Forbidden.RAM';
  if (status === 404) return 'InvalidAction.NotFound';
  if (status === 503) return 'ServiceUnavailable';
  if (status >= 500) return 'InternalError';
  return 'InvalidParameter';
}

function statusFault(fault: Fault, ctx: AnswerContext): Answer {
  const status = fault.status ?? 503;
  const code = fault.code ?? defaultFaultCode(status);
  const message = fault.message ?? `Injected ${code}.`;
  return fault.envelope
    ? businessError(ctx.requestId, { status, errorCode: code, errorMessage: message })
    : gatewayError(ctx, { status, code, message });
}

/** A server that leaks credentials back: the client must scrub them before logging. */
function echoSecrets(fault: Fault, ctx: AnswerContext): Answer {
  const leaked = `authorization=${ctx.headers.authorization ?? ''} token=${ctx.headers['x-acs-security-token'] ?? ''}`;
  return gatewayError(ctx, {
    status: 400,
    code: fault.code ?? 'InvalidParameter',
    message: `${fault.message ?? 'Bad request'}: ${leaked}`,
  });
}

let hugePadding: Buffer | undefined;

/** Valid JSON, just far too big: a client must cap what it reads. */
function huge(ctx: AnswerContext): Answer {
  hugePadding ??= Buffer.alloc(HUGE_BODY_BYTES, 'x');
  const head = `{"requestId":"${ctx.requestId}","success":true,"httpCode":200,"data":{"padding":"`;
  return {
    status: 200,
    contentType: JSON_TYPE,
    parts: [Buffer.from(head), hugePadding, Buffer.from('"}}')],
  };
}

const BAD_GATEWAY_PAGE =
  '<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>';

type AnsweringFault = Exclude<Fault['kind'], 'hang' | 'reset' | 'reset-after-apply' | 'delay'>;

/** The answer for a fault that does answer (hang and the resets never do). */
export function faultAnswer(fault: Fault & { kind: AnsweringFault }, ctx: AnswerContext): Answer {
  const answer = ((): Answer => {
    switch (fault.kind) {
      case 'status':
        return statusFault(fault, ctx);
      case 'echo-secrets':
        return echoSecrets(fault, ctx);
      case 'huge':
        return huge(ctx);
      case 'html':
        return {
          status: fault.status ?? 502,
          contentType: 'text/html',
          parts: [Buffer.from(BAD_GATEWAY_PAGE)],
        };
      case 'empty':
        return { status: fault.status ?? 200, contentType: JSON_TYPE, parts: [] };
      case 'raw':
        return {
          status: fault.status ?? 200,
          contentType: JSON_TYPE,
          parts: [Buffer.from(fault.body ?? '')],
        };
      case 'malformed-json':
        return {
          status: fault.status ?? 200,
          contentType: JSON_TYPE,
          parts: [Buffer.from(`{"requestId":"${ctx.requestId}","success":tru`)],
        };
    }
  })();
  const headers: Record<string, string> = {};
  if (fault.retryAfterSeconds !== undefined)
    headers['retry-after'] = String(fault.retryAfterSeconds);
  if (fault.acsRetryAfterMs !== undefined)
    headers['x-acs-retry-after'] = String(fault.acsRetryAfterMs);
  if (Object.keys(headers).length > 0) answer.headers = headers;
  return answer;
}

export function internalError(requestId: string): Answer {
  return json(500, { RequestId: requestId, Code: 'InternalError', Message: 'Fake API failure.' });
}
