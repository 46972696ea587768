import os from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Clock } from '../config/clock';
import type { Store } from '../repositories/store';
import { SyncAlreadyRunningError } from './errors';

/**
 * One holder at a time per name, across processes sharing the database. The holder renews its
 * lease while it works; if it dies the lease runs out after `ttlMs` and the lock is free again.
 */
export class LockService {
  private readonly holderPrefix = `${os.hostname()}:${process.pid}`;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly ttlMs: number,
  ) {}

  async withLock<T>(name: string, work: () => Promise<T>): Promise<T> {
    const holder = `${this.holderPrefix}:${randomUUID()}`;
    const now = this.clock.now();
    const attempt = await this.store.read((r) => r.locks.tryAcquire(name, holder, now, new Date(now.getTime() + this.ttlMs)));
    if (!attempt.acquired) throw new SyncAlreadyRunningError(attempt.since);
    const renewEvery = Math.max(500, Math.floor(this.ttlMs / 3));
    const timer = setInterval(() => {
      const expiresAt = new Date(this.clock.now().getTime() + this.ttlMs);
      this.store.read((r) => r.locks.renew(name, holder, expiresAt)).catch(() => undefined);
    }, renewEvery);
    timer.unref();
    try {
      return await work();
    } finally {
      clearInterval(timer);
      await this.store.read((r) => r.locks.release(name, holder)).catch(() => undefined);
    }
  }
}
