/** Turns anything thrown into text, without a stack trace for the user. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
