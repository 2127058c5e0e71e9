// Bounds how many tasks run at once: the API calls of a run, or the pages a listing reads.

/** Runs at most `max` tasks at once; `max` can only go down. */
export class Limiter {
  #running = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(private max: number) {}

  atMost(max: number): void {
    this.max = Math.max(1, Math.min(this.max, max));
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    while (this.#running >= this.max) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    this.#running++;
    try {
      return await task();
    } finally {
      this.#running--;
      this.#waiting.shift()?.();
    }
  }
}
