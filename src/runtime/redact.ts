// Keeps credentials out of anything the action shows: error messages, summaries and logs.

const MASK = '***';
/** Shorter values would mask ordinary words and numbers without protecting anything. */
const MIN_SECRET_LENGTH = 4;
/**
 * A server that echoes a secret may cut it short (a message limit) or trim its start. A spelling
 * this long is also masked where only its first or last PARTIAL_RUN characters or more appear.
 */
const PARTIAL_MIN_LENGTH = 16;
const PARTIAL_RUN = 12;
/** Base64 forms of shorter secrets would be too short to tell from ordinary text. */
const BASE64_MIN_LENGTH = 12;
/** A V3 signature has the same weight as the secret for replaying the request it signs. */
const SIGNATURE_PATTERN = /(Signature=)[0-9a-fA-F]{16,}/g;

/**
 * The secret's base64 text wherever it sits in a larger encoded value: one spelling for each of
 * the three byte alignments, keeping only the characters that the secret's bytes alone decide.
 */
function base64Spellings(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const forms: string[] = [];
  for (const lead of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(lead), bytes])
      .toString('base64')
      .replace(/=+$/, '');
    // The leading characters carry filler bits, and a last partial group carries zero bits.
    const head = [0, 2, 3][lead] ?? 0;
    const tail = (lead + bytes.length) % 3 === 0 ? 0 : 1;
    const form = encoded.slice(head, encoded.length - tail);
    forms.push(form, form.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return forms;
}

/**
 * The forms in which a secret can show up in text that came back from a server: as sent, escaped
 * inside a JSON string, percent-encoded in a URL, or base64-encoded inside a larger value.
 */
function spellings(secret: string): string[] {
  const forms = [secret, JSON.stringify(secret).slice(1, -1)];
  try {
    forms.push(encodeURIComponent(secret));
  } catch {
    // A lone surrogate has no percent-encoded form, so it cannot appear as one either.
  }
  if (secret.length >= BASE64_MIN_LENGTH) forms.push(...base64Spellings(secret));
  return forms.filter((form) => form.length >= MIN_SECRET_LENGTH);
}

function occurrences(text: string, needle: string): number[] {
  const found: number[] = [];
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) found.push(at);
  return found;
}

/** Where `form` stands in `text`: whole, or (when long) cut short at either end. */
function spans(text: string, form: string): Array<[number, number]> {
  if (form.length < PARTIAL_MIN_LENGTH) {
    return occurrences(text, form).map((at) => [at, at + form.length]);
  }
  const found: Array<[number, number]> = [];
  for (const at of occurrences(text, form.slice(0, PARTIAL_RUN))) {
    let end = at + PARTIAL_RUN;
    while (end - at < form.length && text[end] === form[end - at]) end++;
    found.push([at, end]);
  }
  const tail = form.slice(-PARTIAL_RUN);
  for (const at of occurrences(text, tail)) {
    const end = at + PARTIAL_RUN;
    let start = at;
    while (end - start < form.length && text[start - 1] === form[form.length - (end - start) - 1]) {
      start--;
    }
    found.push([start, end]);
  }
  return found;
}

/**
 * Replaces every occurrence of the given secrets (in any of their spellings, whole or cut short)
 * and of any V3 signature with `***`.
 */
export function redact(text: string, secrets: readonly string[]): string {
  const forms = new Set(
    secrets.filter((s) => s.length >= MIN_SECRET_LENGTH).flatMap((s) => spellings(s)),
  );
  const found: Array<[number, number]> = [];
  for (const form of forms) found.push(...spans(text, form));
  // Overlapping and touching spans become one mask, so no piece of a secret shows between two.
  found.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const [start, end] of found) {
    const last = merged.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  let scrubbed = '';
  let done = 0;
  for (const [start, end] of merged) {
    scrubbed += text.slice(done, start) + MASK;
    done = end;
  }
  scrubbed += text.slice(done);
  return scrubbed.replace(SIGNATURE_PATTERN, `$1${MASK}`);
}
