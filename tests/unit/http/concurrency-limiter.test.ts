import { ConcurrencyLimiter } from '../../../src/http/concurrency-limiter';
import { parseRetryAfter } from '../../../src/plex/plex-sharing.client';

describe('ConcurrencyLimiter', () => {
  it('runs at most max tasks at once, in order, and passes results and errors through', async () => {
    const limiter = new ConcurrencyLimiter(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const task = (i: number) => async () => {
      running++;
      peak = Math.max(peak, running);
      order.push(i);
      await new Promise((r) => setTimeout(r, 10));
      running--;
      if (i === 3) throw new Error('three');
      return i;
    };
    const results = await Promise.allSettled([0, 1, 2, 3, 4, 5].map((i) => limiter.run(task(i))));
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([0, 1, 2, 'three', 4, 5]);
    expect(limiter.running).toBe(0);
  });

  it('a pause holds back tasks not yet started', async () => {
    const limiter = new ConcurrencyLimiter(5);
    limiter.pauseFor(120);
    const started = Date.now();
    await limiter.run(async () => undefined);
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
  });

  it('refuses a limit below 1', () => {
    expect(() => new ConcurrencyLimiter(0)).toThrow(/≥ 1/);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates; null when absent or unreadable', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(['0.5'])).toBe(500);
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
    expect(parseRetryAfter(inTenSeconds)).toBeGreaterThan(8000);
    expect(parseRetryAfter(undefined)).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
  });
});
