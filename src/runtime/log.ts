// Where the engine's messages go. The Action writes them through @actions/core, the CLI to stderr;
// the engine and every module under it see only this interface.

/** A place in a file that a message is about: the Action turns it into an annotation. */
export interface Place {
  file: string;
  line?: number;
  column?: number;
  title?: string;
}

export interface Log {
  info(message: string): void;
  notice(message: string): void;
  warning(message: string): void;
  error(message: string, place?: Place): void;
}
