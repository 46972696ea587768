import { DATABASE_KINDS } from '../support/databases';
import { T0 } from '../support/harness';
import { ADMIN_CHANNEL, DAY, discordIdOf, GUILD_ID, HOUR, ROLE_HIGH, ROLE_PERM, ROLE_SUB, SMALL_USERS as U, startLifecycleBed, type LifecycleBed } from '../support/lifecycle';

const END = new Date(T0.getTime() + 30 * DAY); // the default payment: one calendar month from T0 (Nov 25 → Dec 25)

describe.each(DATABASE_KINDS)('lifecycle roles on %s', (kind) => {
  let bed: LifecycleBed;
  afterEach(async () => {
    await bed?.close();
  });

  const rolesOf = (plexId: number) => bed.discord.member(GUILD_ID, discordIdOf(plexId))?.roles ?? [];

  it('changes only the roles that differ: subscriber for active, none for expired, permanent role for permanent users', async () => {
    bed = await startLifecycleBed(kind, [
      { plexId: U.obrien }, // active, no role yet → gets it
      { plexId: U.unal, roles: [ROLE_SUB] }, // active, has it → untouched
      { plexId: U.zoe, roles: [ROLE_SUB] }, // expired → loses it
      { plexId: U.kids, roles: [ROLE_SUB] }, // permanent → keeps whatever it has, gets the permanent role
      { plexId: U.grandma }, // standard, active, but no Discord ID stored → not ours
    ]);
    await bed.link([U.obrien, U.unal, U.zoe, U.kids, U.noShares]); // noShares is not in the guild
    await bed.setDefaultEnd(U.zoe, new Date(T0.getTime() - DAY));
    await bed.setClass(U.kids, 'permanent');
    await bed.setDefaultEnd(U.kids, new Date(T0.getTime() - 100 * DAY));

    const result = await bed.app.lifecycle.syncRoles();
    expect(result).toMatchObject({ rolesAdded: 2, rolesRemoved: 1, remindersSent: 0, expiredNotified: 0, removedFromPlex: 0 });
    expect(result.failures).toEqual([{ plexId: U.noShares, action: 'add-role', reason: expect.stringContaining('not a member') }]);
    expect(bed.discord.roleChanges.map((c) => [c.userId, c.roleId, c.action]).sort()).toEqual(
      [
        [discordIdOf(U.obrien), ROLE_SUB, 'add'],
        [discordIdOf(U.zoe), ROLE_SUB, 'remove'],
        [discordIdOf(U.kids), ROLE_PERM, 'add'],
      ].sort(),
    );
    expect(rolesOf(U.kids).sort()).toEqual([ROLE_PERM, ROLE_SUB].sort());
    expect(rolesOf(U.grandma)).toEqual([]);
    // One paginated read of the members, then one request per change.
    const gets = bed.discord.restLog.filter((e) => e.method === 'GET');
    expect(gets.map((e) => [e.path, e.query])).toEqual([[`/guilds/${GUILD_ID}/members`, 'limit=1000&after=0']]);
    expect(bed.writes()).toHaveLength(3);
    expect(bed.discord.roleChanges.every((c) => c.reason?.startsWith('streams-manager:'))).toBe(true);
    // The unknown member is recorded on the user.
    expect((await bed.user(U.noShares)).discord_missing_at).not.toBeNull();
    expect((await bed.user(U.obrien)).discord_missing_at).toBeNull();

    // In step now: nothing more to do.
    bed.discord.restLog.length = 0;
    bed.clock.advance(HOUR);
    const again = await bed.app.lifecycle.syncRoles();
    expect(again).toMatchObject({ rolesAdded: 0, rolesRemoved: 0 });
    expect(bed.writes()).toEqual([]);
    expect(bed.discord.violations).toEqual([]);
  });

  it('pages through a large member list with after=', async () => {
    const many = Array.from({ length: 2100 }, (_, i) => ({ plexId: 500_000 + i }));
    bed = await startLifecycleBed(kind, [{ plexId: U.obrien }, ...many]);
    await bed.link([U.obrien]);
    const result = await bed.app.lifecycle.syncRoles();
    expect(result.rolesAdded).toBe(1);
    const pages = bed.discord.restLog.filter((e) => e.method === 'GET' && e.path === `/guilds/${GUILD_ID}/members`);
    expect(pages).toHaveLength(3); // 2104 members: 1000 + 1000 + 104
    expect(pages[1]!.query).toMatch(/^limit=1000&after=\d{17,19}$/);
  });

  it('a renewal gives the role back; reconcileUser does it at once for one user', async () => {
    bed = await startLifecycleBed(kind, [{ plexId: U.obrien, roles: [ROLE_SUB] }, { plexId: U.unal }]);
    await bed.link([U.obrien, U.unal]);
    bed.clock.set(new Date(END.getTime() + HOUR));
    expect(await bed.app.lifecycle.syncRoles()).toMatchObject({ rolesRemoved: 1, rolesAdded: 0 });
    expect(rolesOf(U.obrien)).toEqual([]);

    // The admin records a payment; the bot calls reconcileUser right after.
    await bed.addPayment(U.obrien, bed.clock.now(), new Date(bed.clock.now().getTime() + 30 * DAY));
    bed.discord.restLog.length = 0;
    const one = await bed.app.lifecycle.reconcileUser(U.obrien);
    expect(one).toMatchObject({ rolesAdded: 1, rolesRemoved: 0, failures: [] });
    expect(rolesOf(U.obrien)).toEqual([ROLE_SUB]);
    // One member read and one role change: nobody else is looked at.
    expect(bed.discord.restLog.map((e) => `${e.method} ${e.path}`)).toEqual([
      `GET /guilds/${GUILD_ID}/members/${discordIdOf(U.obrien)}`,
      `PUT /guilds/${GUILD_ID}/members/${discordIdOf(U.obrien)}/roles/${ROLE_SUB}`,
    ]);
    expect(await bed.app.lifecycle.reconcileUser(U.obrien)).toMatchObject({ rolesAdded: 0, rolesRemoved: 0 });
  });

  it('missing permissions: one alert to the admin channel, the role is not tried again, the rest goes on', async () => {
    bed = await startLifecycleBed(
      kind,
      [{ plexId: U.obrien }, { plexId: U.unal }, { plexId: U.kids }],
      { DISCORD_SUBSCRIBER_ROLE_ID: ROLE_HIGH }, // above the bot's role
    );
    await bed.link([U.obrien, U.unal, U.kids]);
    await bed.setClass(U.kids, 'permanent');
    const result = await bed.app.lifecycle.syncRoles();
    expect(result.rolesAdded).toBe(1); // kids' permanent role still works
    expect(result.failures).toEqual([
      { plexId: U.obrien, action: 'add-role', reason: expect.stringContaining('50013') },
      { plexId: U.unal, action: 'add-role', reason: expect.stringContaining('50013') },
    ]);
    // Discord was asked once for the refused role, not once per member.
    expect(bed.discord.restLog.filter((e) => e.path.endsWith(`/roles/${ROLE_HIGH}`))).toHaveLength(1);
    const alerts = bed.discord.channelMessages.filter((m) => m.channelId === ADMIN_CHANNEL);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.content).toContain('Manage Roles');
    expect(alerts[0]!.message.mentions).toEqual([]);
    // The hourly job meets it again: still in the result, but the admin is not told again within the day.
    bed.clock.advance(HOUR);
    expect((await bed.app.lifecycle.syncRoles({ report: 'roles' })).failures).toHaveLength(2);
    expect(bed.discord.channelMessages.filter((m) => m.channelId === ADMIN_CHANNEL)).toHaveLength(2); // + the summary
    bed.clock.advance(HOUR);
    await bed.app.lifecycle.syncRoles({ report: 'roles' });
    expect(bed.discord.channelMessages.filter((m) => m.channelId === ADMIN_CHANNEL)).toHaveLength(2); // same failures: quiet
    bed.clock.advance(DAY);
    await bed.app.lifecycle.syncRoles({ report: 'roles' });
    expect(bed.discord.channelMessages.filter((m) => m.channelId === ADMIN_CHANNEL).map((m) => m.content)).toEqual([
      expect.stringContaining('Manage Roles'),
      expect.stringMatching(/^\*\*Lifecycle \(roles\)\*\*: .*failures 2/),
      expect.stringContaining('Manage Roles'),
    ]);
    expect(bed.discord.violations).toEqual([]);
  });

  it('unknown member (10007) between the list and the change is recorded and the job goes on', async () => {
    bed = await startLifecycleBed(kind, [{ plexId: U.obrien }, { plexId: U.unal }]);
    await bed.link([U.obrien, U.unal]);
    bed.discord.failNext({ method: 'PUT', path: new RegExp(`/members/${discordIdOf(U.obrien)}/roles/`), status: 404, code: 10007, message: 'Unknown Member' });
    const result = await bed.app.lifecycle.syncRoles();
    expect(result.rolesAdded).toBe(1);
    expect(result.failures).toEqual([{ plexId: U.obrien, action: 'add-role', reason: expect.stringContaining('10007') }]);
    expect((await bed.user(U.obrien)).discord_missing_at).not.toBeNull();
    expect(rolesOf(U.unal)).toEqual([ROLE_SUB]);
    // Found again next time: the mark goes.
    await bed.app.lifecycle.syncRoles();
    expect((await bed.user(U.obrien)).discord_missing_at).toBeNull();
  });
});
