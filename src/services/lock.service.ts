import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import type { Store } from '../repositories/store';
import { LeaseLostError, SyncAlreadyRunningError } from './errors';

/** What the work done under a lock gets: its holder id, and a signal raised when the lease is lost. */
export interface Lease {
  readonly holder: string;
  /** Aborted (reason: LeaseLostError) when a renewal finds the lease gone or cannot renew it in time: stop, roll back. */
  readonly signal: AbortSignal;
}

/**
 * One holder at a time per name, across processes sharing the database. The holder renews its
 * lease while it works; if it dies the lease runs out after `ttlMs` and the lock is free again.
 * Lease times are the database's clock, so processes whose clocks disagree still agree.
 */
export class LockService {
  private readonly holderPrefix = `${os.hostname()}:${process.pid}`;

  constructor(
    private readonly store: Store,
    private readonly ttlMs: number,
  ) {}

  async withLock<T>(name: string, work: (lease: Lease) => Promise<T>): Promise<T> {
    const holder = `${this.holderPrefix}:${randomUUID()}`;
    const attempt = await this.store.read((r) => r.locks.tryAcquire(name, holder, this.ttlMs));
    if (!attempt.acquired) throw new SyncAlreadyRunningError(attempt.since);
    const controller = new AbortController();
    const lose = (reason: string) => {
      if (!controller.signal.aborted) controller.abort(new LeaseLostError(name, reason));
    };
    // Elapsed time on this process's monotonic clock: how long since the database last confirmed the lease.
    let confirmedAt = performance.now();
    let renewing = false;
    const renewEvery = Math.max(200, Math.floor(this.ttlMs / 3));
    const timer = setInterval(() => {
      const sinceConfirmed = performance.now() - confirmedAt;
      if (renewing) {
        // A renewal that hangs is as bad as one that fails: stop before the lease can run out.
        if (sinceConfirmed >= (this.ttlMs * 2) / 3) lose('the database did not answer the renewal in time');
        return;
      }
      renewing = true;
      const started = performance.now();
      this.store
        .immediate((r) => r.locks.renew(name, holder, this.ttlMs))
        .then(
          (held) => {
            if (held) confirmedAt = started;
            else lose('another process holds it now, or it was removed');
          },
          (error: unknown) => {
            // One failed renewal leaves time for the next; two in a row (2/3 of the TTL) do not.
            if (performance.now() - confirmedAt >= this.ttlMs / 2) lose(`renewing it failed: ${(error as Error).message}`);
          },
        )
        .finally(() => (renewing = false));
    }, renewEvery);
    timer.unref();
    try {
      return await work({ holder, signal: controller.signal });
    } finally {
      clearInterval(timer);
      await this.store.read((r) => r.locks.release(name, holder)).catch(() => undefined);
    }
  }
}
