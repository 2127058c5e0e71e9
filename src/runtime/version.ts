// The action's own name and version, as the `user-agent` of every API call names them. A test
// holds VERSION to package.json's version, so a release cannot forget to change it.
export const PRODUCT = 'flink-draft-sync';
export const VERSION = '0.1.0';

/** `flink-draft-sync/0.1.0 (Node.js v24.9.0; linux; x64)`: who is calling, for the server's logs. */
export function userAgent(): string {
  return `${PRODUCT}/${VERSION} (Node.js ${process.version}; ${process.platform}; ${process.arch})`;
}
