import { SMALL_IDS, SMALL_USERS, smallAccount, type FakePlexAccount } from '../fakes/plex/plex-data';
import { DATABASE_KINDS } from '../support/databases';
import { createDefaultPlan, startHarness, type Harness } from '../support/harness';

const iso = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString();

describe.each(DATABASE_KINDS)('shared servers sync on %s', (kind) => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness(kind, smallAccount());
    await createDefaultPlan(h.app);
    await h.app.usersSync().run();
  });
  afterEach(async () => {
    await h.close();
  });

  const sharesOf = async (plexUserId: number) =>
    (await h.app.directory.listSharedServers()).filter((s) => s.plexUserId === plexUserId).sort((a, b) => a.serverName.localeCompare(b.serverName));

  it("records who shares which owned server, since when, pending or not, and which libraries", async () => {
    const account = smallAccount();
    const summary = await h.app.sharedServersSync().run();
    expect(summary).toMatchObject({ created: 5, updated: 0, unchanged: 0, removed: 0, skippedUnknownUsers: 0 });
    expect(summary.servers.map((s) => [s.serverName, s.created, s.pending]).sort()).toEqual([
      ["Cabin & Co's", 2, 1],
      ['Living Room', 3, 0],
    ]);

    const obrienShare = account.users.find((u) => u.id === SMALL_USERS.obrien)!.shares;
    expect(await sharesOf(SMALL_USERS.obrien)).toEqual([
      {
        plexUserId: SMALL_USERS.obrien,
        username: 'obrien_son',
        machineIdentifier: SMALL_IDS.cabin,
        serverName: "Cabin & Co's",
        invitedAt: iso(obrienShare[1]!.invitedAt),
        acceptedAt: iso(obrienShare[1]!.acceptedAt),
        pending: false,
        allLibraries: true,
        libraries: ['Films', 'Séries <HD>', 'Kids & Family'],
      },
      {
        plexUserId: SMALL_USERS.obrien,
        username: 'obrien_son',
        machineIdentifier: SMALL_IDS.livingRoom,
        serverName: 'Living Room',
        invitedAt: iso(obrienShare[0]!.invitedAt),
        acceptedAt: iso(obrienShare[0]!.acceptedAt),
        pending: false,
        allLibraries: false,
        libraries: ['Movies', 'TV Shows'],
      },
    ]);
    expect(await sharesOf(SMALL_USERS.zoe)).toMatchObject([{ pending: true, acceptedAt: null, libraries: ['Films'] }]);
    expect(await sharesOf(SMALL_USERS.kids)).toMatchObject([{ username: null, serverName: 'Living Room', libraries: ['Movies'] }]);
    expect(await sharesOf(SMALL_USERS.grandma)).toEqual([]);
    // The user view carries the same shares.
    const users = await h.app.directory.listUsers();
    expect(users.find((u) => u.plexId === SMALL_USERS.obrien)!.servers).toHaveLength(2);
  });

  it('asks plex.tv once per owned server, never per user', async () => {
    h.plex.resetRequests();
    await h.app.sharedServersSync().run();
    expect(h.plex.requests.map((r) => r.path).sort()).toEqual(
      ['/api/resources', `/api/servers/${SMALL_IDS.cabin}/shared_servers`, `/api/servers/${SMALL_IDS.livingRoom}/shared_servers`].sort(),
    );
  });

  it('updates changed shares, deletes vanished ones and leaves the rest alone', async () => {
    await h.app.sharedServersSync().run();
    const before = await h.app.store.dataSource.query('SELECT * FROM shared_servers ORDER BY id');
    expect(await h.app.sharedServersSync().run()).toMatchObject({ created: 0, updated: 0, removed: 0, unchanged: 5 });
    expect(await h.app.store.dataSource.query('SELECT * FROM shared_servers ORDER BY id')).toEqual(before);

    h.plex.update((a) => {
      const zoe = a.users.find((u) => u.id === SMALL_USERS.zoe)!;
      zoe.shares[0]!.acceptedAt = 1_700_500_000; // Zoë accepted
      zoe.shares[0]!.sectionIds = [201, 203];
      const unal = a.users.find((u) => u.id === SMALL_USERS.unal)!;
      unal.shares = []; // unshared
    });
    const summary = await h.app.sharedServersSync().run();
    expect(summary).toMatchObject({ created: 0, updated: 1, removed: 1, unchanged: 3 });
    expect(await sharesOf(SMALL_USERS.zoe)).toMatchObject([{ pending: false, acceptedAt: iso(1_700_500_000), libraries: ['Films', 'Kids & Family'] }]);
    expect(await sharesOf(SMALL_USERS.unal)).toEqual([]);
  });

  it('tells a share whose only change is a date from an unchanged one, each date on its own', async () => {
    await h.app.sharedServersSync().run();
    const initial = smallAccount().users.find((u) => u.id === SMALL_USERS.obrien)!.shares[0]!;
    // accepted: moving either date keeps it accepted, so only the date differs
    expect(initial.acceptedAt).toBeGreaterThan(0);
    const stored = async () => (await sharesOf(SMALL_USERS.obrien)).find((s) => s.machineIdentifier === initial.machineIdentifier)!;
    const obriensFirstShare = (a: FakePlexAccount) => a.users.find((u) => u.id === SMALL_USERS.obrien)!.shares[0]!;

    h.plex.update((a) => void (obriensFirstShare(a).invitedAt = initial.invitedAt - 3600));
    expect(await h.app.sharedServersSync().run()).toMatchObject({ created: 0, updated: 1, removed: 0, unchanged: 4 });
    expect(await stored()).toMatchObject({ invitedAt: iso(initial.invitedAt - 3600), acceptedAt: iso(initial.acceptedAt), pending: false });

    h.plex.update((a) => void (obriensFirstShare(a).acceptedAt = initial.acceptedAt + 60));
    expect(await h.app.sharedServersSync().run()).toMatchObject({ created: 0, updated: 1, removed: 0, unchanged: 4 });
    expect(await stored()).toMatchObject({ invitedAt: iso(initial.invitedAt - 3600), acceptedAt: iso(initial.acceptedAt + 60), pending: false });

    expect(await h.app.sharedServersSync().run()).toMatchObject({ created: 0, updated: 0, removed: 0, unchanged: 5 });
  });

  it('tells apart shares of one server that had the same libraries when one of them changes', async () => {
    const livingRoomShares = (a: FakePlexAccount) => a.users.flatMap((u) => u.shares.filter((s) => s.machineIdentifier === SMALL_IDS.livingRoom).map((share) => ({ user: u.id, share })));
    h.plex.update((a) => {
      for (const { share } of livingRoomShares(a)) Object.assign(share, { allLibraries: false, sectionIds: [101, 102] });
    });
    await h.app.sharedServersSync().run();
    const sharers = livingRoomShares(smallAccount()).map((s) => s.user);
    expect(sharers.length).toBeGreaterThanOrEqual(3);
    const libraries = async (user: number) => (await sharesOf(user)).find((s) => s.machineIdentifier === SMALL_IDS.livingRoom)!.libraries;
    for (const user of sharers) expect(await libraries(user)).toEqual(['Movies', 'TV Shows']);

    h.plex.update((a) => {
      livingRoomShares(a).find((s) => s.user === sharers[1])!.share.sectionIds = [101];
    });
    expect(await h.app.sharedServersSync().run()).toMatchObject({ created: 0, updated: 1, removed: 0, unchanged: 4 });
    expect(await libraries(sharers[1]!)).toEqual(['Movies']);
    for (const user of [sharers[0]!, sharers[2]!]) expect(await libraries(user)).toEqual(['Movies', 'TV Shows']);
    expect(await h.app.sharedServersSync().run()).toMatchObject({ created: 0, updated: 0, removed: 0, unchanged: 5 });
  });

  it('skips disabled servers and keeps their shares as they were', async () => {
    await h.app.sharedServersSync().run();
    await h.app.catalog.updateServer(SMALL_IDS.livingRoom, { enabled: false });
    h.plex.update((a) => {
      for (const u of a.users) u.shares = u.shares.filter((s) => s.machineIdentifier !== SMALL_IDS.livingRoom);
    });
    h.plex.resetRequests();
    const summary = await h.app.sharedServersSync().run();
    expect(summary.servers.map((s) => s.serverName)).toEqual(["Cabin & Co's"]);
    expect(h.plex.requests.some((r) => r.path.includes(SMALL_IDS.livingRoom))).toBe(false);
    expect((await h.app.directory.listSharedServers()).filter((s) => s.machineIdentifier === SMALL_IDS.livingRoom)).toHaveLength(3);
  });

  it('counts shares of users not imported yet instead of inventing users', async () => {
    h.plex.update((a) => {
      a.users.push({
        id: 777,
        title: 'Late Friend',
        username: 'late',
        email: 'late@example.com',
        shares: [{ machineIdentifier: SMALL_IDS.cabin, shareId: 9999, invitedAt: 1_700_000_000, acceptedAt: 0, allLibraries: true, sectionIds: [201] }],
      });
    });
    const summary = await h.app.sharedServersSync().run();
    expect(summary).toMatchObject({ created: 5, skippedUnknownUsers: 1 });
  });
});
