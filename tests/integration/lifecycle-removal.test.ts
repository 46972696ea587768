import { SMALL_IDS } from '../fakes/plex/plex-data';
import { DATABASE_KINDS } from '../support/databases';
import { DOMAIN_TABLES, T0 } from '../support/harness';
import { DAY, discordIdOf, GUILD_ID, HOUR, ROLE_PERM, ROLE_SUB, SMALL_USERS as U, startLifecycleBed, type LifecycleBed } from '../support/lifecycle';

const END = new Date(T0.getTime() + 30 * DAY); // 2026-12-25T12:00Z, the default payment's end

describe.each(DATABASE_KINDS)('lifecycle expiry and removal from Plex on %s', (kind) => {
  let bed: LifecycleBed;
  afterEach(async () => {
    await bed?.close();
  });

  const shareRows = async (plexId: number) =>
    bed.sql('SELECT s.plex_share_id FROM shared_servers s JOIN users u ON u.id = s.user_id WHERE u.plex_id = ? ORDER BY s.plex_share_id', [plexId]);

  it('expiry: notice and role removed at once, shares removed on plex.tv after the grace days, a renewal gives the role back', async () => {
    bed = await startLifecycleBed(kind, [{ plexId: U.obrien, roles: [ROLE_SUB] }, { plexId: U.kids, roles: [] }]);
    await bed.link([U.obrien, U.kids]);
    await bed.onlyExpiring([U.obrien, U.kids]);
    // Kids is permanent, with a payment that ended long ago: never expires, never removed, no DM.
    await bed.setClass(U.kids, 'permanent');
    await bed.setDefaultEnd(U.kids, new Date(T0.getTime() - 300 * DAY));

    bed.clock.set(new Date(END.getTime() + HOUR));
    const first = await bed.app.lifecycle.run();
    expect(first).toMatchObject({ expiredNotified: 1, rolesRemoved: 1, rolesAdded: 1, removedFromPlex: 0, failures: [] });
    expect(bed.h.plex.deletedShares).toEqual([]);
    const soon = await bed.app.lifecycle.expiring(7);
    expect(soon.dueForRemoval).toEqual([
      expect.objectContaining({ plexId: U.obrien, removeAt: '2027-01-01T12:00:00.000Z', overdue: false, servers: expect.arrayContaining(['Living Room', "Cabin & Co's"]) }),
    ]);

    bed.clock.set(new Date(END.getTime() + 7 * DAY - HOUR));
    expect((await bed.app.lifecycle.run()).removedFromPlex).toBe(0);

    bed.clock.set(new Date(END.getTime() + 7 * DAY));
    const removal = await bed.app.lifecycle.run();
    expect(removal).toMatchObject({ removedFromPlex: 1, expiredNotified: 0, failures: [] });
    expect(bed.h.plex.deletedShares.sort((a, b) => a.shareId - b.shareId)).toEqual([
      { machineIdentifier: SMALL_IDS.livingRoom, shareId: 5001 },
      { machineIdentifier: SMALL_IDS.cabin, shareId: 5002 },
    ]);
    expect(await shareRows(U.obrien)).toEqual([]);
    const log = await bed.sql<{ plex_share_id: number; server_name: string }>('SELECT plex_share_id, server_name FROM plex_removals ORDER BY plex_share_id');
    expect(log.map((r) => [Number(r.plex_share_id), r.server_name])).toEqual([[5001, 'Living Room'], [5002, "Cabin & Co's"]]);
    const obrien = await bed.user(U.obrien);
    expect(obrien.plex_removal_due_at).toBeNull();
    expect(obrien.plex_removed_at).not.toBeNull();
    // Kids (permanent) kept its share and got no DM.
    expect(await shareRows(U.kids)).toEqual([{ plex_share_id: expect.anything() }]);
    expect(bed.discord.dms.filter((d) => d.userId === discordIdOf(U.kids))).toEqual([]);
    expect(bed.discord.member(GUILD_ID, discordIdOf(U.kids))?.roles).toEqual([ROLE_PERM]);

    // Nothing more to do on the next run.
    bed.clock.advance(DAY);
    expect(await bed.app.lifecycle.run()).toMatchObject({ removedFromPlex: 0, expiredNotified: 0, rolesRemoved: 0, rolesAdded: 0 });
    expect(bed.h.plex.deletedShares).toHaveLength(2);

    // The admin records a payment (and re-invites on Plex): the role comes back.
    await bed.addPayment(U.obrien, bed.clock.now(), new Date(bed.clock.now().getTime() + 30 * DAY));
    expect(await bed.app.lifecycle.run()).toMatchObject({ rolesAdded: 1, removedFromPlex: 0 });
    expect(bed.discord.member(GUILD_ID, discordIdOf(U.obrien))?.roles).toEqual([ROLE_SUB]);
  });

  it('REMOVE_AFTER_DAYS=0 removes at once; an expired user re-invited without a new payment is not removed again', async () => {
    bed = await startLifecycleBed(kind, [{ plexId: U.unal, roles: [ROLE_SUB] }], { REMOVE_AFTER_DAYS: '0' });
    await bed.link([U.unal]);
    await bed.onlyExpiring([U.unal]);
    bed.clock.set(new Date(END.getTime() + HOUR));
    expect(await bed.app.lifecycle.run()).toMatchObject({ expiredNotified: 1, rolesRemoved: 1, removedFromPlex: 1 });
    expect(bed.h.plex.deletedShares).toEqual([{ machineIdentifier: SMALL_IDS.livingRoom, shareId: 5005 }]);
    // The share sync brings a share back (the admin re-invited for a few free days): left alone.
    await bed.app.sharedServersSync().run();
    bed.h.plex.update((a) => {
      a.users.find((u) => u.id === U.unal)!.shares = [
        { machineIdentifier: SMALL_IDS.livingRoom, shareId: 6005, invitedAt: 1_700_000_000, acceptedAt: 1_700_000_100, allLibraries: true, sectionIds: [101] },
      ];
    });
    await bed.app.sharedServersSync().run();
    expect(await shareRows(U.unal)).toHaveLength(1);
    bed.clock.advance(DAY);
    expect((await bed.app.lifecycle.run()).removedFromPlex).toBe(0);
    expect(bed.h.plex.deletedShares).toHaveLength(1);
  });

  it('a crash between the shares\' deletion and the completion cannot split them: a re-invited user is not removed again', async () => {
    bed = await startLifecycleBed(kind, [{ plexId: U.unal }], { REMOVE_AFTER_DAYS: '0' });
    await bed.onlyExpiring([U.unal]);
    // The database refuses the completion (users.plex_removed_at), after the share rows were deleted and logged.
    if (kind === 'sqlite') {
      await bed.sql("CREATE TRIGGER fail_completion BEFORE UPDATE OF plex_removed_at ON users BEGIN SELECT RAISE(ABORT, 'disk on fire'); END");
    } else {
      await bed.sql(
        "CREATE TRIGGER fail_completion BEFORE UPDATE ON users FOR EACH ROW BEGIN IF NEW.plex_removed_at <=> OLD.plex_removed_at THEN SET @ok = 1; ELSE SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'disk on fire'; END IF; END",
      );
    }
    bed.clock.set(new Date(END.getTime() + HOUR));
    const crashed = await bed.app.lifecycle.run();
    expect(crashed.removedFromPlex).toBe(0);
    expect(crashed.failures).toEqual([{ plexId: U.unal, action: 'plex-removal', reason: expect.stringContaining('disk on fire') }]);
    expect(bed.h.plex.deletedShares).toEqual([{ machineIdentifier: SMALL_IDS.livingRoom, shareId: 5005 }]);
    // All or nothing: the share row and the log wait for the completion.
    expect(await shareRows(U.unal)).toHaveLength(1);
    expect(await bed.sql('SELECT id FROM plex_removals')).toEqual([]);
    await bed.sql('DROP TRIGGER fail_completion');

    // The next run finds the share gone on plex.tv (404) and records the removal whole.
    bed.clock.advance(DAY);
    expect(await bed.app.lifecycle.run()).toMatchObject({ removedFromPlex: 1, failures: [] });
    expect(await shareRows(U.unal)).toEqual([]);
    expect((await bed.user(U.unal)).plex_removed_end_at).not.toBeNull();

    // The admin re-invites them for a few free days: left alone.
    bed.h.plex.update((a) => {
      a.users.find((u) => u.id === U.unal)!.shares = [
        { machineIdentifier: SMALL_IDS.livingRoom, shareId: 6005, invitedAt: 1_700_000_000, acceptedAt: 1_700_000_100, allLibraries: true, sectionIds: [101] },
      ];
    });
    await bed.app.sharedServersSync().run();
    expect(await shareRows(U.unal)).toHaveLength(1);
    bed.clock.advance(DAY);
    expect((await bed.app.lifecycle.run()).removedFromPlex).toBe(0);
    expect(bed.h.plex.deletedShares).toHaveLength(1);
  });

  it('a plex.tv failure leaves the user marked for removal and the next run retries', async () => {
    bed = await startLifecycleBed(kind, [{ plexId: U.obrien }], { REMOVE_AFTER_DAYS: '0' });
    await bed.link([U.obrien]);
    await bed.onlyExpiring([U.obrien]);
    bed.h.plex.injectFault({ method: 'DELETE', path: new RegExp(`/shared_servers/5002$`), status: 500, times: Infinity });
    bed.clock.set(new Date(END.getTime() + HOUR));
    const failed = await bed.app.lifecycle.run();
    expect(failed.removedFromPlex).toBe(0);
    expect(failed.failures).toEqual([{ plexId: U.obrien, action: 'plex-removal', reason: expect.stringContaining('plex.tv answered 500') }]);
    expect(failed.failures[0]!.reason).not.toContain(bed.h.env.PLEX_TOKEN);
    // The share that went is gone here too; the other stays, and so does the mark.
    expect((await shareRows(U.obrien)).map((r) => Number(r.plex_share_id))).toEqual([5002]);
    const marked = await bed.user(U.obrien);
    expect(marked.plex_removal_due_at).not.toBeNull();
    expect(marked.plex_removal_error).toContain('500');
    expect((await bed.app.lifecycle.expiring(0)).dueForRemoval).toEqual([
      expect.objectContaining({ plexId: U.obrien, overdue: true, servers: ["Cabin & Co's"], lastError: expect.stringContaining('500') }),
    ]);

    bed.h.plex.clearFaults();
    bed.clock.advance(DAY);
    const retried = await bed.app.lifecycle.run();
    expect(retried).toMatchObject({ removedFromPlex: 1, failures: [], expiredNotified: 0 });
    expect(await shareRows(U.obrien)).toEqual([]);
    const done = await bed.user(U.obrien);
    expect(done.plex_removal_due_at).toBeNull();
    expect(done.plex_removal_error).toBeNull();
    expect((await bed.app.lifecycle.expiring(30)).dueForRemoval).toEqual([]);
  });

  it('a share already gone on plex.tv (404) counts as removed', async () => {
    bed = await startLifecycleBed(kind, [], { REMOVE_AFTER_DAYS: '0' });
    await bed.onlyExpiring([U.obrien]);
    // Someone unshared Living Room on plex.tv by hand; our shares table has not heard of it yet.
    bed.h.plex.update((a) => {
      const obrien = a.users.find((u) => u.id === U.obrien)!;
      obrien.shares = obrien.shares.filter((sh) => sh.shareId !== 5001);
    });
    bed.clock.set(new Date(END.getTime() + HOUR));
    expect(await bed.app.lifecycle.run()).toMatchObject({ removedFromPlex: 1, failures: [] });
    expect(bed.h.plex.deletedShares).toEqual([{ machineIdentifier: SMALL_IDS.cabin, shareId: 5002 }]);
    expect(await shareRows(U.obrien)).toEqual([]);
  });

  it('a dry run, even on another date, touches nothing: no Discord or plex.tv writes, no database writes', async () => {
    bed = await startLifecycleBed(kind, [{ plexId: U.obrien, roles: [ROLE_SUB] }, { plexId: U.unal }]);
    await bed.link([U.obrien, U.unal]);
    await bed.onlyExpiring([U.obrien, U.unal]);
    const tables = [...DOMAIN_TABLES, 'payment_notices', 'plex_removals', 'locks'];
    const snapshot = async () => Promise.all(tables.map((t) => bed.sql(`SELECT * FROM ${t}`)));
    const before = await snapshot();

    const preview = await bed.app.lifecycle.run({ dryRun: true, at: new Date(END.getTime() + 8 * DAY) });
    expect(preview).toMatchObject({ dryRun: true, at: '2027-01-02T12:00:00.000Z', rolesRemoved: 1, rolesAdded: 0, expiredNotified: 2, removedFromPlex: 2, failures: [] });
    expect(preview.steps).toEqual(
      expect.arrayContaining([
        { plexId: U.obrien, title: "O'Brien & Søn", action: 'remove-role', detail: 'take away the subscriber role' },
        expect.objectContaining({ plexId: U.unal, action: 'plex-removal', detail: 'unshare Living Room' }),
      ]),
    );
    const reminders = await bed.app.lifecycle.run({ dryRun: true, at: new Date(END.getTime() - 2 * DAY) });
    expect(reminders).toMatchObject({ remindersSent: 2, rolesAdded: 1 });

    expect(await snapshot()).toEqual(before);
    expect(bed.writes()).toEqual([]);
    expect(bed.h.plex.deletedShares).toEqual([]);
    await expect(bed.app.lifecycle.run({ at: new Date() })).rejects.toThrow(/only possible as a dry run/);
  });

  it('expiring(days): who loses access within N days, recurring ones flagged, permanent users never', async () => {
    bed = await startLifecycleBed(kind, []);
    await bed.setClass(U.kids, 'permanent');
    await bed.setDefaultEnd(U.zoe, new Date(T0.getTime() + 2 * DAY));
    await bed.sql('UPDATE payments SET subscription_id = ? WHERE user_id = (SELECT id FROM users WHERE plex_id = ?)', ['sub_7867632387ddd', U.zoe]);
    await bed.setDefaultEnd(U.unal, new Date(T0.getTime() - 3 * DAY));
    const report = await bed.app.lifecycle.expiring(7);
    expect(report).toMatchObject({ at: T0.toISOString(), days: 7 });
    expect(report.expiring).toEqual([
      { plexId: U.zoe, title: 'Zoë', username: 'zoe', discordId: null, plan: 'Monthly', endsAt: '2026-11-27T12:00:00.000Z', daysLeft: 2, recurring: true },
    ]);
    expect(report.dueForRemoval.map((r) => [r.plexId, r.removeAt, r.overdue])).toEqual([[U.unal, '2026-11-29T12:00:00.000Z', false]]);
    const month = await bed.app.lifecycle.expiring(31);
    expect(month.expiring.map((u) => u.plexId).sort()).toEqual([U.obrien, U.zoe, U.noShares, U.grandma].sort());
  });
});
