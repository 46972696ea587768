import { SMALL_IDS, smallAccount } from '../fakes/plex/plex-data';
import { DATABASE_KINDS } from '../support/databases';
import { createDefaultPlan, startHarness, type Harness } from '../support/harness';
import { PlexAuthError } from '../../src/plex/errors';

describe.each(DATABASE_KINDS)('plans grant access on %s', (kind) => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness(kind, smallAccount());
    await createDefaultPlan(h.app);
    await h.app.catalog.createPlan({ name: 'Family', duration: '90d', price: '25.00' });
  });
  afterEach(() => h.close());

  it('a plan without access settings grants nothing and resolves to null', async () => {
    expect((await h.app.planAccess.listPlans()).map((p) => [p.name, p.access])).toEqual([
      ['Family', []],
      ['Monthly', []],
    ]);
    expect(await h.app.planAccess.resolve('Monthly')).toBeNull();
    expect(h.plex.requests).toEqual([]);
  });

  it('sets all libraries or titles per server, checked on plex.tv, and resolves them to section ids', async () => {
    await h.app.planAccess.setAccess('Family', SMALL_IDS.livingRoom, { kind: 'all' });
    // Titles match regardless of case and spaces, and are stored as plex.tv spells them.
    const plan = await h.app.planAccess.setAccess('Family', SMALL_IDS.cabin, { kind: 'libraries', titles: [' films', 'Kids & Family', 'Films'] });
    expect(plan.access).toEqual([
      { machineIdentifier: SMALL_IDS.cabin, serverName: "Cabin & Co's", allLibraries: false, libraries: ['Films', 'Kids & Family'] },
      { machineIdentifier: SMALL_IDS.livingRoom, serverName: 'Living Room', allLibraries: true, libraries: [] },
    ]);
    expect((await h.app.planAccess.listPlans()).find((p) => p.name === 'Monthly')!.access).toEqual([]);

    expect(await h.app.planAccess.resolve('Family')).toEqual([
      { machineIdentifier: SMALL_IDS.cabin, serverName: "Cabin & Co's", allLibraries: false, librarySectionIds: [201, 203], libraries: ['Films', 'Kids & Family'], missingLibraries: [] },
      { machineIdentifier: SMALL_IDS.livingRoom, serverName: 'Living Room', allLibraries: true, librarySectionIds: [101, 102, 103, 104], libraries: ['Movies', 'TV Shows', 'Music', 'Photos'], missingLibraries: [] },
    ]);

    // Setting a server again replaces its access; --none removes the server from the plan.
    await h.app.planAccess.setAccess('Family', SMALL_IDS.livingRoom, { kind: 'libraries', titles: ['Movies'] });
    const after = await h.app.planAccess.setAccess('Family', SMALL_IDS.cabin, { kind: 'none' });
    expect(after.access).toEqual([{ machineIdentifier: SMALL_IDS.livingRoom, serverName: 'Living Room', allLibraries: false, libraries: ['Movies'] }]);
  });

  it('refuses unknown titles, naming them and the titles the server has; saves nothing', async () => {
    await expect(h.app.planAccess.setAccess('Family', SMALL_IDS.cabin, { kind: 'libraries', titles: ['Films', 'Anime', 'Docs'] })).rejects.toThrow(
      `Cabin & Co's has no libraries "Anime", "Docs"; its libraries are: "Films", "Séries <HD>", "Kids & Family"`,
    );
    await expect(h.app.planAccess.setAccess('Family', 'not-a-server', { kind: 'all' })).rejects.toThrow(/does not list not-a-server as one of your servers/);
    await expect(h.app.planAccess.setAccess('Nope', SMALL_IDS.cabin, { kind: 'all' })).rejects.toThrow('no plan named "Nope"');
    await expect(h.app.planAccess.setAccess('Family', SMALL_IDS.cabin, { kind: 'none' })).rejects.toThrow(/does not share the server/);
    expect(await h.app.planAccess.getAccess('Family')).toEqual([]);
  });

  it('reports a library that no longer exists on the server instead of dropping it', async () => {
    await h.app.planAccess.setAccess('Family', SMALL_IDS.livingRoom, { kind: 'libraries', titles: ['Movies', 'Music'] });
    h.plex.update((a) => {
      const server = a.servers.find((s) => s.machineIdentifier === SMALL_IDS.livingRoom)!;
      server.sections = server.sections.filter((s) => s.title !== 'Music');
    });
    expect(await h.app.planAccess.resolve('Family')).toEqual([
      expect.objectContaining({ librarySectionIds: [101], libraries: ['Movies'], missingLibraries: ['Music'] }),
    ]);
    // The stored choice still names it, so the admin sees what the plan meant.
    expect((await h.app.planAccess.getAccess('Family'))[0]!.libraries).toEqual(['Movies', 'Music']);
  });

  it('a plex.tv failure while checking titles saves nothing', async () => {
    h.plex.injectFault({ path: /^\/api\/servers\/[^/]+$/, status: 401 });
    await expect(h.app.planAccess.setAccess('Family', SMALL_IDS.cabin, { kind: 'all' })).rejects.toBeInstanceOf(PlexAuthError);
    expect(await h.app.planAccess.getAccess('Family')).toEqual([]);
  });

  it('renew stage: needs access and days, keeps them per server, resolves to section ids; --none per server or for the whole stage', async () => {
    await expect(h.app.planAccess.setRenew('Family', SMALL_IDS.livingRoom, { kind: 'libraries', titles: ['Photos'], days: 14 })).rejects.toThrow(/set its access first/);
    await h.app.planAccess.setAccess('Family', SMALL_IDS.livingRoom, { kind: 'all' });
    await expect(h.app.planAccess.setRenew('Family', SMALL_IDS.livingRoom, { kind: 'libraries', titles: ['Photos'] })).rejects.toThrow(/how many days/);
    await expect(h.app.planAccess.setRenew('Family', SMALL_IDS.livingRoom, { kind: 'libraries', titles: ['Photos'], days: 0 })).rejects.toThrow(/1 to 365 days/);
    expect((await h.app.planAccess.listPlans()).find((p) => p.name === 'Family')!.renew).toBeNull();

    await h.app.planAccess.setRenew('Family', SMALL_IDS.livingRoom, { kind: 'libraries', titles: [' photos '], days: 14 });
    // Another server joins with its own days given: the stage's length changes; without days, it stays.
    const plan = await h.app.planAccess.setRenew('Family', SMALL_IDS.cabin, { kind: 'libraries', titles: ['Kids & Family'], days: 10 });
    expect(plan.renew).toEqual({
      days: 10,
      access: [
        { machineIdentifier: SMALL_IDS.cabin, serverName: "Cabin & Co's", allLibraries: false, libraries: ['Kids & Family'] },
        { machineIdentifier: SMALL_IDS.livingRoom, serverName: 'Living Room', allLibraries: false, libraries: ['Photos'] },
      ],
    });
    expect((await h.app.planAccess.setRenew('Family', SMALL_IDS.livingRoom, { kind: 'libraries', titles: ['Music', 'Photos'] })).renew!.days).toBe(10);
    expect(await h.app.planAccess.resolveRenew('Family')).toEqual({
      days: 10,
      access: [
        { machineIdentifier: SMALL_IDS.cabin, serverName: "Cabin & Co's", allLibraries: false, librarySectionIds: [203], libraries: ['Kids & Family'], missingLibraries: [] },
        { machineIdentifier: SMALL_IDS.livingRoom, serverName: 'Living Room', allLibraries: false, librarySectionIds: [103, 104], libraries: ['Music', 'Photos'], missingLibraries: [] },
      ],
    });
    // The plan's own access is untouched by its renew stage.
    expect(plan.access).toEqual([{ machineIdentifier: SMALL_IDS.livingRoom, serverName: 'Living Room', allLibraries: true, libraries: [] }]);

    expect((await h.app.planAccess.setRenew('Family', SMALL_IDS.cabin, { kind: 'none' })).renew!.access.map((a) => a.machineIdentifier)).toEqual([SMALL_IDS.livingRoom]);
    // The last server out turns the stage off.
    expect((await h.app.planAccess.setRenew('Family', SMALL_IDS.livingRoom, { kind: 'none' })).renew).toBeNull();
    expect(await h.app.planAccess.resolveRenew('Family')).toBeNull();
    await expect(h.app.planAccess.setRenew('Family', null, { kind: 'none' })).rejects.toThrow(/has no renew stage/);
  });

  it('access goes with its plan when the plan is deleted (cascade)', async () => {
    await h.app.planAccess.setAccess('Family', SMALL_IDS.cabin, { kind: 'all' });
    await h.app.store.dataSource.query("DELETE FROM plans WHERE name = 'Family'");
    expect(await h.app.store.dataSource.query('SELECT * FROM plan_access')).toEqual([]);
  });
});
