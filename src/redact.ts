// Keeps credentials out of anything the action shows: error messages, summaries and logs.

const MASK = '***';
/** Shorter values would mask ordinary words and numbers without protecting anything. */
const MIN_SECRET_LENGTH = 4;
/** A V3 signature has the same weight as the secret for replaying the request it signs. */
const SIGNATURE_PATTERN = /(Signature=)[0-9a-fA-F]{16,}/g;

/**
 * The forms in which a secret can show up in text that came back from a server: as sent, escaped
 * inside a JSON string, or percent-encoded in a URL.
 */
function spellings(secret: string): string[] {
  const forms = [secret, JSON.stringify(secret).slice(1, -1)];
  try {
    forms.push(encodeURIComponent(secret));
  } catch {
    // A lone surrogate has no percent-encoded form, so it cannot appear as one either.
  }
  return forms;
}

/** Replaces every occurrence of the given secrets, and of any V3 signature, with `***`. */
export function redact(text: string, secrets: readonly string[]): string {
  const needles = [
    ...new Set(secrets.filter((s) => s.length >= MIN_SECRET_LENGTH).flatMap(spellings)),
  ];
  // Longest first, so that a secret containing another one is masked whole.
  needles.sort((a, b) => b.length - a.length);
  let scrubbed = text;
  for (const needle of needles) scrubbed = scrubbed.split(needle).join(MASK);
  return scrubbed.replace(SIGNATURE_PATTERN, `$1${MASK}`);
}
