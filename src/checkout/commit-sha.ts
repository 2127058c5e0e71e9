// What a commit SHA looks like, in one place: the all-zero SHA of a created or deleted branch, and
// the short form the messages and the summary show.

/** The SHA GitHub sends for the side of a push that does not exist (a new or a deleted branch). */
export function isZeroSha(sha: string): boolean {
  return /^0+$/.test(sha);
}

/** A full SHA-1 or SHA-256 commit ID as its first 7 characters; anything else as it is. */
export function shortSha(sha: string): string {
  return /^[0-9a-f]{40}([0-9a-f]{24})?$/i.test(sha) ? sha.slice(0, 7) : sha;
}
