// Where API calls go. Pure: validates the `region` / `endpoint` inputs and builds the base URL.
import { err, ok, type Result } from '../runtime/result.js';

/** A service's base URL, or a message naming the input to fix. */
export type EndpointResult = Result<URL, string>;

const REGION_PATTERN = /^[a-z]{2,}(-[a-z0-9]+)+$/;

/** A region ID such as cn-hangzhou or ap-southeast-1: the one test of its shape. */
export function isRegionId(region: string): boolean {
  return REGION_PATTERN.test(region);
}
const IPV4_LOOPBACK = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** Plain http would expose signed requests on the network; it is only for a local fake or proxy. */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || IPV4_LOOPBACK.test(hostname);
}

/**
 * Checks a service base URL given in the input `inputName` (the Ververica endpoint or the STS
 * endpoint): https, or http on a loopback host; nothing but scheme, host and port.
 */
export function checkServiceUrl(raw: string, inputName: string): EndpointResult {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    // The raw value is not echoed: it could be a mistyped URL carrying a password.
    return err(`${inputName} is not an absolute URL (expected https://host)`);
  }
  if (url.username || url.password) {
    return err(`${inputName} must not contain a user name or password`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return err(`${inputName} must use https, not ${url.protocol.slice(0, -1)}`);
  }
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    return err(
      `${inputName} must use https (http is allowed only for localhost, 127.0.0.0/8 and [::1]); got ${url.origin}`,
    );
  }
  if (url.search || url.hash || raw.includes('?') || raw.includes('#')) {
    return err(`${inputName} must not have a query or fragment; got ${url.origin}`);
  }
  // API paths are absolute; a base path would be silently dropped from the signed request.
  if (url.pathname !== '/') {
    return err(`${inputName} must not have a path; got ${url.origin}${url.pathname}`);
  }
  return ok(new URL(url.origin));
}

/** The API base URL: `endpoint` when given, otherwise the public endpoint of `region`. */
export function resolveEndpoint(opts: { region?: string; endpoint?: string }): EndpointResult {
  const endpoint = opts.endpoint?.trim();
  if (endpoint) return checkServiceUrl(endpoint, 'endpoint');
  const region = opts.region?.trim();
  if (region) {
    if (!isRegionId(region)) {
      return err(
        `region ${JSON.stringify(region)} is not a region ID such as cn-hangzhou or ap-southeast-1`,
      );
    }
    return ok(new URL(`https://ververica.${region}.aliyuncs.com`));
  }
  return err('set either the region input or the endpoint input');
}
