// A repository's name as the drafts' repository label records it: `host/owner/name`, whichever
// way the remote is written (https, ssh, scp-like `git@host:owner/name.git`). Pure.

/** `host/path` of a remote URL, lower-cased host, without credentials or `.git`; undefined if unreadable. */
export function repositoryIdOf(remote: string): string | undefined {
  const text = remote.trim();
  let host: string;
  let path: string;
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/)(.+)$/.exec(text);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return undefined;
    }
    host = url.host;
    path = url.pathname;
  } else if (scp) {
    host = scp[1] as string;
    path = scp[2] as string;
  } else {
    return undefined;
  }
  const cleaned = path.replace(/^\/+|\/+$/g, '').replace(/\.git$/, '');
  if (!host || !cleaned) return undefined;
  return `${host.toLowerCase()}/${cleaned}`;
}
