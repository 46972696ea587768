import { SMALL_IDS } from '../fakes/plex/plex-data';
import { DATABASE_KINDS } from '../support/databases';
import { discordIdOf, ROLE_SUB, startLifecycleBed, type LifecycleBed } from '../support/lifecycle';
import { PlexSharingClient, type PlexSharingApi } from '../../src/plex/plex-sharing.client';
import { InviteService } from '../../src/services/invite.service';

/** A plex.tv account that exists but is not linked to the owner yet. */
const NEWCOMER = { id: 7777, title: 'Newcomer', username: 'newcomer', email: 'new@example.com' };
const DAY = 86_400_000;

describe.each(DATABASE_KINDS)('invites on %s', (kind) => {
  let bed: LifecycleBed;
  const cabinShares = () => bed.h.plex.sharesOf(SMALL_IDS.cabin);
  const posts = () => bed.h.plex.requests.filter((r) => r.method === 'POST');
  const count = async (table: string) => Number((await bed.sql<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))[0]!.n);

  beforeEach(async () => {
    bed = await startLifecycleBed(kind, [{ plexId: NEWCOMER.id }]);
    bed.h.plex.update((a) => {
      a.knownAccounts = [NEWCOMER];
      a.accountlessInvites = true;
    });
    await bed.app.catalog.createPlan({ name: 'Cabin', duration: '30d', price: '5.00', currency: 'USD' });
    await bed.app.planAccess.setAccess('Cabin', SMALL_IDS.cabin, { kind: 'libraries', titles: ['Films', 'Kids & Family'] });
    bed.h.plex.resetRequests();
  });
  afterEach(() => bed.close());

  it('invites a known account by username: one pending share, a standard user with a payment on the plan', async () => {
    const result = await bed.app.invites.invite('newcomer', 'Cabin');
    const onFake = cabinShares().filter((s) => s.user.id === NEWCOMER.id);
    expect(onFake).toHaveLength(1);
    expect(onFake[0]!.share).toMatchObject({ acceptedAt: 0, sectionIds: [201, 203] });
    expect(result.shares).toEqual([{ machineIdentifier: SMALL_IDS.cabin, serverName: "Cabin & Co's", shareId: onFake[0]!.share.shareId, libraries: ['Films', 'Kids & Family'], pending: true }]);
    expect(result.user).toMatchObject({ plexId: NEWCOMER.id, username: 'newcomer', class: 'standard', removed: false, needsReview: false });
    expect((await bed.app.users.card(NEWCOMER.id)).defaultPayment).toEqual({
      plan: 'Cabin',
      startsAt: bed.clock.now(),
      endsAt: new Date(bed.clock.now().getTime() + 30 * DAY),
      subscriptionId: null,
    });
    // The pending invite is listed, and the syncs keep the user (plex.tv lists them as pending).
    expect((await bed.app.invites.pending()).map((p) => [p.plexId, p.status, p.servers])).toEqual([[NEWCOMER.id, 'awaiting-acceptance', ["Cabin & Co's"]]]);
    await bed.app.usersSync().run();
    await bed.app.sharedServersSync().run();
    expect((await bed.user(NEWCOMER.id)).removed_at).toBeNull();
    expect((await bed.app.users.card(NEWCOMER.id)).servers).toEqual([expect.objectContaining({ serverName: "Cabin & Co's", pending: true })]);
    expect(await bed.app.invites.pendingFor(NEWCOMER.id)).not.toBeNull();
  });

  it('takes the given end date', async () => {
    const until = new Date(bed.clock.now().getTime() + 100 * DAY);
    until.setUTCHours(0, 0, 0, 0);
    const result = await bed.app.invites.invite('newcomer', 'Cabin', { until });
    expect(result.endsAt.toISOString()).toBe(until.toISOString());
    expect((await bed.app.users.card(NEWCOMER.id)).defaultPayment?.endsAt).toEqual(until);
  });

  it('links the Discord member: the subscriber role and one welcome DM, sent with a nonce', async () => {
    const discordId = discordIdOf(NEWCOMER.id);
    const result = await bed.app.invites.invite('new@example.com', 'Cabin', { discordId });
    expect(result.warnings).toEqual([]);
    expect(result.user).toMatchObject({ plexId: NEWCOMER.id, discordId });
    expect(bed.discord.member(bed.h.env.DISCORD_GUILD_ID!, discordId)!.roles).toContain(ROLE_SUB);
    const dms = bed.discord.dms.filter((d) => d.userId === discordId);
    expect(dms).toHaveLength(1);
    expect(dms[0]!.content).toContain("Cabin & Co's");
    const creates = bed.discord.restLog.filter((e) => e.method === 'POST' && /\/channels\/\d+\/messages$/.test(e.path));
    for (const e of creates) expect(e.body).toMatchObject({ nonce: expect.any(String), enforce_nonce: true });
  });

  it('an e-mail with no Plex account stays pending until plex.tv shows the account, then the sync attaches it', async () => {
    const result = await bed.app.invites.invite('friend@example.org', 'Cabin', { discordId: discordIdOf(NEWCOMER.id) });
    expect(result.user).toBeNull();
    expect(result.shares).toHaveLength(1);
    const usersBefore = await count('users');
    expect((await bed.app.invites.pending()).map((p) => [p.invitedAs, p.status])).toEqual([['friend@example.org', 'awaiting-account']]);

    // Syncs while plex.tv has no account: the invite is neither lost nor turned into a user.
    await bed.app.usersSync().run();
    await bed.app.sharedServersSync().run();
    expect(await count('users')).toBe(usersBefore);
    expect(await bed.app.invites.pending()).toHaveLength(1);

    const plexId = bed.h.plex.createAccount('friend@example.org', 'friendly');
    const summary = await bed.app.usersSync().run();
    expect(summary.changes.created).toEqual([{ plexId, title: 'friendly', userClass: 'standard' }]);
    expect(summary.defaultPayments).toBe(0);
    const user = (await bed.app.users.list()).find((u) => u.plexId === plexId);
    expect(user).toMatchObject({ username: 'friendly', discordId: discordIdOf(NEWCOMER.id), needsReview: false });
    const plans = await bed.sql<{ name: string }>('SELECT pl.name FROM payments p JOIN plans pl ON pl.id = p.plan_id JOIN users u ON u.id = p.user_id WHERE u.plex_id = ?', [plexId]);
    expect(plans.map((p) => p.name)).toEqual(['Cabin']);
    expect((await bed.app.invites.pending()).map((p) => [p.plexId, p.status])).toEqual([[plexId, 'awaiting-acceptance']]);
  });

  it('already sharing: updates that share to the plan\'s libraries instead of creating another', async () => {
    // Zoë has a pending share of Cabin with Films only (share 5003).
    const result = await bed.app.invites.invite('zoe@example.com', 'Cabin');
    const zoe = cabinShares().filter((s) => s.user.username === 'zoe');
    expect(zoe).toHaveLength(1);
    expect(zoe[0]!.share).toMatchObject({ shareId: 5003, sectionIds: [201, 203] });
    expect(result.shares[0]).toMatchObject({ shareId: 5003, libraries: ['Films', 'Kids & Family'] });
    expect(bed.h.plex.requests.filter((r) => r.method === 'PUT').map((r) => r.path)).toEqual([`/api/servers/${SMALL_IDS.cabin}/shared_servers/5003`]);
    expect(result.user).toMatchObject({ plexId: 1002 });
  });

  it('a dry run says what it would do and writes nothing anywhere', async () => {
    const before = await bed.h.snapshot();
    const outbox = await count('outbox');
    const result = await bed.app.invites.invite('newcomer', 'Cabin', { dryRun: true, discordId: discordIdOf(NEWCOMER.id) });
    expect(result).toMatchObject({ dryRun: true, user: null, shares: [{ machineIdentifier: SMALL_IDS.cabin, shareId: null, libraries: ['Films', 'Kids & Family'], pending: true }] });
    expect(bed.h.plex.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(await bed.h.snapshot()).toEqual(before);
    expect(await count('invites')).toBe(0);
    expect(await count('outbox')).toBe(outbox);
    expect(bed.writes()).toEqual([]);
  });

  it('refuses a plan without access settings, naming the plan and plans set-access', async () => {
    await expect(bed.app.invites.invite('newcomer', 'Monthly')).rejects.toThrow(/plan "Monthly" has no access settings.*plans set-access "Monthly"/);
    expect(posts()).toEqual([]);
    expect(await count('invites')).toBe(0);
  });

  it('cancels a pending invite: unshared on plex.tv, the user removed', async () => {
    await bed.app.invites.invite('newcomer', 'Cabin');
    const shareId = cabinShares().find((s) => s.user.id === NEWCOMER.id)!.share.shareId;
    const result = await bed.app.invites.cancel('newcomer');
    expect(result).toMatchObject({ plexId: NEWCOMER.id, unshared: ["Cabin & Co's"], alreadyGone: [] });
    expect(bed.h.plex.deletedShares).toEqual([{ machineIdentifier: SMALL_IDS.cabin, shareId }]);
    expect((await bed.user(NEWCOMER.id)).removed_at).not.toBeNull();
    expect(await bed.app.invites.pending()).toEqual([]);
    await expect(bed.app.invites.cancel('newcomer')).rejects.toThrow(/no pending invite for "newcomer"/);
  });

  it('cancels an invite by e-mail that has no account yet, also when plex.tv already dropped the share', async () => {
    await bed.app.invites.invite('friend@example.org', 'Cabin');
    const shareId = cabinShares().find((s) => s.user.email === 'friend@example.org')!.share.shareId;
    bed.h.plex.update((a) => {
      for (const u of a.users) u.shares = u.shares.filter((s) => s.shareId !== shareId);
    });
    const result = await bed.app.invites.cancel('Friend@Example.org');
    expect(result).toMatchObject({ plexId: null, unshared: [], alreadyGone: ["Cabin & Co's"] });
    expect(await bed.app.invites.pending()).toEqual([]);
  });

  describe('faults: one line naming the user and the server, nothing recorded', () => {
    const shareRoute = new RegExp(`^/api/servers/${SMALL_IDS.cabin}/shared_servers$`);
    const nothingRecorded = async () => {
      expect(await count('users')).toBe(6);
      expect((await bed.sql('SELECT * FROM users WHERE plex_id = ?', [NEWCOMER.id])).length).toBe(0);
      expect(await bed.app.invites.pending()).toEqual([]);
    };

    it.each([
      [401, /could not share Cabin & Co's with newcomer: Plex rejected the token \(401\)/],
      [404, /Cabin & Co's is not one of your servers on plex\.tv \(404\) while inviting newcomer/],
      [429, /plex\.tv answered 429 .* to sharing Cabin & Co's with newcomer/],
      [503, /plex\.tv answered 503 to sharing Cabin & Co's with newcomer .*after 3 attempts/],
      [400, /plex\.tv answered 400 to sharing Cabin & Co's with newcomer/],
    ])('plex.tv answers %i', async (status, message) => {
      bed.h.plex.injectFault({ method: 'POST', path: shareRoute, status, times: Infinity, headers: status === 429 ? { 'Retry-After': '0' } : undefined });
      const failure = bed.app.invites.invite('newcomer', 'Cabin');
      await expect(failure).rejects.toThrow(message);
      await expect(failure).rejects.toThrow(/^[^\n]+\n[^\n]+$/);
      await nothingRecorded();
      expect(cabinShares().filter((s) => s.user.id === NEWCOMER.id)).toEqual([]);
    });

    it('a transient failure is finished by running the same invite again', async () => {
      bed.h.plex.injectFault({ method: 'POST', path: shareRoute, status: 503, times: 3 });
      await expect(bed.app.invites.invite('newcomer', 'Cabin')).rejects.toThrow(/run the same invite again/);
      await nothingRecorded();
      const result = await bed.app.invites.invite('newcomer', 'Cabin');
      expect(result.user).toMatchObject({ plexId: NEWCOMER.id });
      expect(await count('invites')).toBe(1);
    });
  });

  it('a crash after plex.tv made the share: the retry adopts it, one share on plex.tv', async () => {
    const real = new PlexSharingClient({ baseUrl: bed.h.plex.url, token: bed.h.env.PLEX_TOKEN!, clientIdentifier: 'test', retries: 0 });
    // The share reaches plex.tv, then the process dies before anything is recorded.
    const crashing: PlexSharingApi = {
      getServerLibraries: (mid) => real.getServerLibraries(mid),
      share: async (target) => {
        await real.share(target);
        throw new Error('process killed');
      },
      updateShare: (t) => real.updateShare(t),
      unshare: (t) => real.unshare(t),
    };
    const app = bed.app;
    const crashingService = new InviteService({
      store: app.store,
      clock: app.clock,
      planAccess: app.planAccess,
      sharing: () => crashing,
      plex: app.plex,
      users: app.users,
      defaultImportAs: 'standard',
      reconcileUser: (plexId) => app.lifecycle.reconcileUser(plexId),
      discord: () => {
        throw new Error('no Discord in this process');
      },
    });
    await expect(crashingService.invite('newcomer', 'Cabin')).rejects.toThrow('process killed');
    expect(cabinShares().filter((s) => s.user.id === NEWCOMER.id)).toHaveLength(1);
    expect((await bed.sql('SELECT * FROM users WHERE plex_id = ?', [NEWCOMER.id])).length).toBe(0);

    const result = await app.invites.invite('newcomer', 'Cabin');
    const onFake = cabinShares().filter((s) => s.user.id === NEWCOMER.id);
    expect(onFake).toHaveLength(1);
    expect(result.shares[0]!.shareId).toBe(onFake[0]!.share.shareId);
    expect(result.user).toMatchObject({ plexId: NEWCOMER.id });
    expect(await count('invites')).toBe(1);
  });
});
