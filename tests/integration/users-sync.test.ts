import { SyncAlreadyRunningError } from '../../src/services/errors';
import { SMALL_IDS, SMALL_USERS, smallAccount } from '../fakes/plex/plex-data';
import { DATABASE_KINDS } from '../support/databases';
import { createDefaultPlan, startHarness, T0, type Harness } from '../support/harness';

describe.each(DATABASE_KINDS)('users sync on %s', (kind) => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness(kind, smallAccount());
  });
  afterEach(async () => {
    await h.close();
  });

  const byPlexId = async () => new Map((await h.app.directory.listUsers()).map((u) => [u.plexId, u]));

  it('imports every friend, managed user and friend without shares, with classes from the server setting and default payments', async () => {
    await createDefaultPlan(h.app);
    // The servers come in with the first sync; the admin marks Cabin "import as permanent" before users arrive.
    await h.app.sharedServersSync().run();
    await h.app.catalog.updateServer(SMALL_IDS.cabin, { importAs: 'permanent' });

    const summary = await h.app.usersSync().run();
    expect(summary).toMatchObject({ created: 6, createdStandard: 4, createdPermanent: 2, defaultPayments: 4, updated: 0, unchanged: 0, removed: 0 });

    const users = await byPlexId();
    expect(users.size).toBe(6);
    const obrien = users.get(SMALL_USERS.obrien)!;
    expect(obrien).toMatchObject({ title: "O'Brien & Søn", username: 'obrien_son', email: 'obrien@example.com', class: 'permanent', defaultPayment: null });
    // Zoë's only share (pending) is on Cabin: permanent too.
    expect(users.get(SMALL_USERS.zoe)).toMatchObject({ title: 'Zoë', class: 'permanent', defaultPayment: null });
    const kids = users.get(SMALL_USERS.kids)!;
    expect(kids).toMatchObject({ title: 'Kids', username: null, email: null, home: true, class: 'standard' });
    expect(kids.defaultPayment).toEqual({ plan: 'Monthly', startsAt: T0.toISOString(), endsAt: '2026-12-25T12:00:00.000Z', subscriptionId: null });
    expect(users.get(SMALL_USERS.unal)).toMatchObject({ title: 'Ünal Çelik', class: 'standard' });
    expect(users.get(SMALL_USERS.noShares)).toMatchObject({ class: 'standard', servers: [] });
    expect(users.get(SMALL_USERS.grandma)).toMatchObject({ class: 'standard', servers: [] });

    // The friend-owned server is not one of ours.
    const servers = await h.app.catalog.listServers();
    expect(servers.map((s) => s.machineIdentifier).sort()).toEqual([SMALL_IDS.cabin, SMALL_IDS.livingRoom].sort());
  });

  it('asks plex.tv a constant number of questions', async () => {
    await createDefaultPlan(h.app);
    h.plex.resetRequests();
    await h.app.usersSync().run();
    expect(h.plex.requests.map((r) => r.path)).toEqual(['/api/resources', '/api/users']);
    expect(h.plex.requests.every((r) => r.headers['x-plex-token'] === h.env.PLEX_TOKEN && r.headers['x-plex-client-identifier'])).toBe(true);
  });

  it('changes nothing on an unchanged re-sync', async () => {
    await createDefaultPlan(h.app);
    await h.app.usersSync().run();
    const before = await h.snapshot();
    h.clock.advance(3_600_000);
    const summary = await h.app.usersSync().run();
    expect(summary).toMatchObject({ created: 0, updated: 0, removed: 0, unchanged: 6, defaultPayments: 0 });
    expect(await h.snapshot()).toEqual(before);
  });

  it("updates plex.tv's fields only, keeps admin edits, marks users gone as removed and restores them", async () => {
    await createDefaultPlan(h.app);
    await h.app.usersSync().run();
    // Admin edits (the edit commands come with the bot).
    await h.app.store.dataSource.query("UPDATE users SET paypal_email = 'pay@example.com', discord_id = '123456789012345678', class = 'permanent' WHERE plex_id = ?", [SMALL_USERS.unal]);
    const paymentsBefore = await h.app.store.dataSource.query('SELECT * FROM payments ORDER BY id');

    const unalFromPlex = () => h.plex.account.users.find((u) => u.id === SMALL_USERS.unal)!;
    h.plex.update((a) => {
      const unal = a.users.find((u) => u.id === SMALL_USERS.unal)!;
      unal.email = 'unal.new@example.com';
      unal.title = 'Ünal Ç.';
      a.users = a.users.filter((u) => u.id !== SMALL_USERS.noShares);
    });
    expect(unalFromPlex().email).toBe('unal.new@example.com');
    h.clock.advance(86_400_000);
    const summary = await h.app.usersSync().run();
    expect(summary).toMatchObject({ created: 0, updated: 1, removed: 1, unchanged: 4 });
    expect(summary.changes.updated).toEqual([{ plexId: SMALL_USERS.unal, title: 'Ünal Ç.', fields: ['email', 'title'] }]);

    let users = await byPlexId();
    expect(users.get(SMALL_USERS.unal)).toMatchObject({
      email: 'unal.new@example.com',
      title: 'Ünal Ç.',
      paypalEmail: 'pay@example.com',
      discordId: '123456789012345678',
      class: 'permanent',
    });
    expect(users.get(SMALL_USERS.noShares)!.removedAt).toBe('2026-11-26T12:00:00.000Z');
    expect(await h.app.store.dataSource.query('SELECT * FROM payments ORDER BY id')).toEqual(paymentsBefore);

    // A second sync does not move the removal date; coming back clears it.
    await h.app.usersSync().run();
    expect((await byPlexId()).get(SMALL_USERS.noShares)!.removedAt).toBe('2026-11-26T12:00:00.000Z');
    h.plex.update((a) => {
      a.users.push({ id: SMALL_USERS.noShares, title: 'Lonely Friend', username: 'lonely', email: 'lonely@example.com', shares: [] });
    });
    const back = await h.app.usersSync().run();
    expect(back).toMatchObject({ updated: 1, restored: 1, created: 0 });
    users = await byPlexId();
    expect(users.get(SMALL_USERS.noShares)!.removedAt).toBeNull();
    // Still one default payment: coming back is not a new user.
    expect(await h.app.store.dataSource.query('SELECT * FROM payments ORDER BY id')).toEqual(paymentsBefore);
  });

  it('creates a new friend with a default payment on a later sync', async () => {
    await createDefaultPlan(h.app, '30d');
    await h.app.usersSync().run();
    h.plex.update((a) => {
      a.users.push({ id: 4242, title: 'New & Ñice', username: 'newbie', email: 'new@example.com', shares: [] });
    });
    h.clock.set(new Date('2027-01-31T00:00:00Z'));
    const summary = await h.app.usersSync().run();
    expect(summary).toMatchObject({ created: 1, defaultPayments: 1, unchanged: 6 });
    expect((await byPlexId()).get(4242)!.defaultPayment).toEqual({
      plan: 'Monthly',
      startsAt: '2027-01-31T00:00:00.000Z',
      endsAt: '2027-03-02T00:00:00.000Z',
      subscriptionId: null,
    });
  });

  it('keeps a sync going when plex.tv sends a name, email, avatar URL or server name longer than its column', async () => {
    await createDefaultPlan(h.app);
    const long = (prefix: string, n: number) => `${prefix}${'x'.repeat(n - prefix.length)}`;
    h.plex.update((a) => {
      a.servers[0]!.name = long('Server ', 300);
      a.users.push({
        id: 4343,
        title: long('Tïtle ', 400),
        username: long('user_', 300),
        email: `${'e'.repeat(300)}@example.com`,
        thumb: long('https://plex.tv/users/abc/avatar?c=', 3000),
        shares: [],
      });
    });
    const summary = await h.app.usersSync().run();
    expect(summary).toMatchObject({ created: 7 });
    const user = (await byPlexId()).get(4343)!;
    expect([...user.title]).toHaveLength(255);
    expect(user.title.startsWith('Tïtle xxx')).toBe(true);
    expect(user.title.endsWith('x…')).toBe(true);
    expect(user.username).toHaveLength(255);
    expect(user.username!.startsWith('user_xxx')).toBe(true);
    expect(user.email).toHaveLength(255);
    const [row] = await h.app.store.dataSource.query('SELECT thumb FROM users WHERE plex_id = 4343');
    expect(row.thumb).toHaveLength(1024);
    expect(row.thumb.startsWith('https://plex.tv/users/abc/avatar?c=xxx')).toBe(true);
    expect((await h.app.catalog.listServers()).map((s) => s.name)).toContain(`${long('Server ', 254)}…`);

    // Cut the same way every time: the next sync sees nothing changed.
    await expect(h.app.usersSync().run()).resolves.toMatchObject({ created: 0, updated: 0, unchanged: 7 });
  });

  it('stops before writing anything when standard users need a default plan and there is none', async () => {
    const before = await h.snapshot();
    await expect(h.app.usersSync().run()).rejects.toThrow(/No default plan: 6 new standard user\(s\).*Nothing was written/);
    expect(await h.snapshot()).toEqual(before);
    const runs = await h.app.store.dataSource.query('SELECT kind, outcome, error FROM sync_runs ORDER BY id DESC');
    expect(runs[0]).toMatchObject({ kind: 'users', outcome: 'failed' });
    expect(runs[0].error).toMatch(/No default plan/);
  });

  it('needs no default plan when every new user is permanent', async () => {
    await h.app.sharedServersSync().run();
    await h.app.catalog.updateServer(SMALL_IDS.cabin, { importAs: 'permanent' });
    h.plex.update((a) => {
      a.users = a.users.filter((u) => u.id === SMALL_USERS.obrien || u.id === SMALL_USERS.zoe);
    });
    await expect(h.app.usersSync().run()).resolves.toMatchObject({ created: 2, createdPermanent: 2, defaultPayments: 0 });
  });

  it('previews with --dry-run and writes nothing', async () => {
    await createDefaultPlan(h.app);
    const before = await h.snapshot();
    const summary = await h.app.usersSync().run({ dryRun: true });
    expect(summary).toMatchObject({ dryRun: true, created: 6, defaultPayments: 6 });
    expect(summary.changes.created.map((c) => c.title)).toContain("O'Brien & Søn");
    expect(await h.snapshot()).toEqual(before);
  });

  it('refuses a second sync while one runs', async () => {
    await createDefaultPlan(h.app);
    h.plex.injectFault({ path: /^\/api\/users/, delayMs: 800 });
    const first = h.app.usersSync().run();
    await new Promise((r) => setTimeout(r, 200));
    await expect(h.app.sharedServersSync().run()).rejects.toThrow(SyncAlreadyRunningError);
    // "Since" is the database's clock, not the app's (fixed at T0 here).
    await expect(h.app.usersSync().run()).rejects.toThrow(/^a sync is already running since \d{4}-\d\d-\d\dT[\d:.]+Z$/);
    await expect(first).resolves.toMatchObject({ created: 6 });
    // Released afterwards.
    await expect(h.app.usersSync().run()).resolves.toMatchObject({ unchanged: 6 });
  });
});
