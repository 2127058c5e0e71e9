/** Thrown for a run that must stop before any draft is touched. The message is user-facing. */
export class RunError extends Error {}
