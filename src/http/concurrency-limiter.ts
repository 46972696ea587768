/**
 * Runs at most `max` tasks at once; the rest wait their turn in order. A server that says "slow
 * down" (429 Retry-After) pauses every task not yet started, not only the one that was told.
 * Hand-written because the only limiter in node_modules (p-limit) is a dev-only transitive
 * dependency, absent from a production install.
 */
export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private pausedUntil = 0;

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new Error(`concurrency must be a whole number ≥ 1, got ${max}`);
  }

  /** Tasks running now (for tests and progress). */
  get running(): number {
    return this.active;
  }

  /** No task starts before `ms` from now (a later pause wins over an earlier one). */
  pauseFor(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      for (let wait = this.pausedUntil - Date.now(); wait > 0; wait = this.pausedUntil - Date.now()) {
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
      return await task();
    } finally {
      // Hand the slot straight to the next waiter, so `active` never dips and lets a newcomer jump the queue.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
