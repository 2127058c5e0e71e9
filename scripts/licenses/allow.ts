// Which licences a production dependency may carry: the bundle in dist/ ships their code to every
// user of the action, so a copyleft licence there would bind them. Pure: SPDX expressions in,
// verdicts out.

/** Permissive licences, by SPDX identifier. Anything else fails CI until it is looked at. */
export const ALLOWED_LICENCES: ReadonlySet<string> = new Set([
  '0BSD',
  'Apache-2.0',
  'BlueOak-1.0.0',
  'BSD-2-Clause',
  'BSD-3-Clause',
  'CC0-1.0',
  'ISC',
  'MIT',
  'Unlicense',
]);

/**
 * Whether an SPDX licence expression lets the package be bundled: an `OR` needs one allowed side,
 * an `AND` needs both; `WITH` exceptions and `+` are judged by the licence they modify. Anything
 * that does not parse is not allowed.
 */
export function licenceAllowed(expression: string | undefined): boolean {
  if (!expression) return false;
  const tokens = expression.match(/\(|\)|[^\s()]+/g) ?? [];
  let at = 0;
  const next = (): string | undefined => tokens[at++];
  const peek = (): string | undefined => tokens[at];

  function primary(): boolean | undefined {
    const token = next();
    if (token === '(') {
      const inner = or();
      return next() === ')' ? inner : undefined;
    }
    if (!token || /^(AND|OR|WITH|\))$/i.test(token)) return undefined;
    const allowed = ALLOWED_LICENCES.has(token.replace(/\+$/, ''));
    // An exception only widens what the licence permits: the verdict is the licence's.
    if (peek()?.toUpperCase() === 'WITH') {
      next();
      if (!next()) return undefined;
    }
    return allowed;
  }
  function and(): boolean | undefined {
    let value = primary();
    while (value !== undefined && peek()?.toUpperCase() === 'AND') {
      next();
      const right = primary();
      value = right === undefined ? undefined : value && right;
    }
    return value;
  }
  function or(): boolean | undefined {
    let value = and();
    while (value !== undefined && peek()?.toUpperCase() === 'OR') {
      next();
      const right = and();
      value = right === undefined ? undefined : value || right;
    }
    return value;
  }
  const verdict = or();
  return verdict === true && at === tokens.length;
}

export interface LockedPackage {
  path: string;
  license?: string;
}

/** The production packages of a package-lock.json (v2 or v3) whose licence is not allowed. */
export function refusedPackages(lock: {
  packages?: Record<string, { dev?: boolean; license?: string }>;
}): LockedPackage[] {
  return Object.entries(lock.packages ?? {})
    .filter(([path, entry]) => path !== '' && entry.dev !== true)
    .filter(([, entry]) => !licenceAllowed(entry.license))
    .map(([path, entry]) => ({ path, license: entry.license }));
}
