import type { Harness } from '../support/harness';
import { SMALL_IDS, smallAccount } from '../fakes/plex/plex-data';
import { DATABASE_KINDS } from '../support/databases';
import { createDefaultPlan, startHarness } from '../support/harness';

/** Each failure leaves the domain tables exactly as they were, with a message a server owner understands. */
describe.each(DATABASE_KINDS)('sync failures on %s', (kind) => {
  let h: Harness;
  let before: Record<string, unknown[]>;
  beforeEach(async () => {
    // Short enough for the timeout test, long enough that a loaded machine does not time out the others.
    h = await startHarness(kind, smallAccount(), { PLEX_TIMEOUT_MS: '1500' });
    await createDefaultPlan(h.app);
    await h.app.usersSync().run();
    await h.app.sharedServersSync().run();
    // Something for the next sync to write, so that a failure has something to roll back.
    h.plex.update((a) => {
      a.users[0]!.title = 'Renamed';
      a.users.push({ id: 31337, title: 'Newcomer', username: 'newcomer', email: 'n@example.com', shares: [] });
      a.users[1]!.shares[0]!.acceptedAt = 1_700_600_000;
    });
    before = await h.snapshot();
  });
  afterEach(async () => {
    await h.close();
  });

  const expectUnchanged = async () => expect(await h.snapshot()).toEqual(before);

  it('a 5xx after the retries', async () => {
    h.plex.injectFault({ path: /^\/api\/users/, status: 503, times: Infinity });
    await expect(h.app.usersSync().run()).rejects.toThrow('plex.tv answered 503 to GET /api/users after 3 attempts');
    expect(h.plex.requests.filter((r) => r.path === '/api/users').length).toBeGreaterThanOrEqual(3);
    await expectUnchanged();
  });

  it('recovers when a 5xx or a dropped connection passes before the retries run out', async () => {
    h.plex.injectFault({ path: /^\/api\/users/, status: 502 });
    h.plex.injectFault({ path: /^\/api\/users/, destroy: true });
    await expect(h.app.usersSync().run()).resolves.toMatchObject({ created: 1, updated: 1 });
  });

  it('a timeout', async () => {
    h.plex.injectFault({ path: /^\/api\/users/, delayMs: 6000 });
    await expect(h.app.usersSync().run()).rejects.toThrow('plex.tv did not answer GET /api/users within 1500 ms');
    await expectUnchanged();
  });

  it('a rejected token (401), without retrying', async () => {
    h.plex.update((a) => {
      a.token = 'another-token';
    });
    h.plex.resetRequests();
    await expect(h.app.usersSync().run()).rejects.toThrow('Plex rejected the token (401): check PLEX_TOKEN');
    // Each path asked once: a 401 is not retried.
    const paths = h.plex.requests.map((r) => r.path);
    expect(paths).toContain('/api/users');
    expect(new Set(paths).size).toBe(paths.length);
    await expectUnchanged();
  });

  it('malformed XML', async () => {
    h.plex.injectFault({ path: /^\/api\/users/, malformed: true });
    await expect(h.app.usersSync().run()).rejects.toThrow(/^plex.tv sent an invalid answer to GET \/api\/users: broken XML/);
    await expectUnchanged();
  });

  it('truncated XML', async () => {
    h.plex.injectFault({ path: /shared_servers$/, truncate: true });
    await expect(h.app.sharedServersSync().run()).rejects.toThrow(/^plex.tv sent an invalid answer to GET \/api\/servers\/.*\/shared_servers: broken XML/);
    await expectUnchanged();
  });

  it('an answer cut off between two complete elements (the root never closes)', async () => {
    // Every element in it is whole: only the missing </MediaContainer> tells it from a short list.
    const cut = '<?xml version="1.0"?><MediaContainer size="2"><User id="1" title="a" username="a" email="a@example.com"/>';
    h.plex.injectFault({ path: /^\/api\/users/, status: 200, body: cut });
    await expect(h.app.usersSync().run()).rejects.toThrow(/^plex.tv sent an invalid answer to GET \/api\/users: broken XML \(.*the document ended before <\/MediaContainer>\)/);
    await expectUnchanged();
  });

  it('XML that parses but breaks the rules (a user without an id)', async () => {
    h.plex.injectFault({ path: /^\/api\/users/, status: 200, body: '<?xml version="1.0"?><MediaContainer size="1"><User title="x"/></MediaContainer>' });
    await expect(h.app.usersSync().run()).rejects.toThrow('plex.tv sent an invalid answer to GET /api/users: <User> attribute id');
    await expectUnchanged();
  });

  it('a failure on the second server leaves the first server’s shares unwritten too', async () => {
    h.plex.injectFault({ path: new RegExp(`${SMALL_IDS.livingRoom}/shared_servers$`), status: 500, times: Infinity });
    await expect(h.app.sharedServersSync().run()).rejects.toThrow(/answered 500/);
    await expectUnchanged();
  });

  it('a database error in the middle of the writes', async () => {
    // A trigger makes the database refuse the default payment of the newcomer, after users were written.
    if (kind === 'sqlite') {
      await h.app.store.dataSource.query(
        "CREATE TRIGGER fail_payment BEFORE INSERT ON payments BEGIN SELECT RAISE(ABORT, 'disk on fire'); END",
      );
    } else {
      await h.app.store.dataSource.query(
        "CREATE TRIGGER fail_payment BEFORE INSERT ON payments FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'disk on fire'",
      );
    }
    await expect(h.app.usersSync().run()).rejects.toThrow(/disk on fire/);
    await expectUnchanged();
    const runs = await h.app.store.dataSource.query('SELECT kind, outcome FROM sync_runs ORDER BY id DESC');
    expect(runs[0]).toMatchObject({ kind: 'users', outcome: 'failed' });
  });
});
