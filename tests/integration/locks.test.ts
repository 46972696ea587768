import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import { FakePlexTv } from '../fakes/plex/fake-plex-tv';
import { DEFAULT_TOKEN, smallAccount } from '../fakes/plex/plex-data';
import { runCli, startCli } from '../support/cli';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases';
import { createDefaultPlan, startHarness, type Harness } from '../support/harness';
import { openDatabase } from '../../src/database/data-source';
import { LeaseLostError } from '../../src/services/errors';
import { LockService } from '../../src/services/lock.service';

async function waitForLock(dataSource: DataSource): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await dataSource.query('SELECT name FROM locks')).length > 0) return;
    await sleep(50);
  }
  throw new Error('nobody took the lock');
}

describe.each(DATABASE_KINDS)('leases on %s', (kind) => {
  let h: Harness;
  let other: DataSource;
  beforeEach(async () => {
    h = await startHarness(kind, smallAccount(), { SYNC_LOCK_TTL_SECONDS: '2', PLEX_TIMEOUT_MS: '10000' });
    await createDefaultPlan(h.app);
    // Another process's connection.
    other = await openDatabase(h.env.DATABASE_URL!, { migrate: false });
  });
  afterEach(async () => {
    await other.destroy();
    await h.close();
  });

  it('a holder whose lease is taken stops its work and rolls back, and its run is recorded as failed', async () => {
    h.plex.injectFault({ path: /^\/api\/users/, delayMs: 2_500 });
    const before = await h.snapshot();
    const sync = h.app.usersSync().run();
    const outcome = sync.catch((error: unknown) => error);
    await waitForLock(other);
    // As if the lease had run out and another process had taken it.
    await other.query("UPDATE locks SET holder = 'another-process'");
    const error = await outcome;
    expect(error).toBeInstanceOf(LeaseLostError);
    expect((error as Error).message).toMatch(/^lost the "plex-sync" lock \(another process holds it now, or it was removed\)/);
    expect(await h.snapshot()).toEqual(before);
    const runs = await other.query('SELECT outcome, error FROM sync_runs');
    expect(runs).toEqual([{ outcome: 'failed', error: expect.stringMatching(/^lost the "plex-sync" lock/) }]);
    // The lock is still the other holder's: the loser released nothing of theirs.
    expect(await other.query('SELECT holder FROM locks')).toEqual([{ holder: 'another-process' }]);
  });

  it('keeps renewing the lease while its own transaction runs longer than the lease', async () => {
    const locks = new LockService(h.app.store, 2_000);
    const seen = await locks.withLock('long-work', (lease) =>
      h.app.store.transaction(async (r) => {
        await r.plans.list();
        await sleep(3_000);
        // Asked as another statement of this process would ask, outside the open transaction's queue.
        const holder = await h.app.store.immediate((x) => x.locks.liveHolder('long-work'));
        return { holder, mine: lease.holder, aborted: lease.signal.aborted };
      }),
    );
    expect(seen).toEqual({ holder: seen.mine, mine: expect.any(String), aborted: false });
  });
});

describe('two processes on one MariaDB whose clocks disagree by an hour', () => {
  let plex: FakePlexTv;
  let db: TestDatabase;
  let env: Record<string, string>;
  beforeEach(async () => {
    plex = new FakePlexTv(smallAccount());
    db = await createTestDatabase('mariadb');
    env = { DATABASE_URL: db.url, PLEX_TV_URL: await plex.start(), PLEX_TOKEN: DEFAULT_TOKEN, PLEX_RETRIES: '1', PLEX_RETRY_DELAY_MS: '5', SYNC_LOCK_TTL_SECONDS: '5' };
  });
  afterEach(async () => {
    await plex.stop();
    await db.drop();
  });

  it('never both run a sync: the lease ends by the database clock, not by the process clock', async () => {
    expect((await runCli(['plans', 'create', '--name', 'Monthly', '--duration', '1m', '--price', '10', '--default'], env)).code).toBe(0);
    plex.injectFault({ path: /^\/api\/users/, delayMs: 6_000 });
    const holder = startCli(['sync', 'users'], env);
    const dataSource = await openDatabase(db.url, { migrate: false });
    try {
      await waitForLock(dataSource);
      // A process whose clock runs an hour ahead would see the lease as long run out.
      const ahead = await runCli(['sync', 'shared-servers'], env, ['faketime', '-f', '+1h']);
      expect({ code: ahead.code, stderr: ahead.stderr }).toEqual({ code: 1, stderr: expect.stringMatching(/^error: a sync is already running since /) });
      const first = await holder.done;
      expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
      expect(await dataSource.query('SELECT kind, outcome FROM sync_runs ORDER BY id')).toEqual([{ kind: 'users', outcome: 'succeeded' }]);
    } finally {
      holder.child.kill('SIGKILL');
      await dataSource.destroy();
    }
  });
});
