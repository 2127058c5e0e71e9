// Keeps a large sync's memory near what it really holds. Every script passes through a few
// short-lived copies (the decoded file, the request body, the response), and a script with CJK
// text is stored two bytes a character, so a 100 KiB script's copies are large objects that only a
// full collection frees. V8 sizes its first full collection by the machine's memory, not by the
// live heap, so on a runner with many GiB it lets those dead copies pile up to a few hundred MB.
// A full collection after every `stepBytes` of scripts read holds the peak near the live heap, at
// a cost of a few milliseconds each; a sync of less than one step never collects.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export const GC_STEP_BYTES = 2 * 1024 * 1024;

export interface GcPacer {
  /** Counts `bytes` of script read; collects once a whole step has been read since the last time. */
  read(bytes: number): void;
  /** Full collections so far. */
  readonly collections: number;
}

/** The engine's full collection, made reachable without a command-line flag; undefined if refused. */
function fullCollection(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? () => (gc as () => void)() : undefined;
  } catch {
    return undefined;
  }
}

export function createGcPacer(
  stepBytes: number = GC_STEP_BYTES,
  collect: (() => void) | undefined = undefined,
): GcPacer {
  let since = 0;
  let collections = 0;
  let gc = collect;
  let resolved = collect !== undefined;
  return {
    read(bytes) {
      since += bytes;
      if (since < stepBytes) return;
      since = 0;
      if (!resolved) {
        gc = fullCollection();
        resolved = true;
      }
      if (!gc) return;
      gc();
      collections++;
    },
    get collections() {
      return collections;
    },
  };
}
