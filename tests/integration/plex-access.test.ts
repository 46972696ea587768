import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/config/logger';
import type { PlexSharingApi } from '../../src/plex/plex-sharing.client';
import { SMALL_IDS } from '../fakes/plex/plex-data';
import { DATABASE_KINDS } from '../support/databases';
import { T0 } from '../support/harness';
import { paypalCsv } from '../support/payments';
import { ADMIN_CHANNEL, DAY, discordIdOf, GUILD_ID, HOUR, ROLE_SUB, SMALL_USERS as U, startLifecycleBed, type LifecycleBed } from '../support/lifecycle';

const END = new Date(T0.getTime() + 30 * DAY); // the default payment's end

describe.each(DATABASE_KINDS)('plex.tv access follows payments on %s', (kind) => {
  let bed: LifecycleBed;
  const extra: App[] = [];
  afterEach(async () => {
    for (const app of extra.splice(0)) await app.close();
    await bed?.close();
  });

  /** O'Brien (shares Living Room Movies+TV Shows and all of Cabin) on Monthly, which grants exactly that; removed by the lifecycle. */
  async function removedObrien(env: Record<string, string> = {}): Promise<void> {
    bed = await startLifecycleBed(kind, [{ plexId: U.obrien, roles: [ROLE_SUB] }], { REMOVE_AFTER_DAYS: '0', ...env });
    await bed.link([U.obrien]);
    await bed.onlyExpiring([U.obrien]);
    await bed.app.planAccess.setAccess('Monthly', SMALL_IDS.livingRoom, { kind: 'libraries', titles: ['Movies', 'TV Shows'] });
    await bed.app.planAccess.setAccess('Monthly', SMALL_IDS.cabin, { kind: 'all' });
    bed.clock.set(new Date(END.getTime() + HOUR));
    expect(await bed.app.lifecycle.run()).toMatchObject({ removedFromPlex: 1, restoredToPlex: 0, failures: [] });
    expect(sharesOfObrien()).toEqual([]);
    bed.h.plex.resetRequests();
  }

  const sharesOfObrien = () =>
    [SMALL_IDS.livingRoom, SMALL_IDS.cabin].flatMap((mid) =>
      bed.h.plex.sharesOf(mid).filter((s) => s.user.id === U.obrien).map((s) => ({ mid, shareId: s.share.shareId, sections: [...s.share.sectionIds].sort(), acceptedAt: s.share.acceptedAt })),
    );
  const shareRows = async (plexId: number) =>
    (
      await bed.sql<{ plex_share_id: number; machine_identifier: string; libraries: string }>(
        'SELECT s.plex_share_id, m.machine_identifier, s.libraries FROM shared_servers s JOIN users u ON u.id = s.user_id JOIN media_servers m ON m.id = s.server_id WHERE u.plex_id = ? ORDER BY m.machine_identifier',
        [plexId],
      )
    ).map((r) => ({ mid: r.machine_identifier, shareId: Number(r.plex_share_id), libraries: JSON.parse(r.libraries) as string[] }));
  const posts = () => bed.h.plex.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/shared_servers'));
  const writes = () => bed.h.plex.requests.filter((r) => r.method !== 'GET');
  const dmsTo = (plexId: number) => bed.discord.dms.filter((d) => d.userId === discordIdOf(plexId));
  const adminPosts = () => bed.discord.channelMessages.filter((m) => m.channelId === ADMIN_CHANNEL).map((m) => m.content);
  const payNow = async () => bed.addPayment(U.obrien, bed.clock.now(), new Date(bed.clock.now().getTime() + 30 * DAY));

  /** The same database and fakes, with the plex.tv sharing client wrapped. */
  async function appWithSharing(wrap: (real: PlexSharingApi) => PlexSharingApi): Promise<App> {
    const app = await createApp(loadConfig(bed.h.env), { clock: bed.clock, logger: createLogger('silent') });
    const wrapped = await createApp(loadConfig(bed.h.env), { clock: bed.clock, logger: createLogger('silent'), plexSharing: wrap(app.plexSharing()) });
    extra.push(app, wrapped);
    return wrapped;
  }

  it('removal then restore after a CSV import: shares back with the plan\'s libraries, pending, marks cleared, one DM, role back', async () => {
    await removedObrien();
    await bed.sql('UPDATE users SET paypal_email = ? WHERE plex_id = ?', ['obrien@example.com', U.obrien]);
    const day = bed.clock.now().toISOString().slice(0, 10).split('-');
    const summary = await bed.app.payments.importCsv(paypalCsv([{ date: `${day[1]}/${day[2]}/${day[0]}`, gross: '10.00', from: 'obrien@example.com', id: 'RESTORE1' }]));
    expect(summary.matched).toBe(1);
    // What the bot's afterPayments hook and the CLI do right after an import.
    const followed = await bed.app.lifecycle.followPayments();
    expect(followed).toMatchObject({ restoredToPlex: 1, failures: [] });
    expect(followed.steps).toEqual([expect.objectContaining({ plexId: U.obrien, action: 'plex-restore', detail: expect.stringContaining('Living Room (Movies, TV Shows)') })]);
    expect(sharesOfObrien()).toEqual([
      { mid: SMALL_IDS.livingRoom, shareId: expect.any(Number), sections: [101, 102], acceptedAt: 0 },
      { mid: SMALL_IDS.cabin, shareId: expect.any(Number), sections: [201, 202, 203], acceptedAt: 0 },
    ]);
    expect(posts()).toHaveLength(2);
    const fake = sharesOfObrien();
    expect(await shareRows(U.obrien)).toEqual(
      expect.arrayContaining([
        { mid: SMALL_IDS.livingRoom, shareId: fake[0]!.shareId, libraries: ['Movies', 'TV Shows'] },
        { mid: SMALL_IDS.cabin, shareId: fake[1]!.shareId, libraries: ['Films', 'Séries <HD>', 'Kids & Family'] },
      ]),
    );
    const user = await bed.user(U.obrien);
    expect(user.plex_removed_at).toBeNull();
    expect(user.plex_removed_end_at).toBeNull();
    expect(user.plex_access_error).toBeNull();
    expect(dmsTo(U.obrien).filter((d) => /accept it again in the Plex app/.test(d.content ?? ''))).toHaveLength(1);

    // The next run gives the role back and does nothing more on plex.tv, and sends no second DM.
    const dmsBefore = dmsTo(U.obrien).length;
    const run = await bed.app.lifecycle.run();
    expect(run).toMatchObject({ rolesAdded: 1, restoredToPlex: 0, plexAccessChanged: 0, removedFromPlex: 0, failures: [] });
    expect(bed.discord.member(GUILD_ID, discordIdOf(U.obrien))?.roles).toEqual([ROLE_SUB]);
    expect(posts()).toHaveLength(2);
    expect(dmsTo(U.obrien)).toHaveLength(dmsBefore);
  });

  it('the lifecycle run restores as a safety net; its dry run says who and writes nothing anywhere', async () => {
    await removedObrien();
    await payNow();
    const counts = async () => (await bed.sql<{ n: number }>('SELECT COUNT(*) AS n FROM outbox'))[0]!.n;
    const outboxBefore = Number(await counts());
    const userBefore = await bed.user(U.obrien);
    const dry = await bed.app.lifecycle.run({ dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, restoredToPlex: 1, failures: [] });
    expect(dry.steps).toContainEqual(expect.objectContaining({ plexId: U.obrien, action: 'plex-restore', detail: expect.stringContaining("share Cabin & Co's (all libraries)") }));
    expect(writes()).toEqual([]);
    expect(Number(await counts())).toBe(outboxBefore);
    expect(await bed.user(U.obrien)).toEqual(userBefore);
    expect(sharesOfObrien()).toEqual([]);

    const run = await bed.app.lifecycle.run();
    expect(run).toMatchObject({ restoredToPlex: 1, rolesAdded: 1, failures: [] });
    expect(sharesOfObrien()).toHaveLength(2);
    expect((await bed.user(U.obrien)).plex_removed_at).toBeNull();
  });

  it('a plan change updates the libraries and unshares a dropped server; permanent users and plans without access are untouched', async () => {
    bed = await startLifecycleBed(kind, [{ plexId: U.obrien, roles: [ROLE_SUB] }]);
    await bed.link([U.obrien]);
    await bed.onlyExpiring([]);
    await bed.app.catalog.createPlan({ name: 'Cinema', duration: '1m', price: '20.00', currency: 'USD' });
    await bed.app.catalog.createPlan({ name: 'Basic', duration: '1m', price: '5.00', currency: 'USD' });
    await bed.app.planAccess.setAccess('Monthly', SMALL_IDS.livingRoom, { kind: 'libraries', titles: ['Movies', 'TV Shows'] });
    await bed.app.planAccess.setAccess('Monthly', SMALL_IDS.cabin, { kind: 'all' });
    await bed.app.planAccess.setAccess('Cinema', SMALL_IDS.livingRoom, { kind: 'all' });
    // Everyone but O'Brien and Kids is on Basic (no access settings); Kids is permanent on Monthly.
    const basic = (await bed.sql<{ id: number }>("SELECT id FROM plans WHERE name = 'Basic'"))[0]!.id;
    await bed.sql(`UPDATE payments SET plan_id = ? WHERE user_id IN (SELECT id FROM users WHERE plex_id NOT IN (?, ?))`, [basic, U.obrien, U.kids]);
    await bed.setClass(U.kids, 'permanent');
    bed.h.plex.resetRequests();

    // O'Brien's shares already match Monthly: nothing to write for anyone.
    expect(await bed.app.lifecycle.followPayments()).toMatchObject({ plexAccessChanged: 0, restoredToPlex: 0, steps: [], failures: [] });
    expect(writes()).toEqual([]);

    const card = await bed.app.users.paymentForm(U.obrien);
    const edit = await bed.app.users.updateDefaultPayment(U.obrien, {
      plan: 'Cinema',
      startsAt: card.current!.startsAt.toISOString().slice(0, 10),
      endsAt: card.current!.endsAt.toISOString().slice(0, 10),
      subscriptionId: '',
    });
    expect(edit.ok).toBe(true);
    const changed = await bed.app.lifecycle.followPayments([U.obrien]);
    expect(changed).toMatchObject({ plexAccessChanged: 1, restoredToPlex: 0, failures: [] });
    expect(writes().map((w) => `${w.method} ${w.path}`).sort()).toEqual([
      `DELETE /api/servers/${SMALL_IDS.cabin}/shared_servers/5002`,
      `PUT /api/servers/${SMALL_IDS.livingRoom}/shared_servers/5001`,
    ]);
    expect(sharesOfObrien()).toEqual([{ mid: SMALL_IDS.livingRoom, shareId: 5001, sections: [101, 102, 103, 104], acceptedAt: expect.any(Number) }]);
    expect(await shareRows(U.obrien)).toEqual([{ mid: SMALL_IDS.livingRoom, shareId: 5001, libraries: ['Movies', 'TV Shows', 'Music', 'Photos'] }]);

    // A full run touches nobody else: Kids (permanent) and the Basic users keep their shares.
    bed.h.plex.resetRequests();
    expect(await bed.app.lifecycle.run()).toMatchObject({ plexAccessChanged: 0, restoredToPlex: 0, failures: [] });
    expect(writes()).toEqual([]);
  });

  it('400 "already sharing" adopts the existing share and sets its libraries', async () => {
    await removedObrien();
    // The admin shared Living Room again by hand (all libraries), not yet seen by a shares sync.
    bed.h.plex.update((a) => {
      a.users.find((u) => u.id === U.obrien)!.shares.push({ machineIdentifier: SMALL_IDS.livingRoom, shareId: 7001, invitedAt: 1_800_000_000, acceptedAt: 0, allLibraries: true, sectionIds: [101, 102, 103, 104] });
    });
    await payNow();
    expect(await bed.app.lifecycle.followPayments()).toMatchObject({ restoredToPlex: 1, failures: [] });
    expect(sharesOfObrien()).toEqual([
      { mid: SMALL_IDS.livingRoom, shareId: 7001, sections: [101, 102], acceptedAt: 0 },
      { mid: SMALL_IDS.cabin, shareId: expect.any(Number), sections: [201, 202, 203], acceptedAt: 0 },
    ]);
    expect(bed.h.plex.requests.filter((r) => r.method === 'PUT').map((r) => r.path)).toEqual([`/api/servers/${SMALL_IDS.livingRoom}/shared_servers/7001`]);
    expect((await shareRows(U.obrien)).find((s) => s.mid === SMALL_IDS.livingRoom)).toEqual({ mid: SMALL_IDS.livingRoom, shareId: 7001, libraries: ['Movies', 'TV Shows'] });
  });

  it('404 on a library change (the share is gone) shares the server anew', async () => {
    bed = await startLifecycleBed(kind, [{ plexId: U.obrien, roles: [ROLE_SUB] }]);
    await bed.onlyExpiring([]);
    await bed.app.planAccess.setAccess('Monthly', SMALL_IDS.livingRoom, { kind: 'all' });
    bed.h.plex.update((a) => {
      a.users.find((u) => u.id === U.obrien)!.shares = [];
    });
    bed.h.plex.resetRequests();
    const result = await bed.app.lifecycle.followPayments([U.obrien]);
    expect(result).toMatchObject({ plexAccessChanged: 1, failures: [] });
    expect(bed.h.plex.requests.filter((r) => r.method !== 'GET').map((r) => r.method)).toEqual(['PUT', 'POST']);
    const [share] = sharesOfObrien();
    expect(share).toEqual({ mid: SMALL_IDS.livingRoom, shareId: expect.any(Number), sections: [101, 102, 103, 104], acceptedAt: 0 });
    expect((await shareRows(U.obrien)).find((s) => s.mid === SMALL_IDS.livingRoom)?.shareId).toBe(share!.shareId);
  });

  it('5xx leaves the user marked to restore, the admin told once, retried by the next run', async () => {
    await removedObrien();
    await payNow();
    bed.h.plex.injectFault({ method: 'POST', path: /\/shared_servers$/, status: 503, times: Infinity });
    const first = await bed.app.lifecycle.run({ report: 'daily' });
    expect(first).toMatchObject({ restoredToPlex: 0 });
    expect(first.failures).toEqual([expect.objectContaining({ plexId: U.obrien, action: 'plex-restore', reason: expect.stringMatching(/503.*retried next run/) })]);
    const marked = await bed.user(U.obrien);
    expect(marked.plex_access_error).toMatch(/503/);
    expect(marked.plex_removed_at).not.toBeNull();
    const alerts = () => adminPosts().filter((p) => p.includes("Could not give back O'Brien"));
    expect(alerts()).toHaveLength(1);

    bed.clock.advance(2 * DAY);
    expect((await bed.app.lifecycle.run()).failures).toHaveLength(1);
    expect(alerts()).toHaveLength(1);

    bed.h.plex.clearFaults();
    bed.clock.advance(DAY);
    expect(await bed.app.lifecycle.run()).toMatchObject({ restoredToPlex: 1, failures: [] });
    expect(sharesOfObrien()).toHaveLength(2);
    expect((await bed.user(U.obrien)).plex_access_error).toBeNull();
  });

  it('429 with Retry-After is waited out; 401 stops, tells the admin, and the next run restores', async () => {
    await removedObrien();
    await payNow();
    bed.h.plex.injectFault({ method: 'POST', path: /\/shared_servers$/, status: 429, headers: { 'Retry-After': '1' }, times: 1 });
    const started = Date.now();
    expect(await bed.app.lifecycle.followPayments()).toMatchObject({ restoredToPlex: 1, failures: [] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(posts()).toHaveLength(3);

    // Expire and remove again, then a 401 on the restore.
    bed.clock.advance(31 * DAY);
    expect(await bed.app.lifecycle.run()).toMatchObject({ removedFromPlex: 1 });
    await payNow();
    bed.h.plex.injectFault({ method: 'POST', path: /\/shared_servers$/, status: 401, times: 1 });
    const refused = await bed.app.lifecycle.run();
    expect(refused.restoredToPlex).toBe(0);
    expect(refused.failures).toContainEqual(expect.objectContaining({ action: 'plex-restore', reason: expect.stringContaining('PLEX_TOKEN') }));
    expect(adminPosts().some((p) => p.includes('I cannot change shares on plex.tv'))).toBe(true);
    expect((await bed.user(U.obrien)).plex_access_error).toMatch(/401/);
    expect(await bed.app.lifecycle.run()).toMatchObject({ restoredToPlex: 1, failures: [] });
    expect(sharesOfObrien()).toHaveLength(2);
  });

  it('a share created on plex.tv but not recorded (lost answer) is adopted by the retry: one POST, no duplicate', async () => {
    await removedObrien();
    await payNow();
    let lost = true;
    const app = await appWithSharing((real) => ({
      getServerLibraries: (mid) => real.getServerLibraries(mid),
      updateShare: (t) => real.updateShare(t),
      unshare: (t) => real.unshare(t),
      async share(t) {
        const created = await real.share(t);
        if (lost && t.machineIdentifier === SMALL_IDS.livingRoom) {
          lost = false;
          throw new Error('socket hang up');
        }
        return created;
      },
    }));
    const first = await app.lifecycle.followPayments();
    expect(first.restoredToPlex).toBe(0);
    expect(first.failures).toEqual([expect.objectContaining({ plexId: U.obrien, action: 'plex-restore' })]);
    expect(bed.h.plex.sharesOf(SMALL_IDS.livingRoom).filter((s) => s.user.id === U.obrien)).toHaveLength(1);

    expect(await app.lifecycle.run()).toMatchObject({ restoredToPlex: 1, failures: [] });
    const livingRoomPosts = posts().filter((r) => r.path.includes(SMALL_IDS.livingRoom));
    expect(livingRoomPosts).toHaveLength(1);
    expect(bed.h.plex.sharesOf(SMALL_IDS.livingRoom).filter((s) => s.user.id === U.obrien)).toHaveLength(1);
    const [lr] = sharesOfObrien();
    expect((await shareRows(U.obrien)).find((s) => s.mid === SMALL_IDS.livingRoom)?.shareId).toBe(lr!.shareId);
  });

  it('shares created on plex.tv whose settling transaction never committed (a crash) are adopted by the next run: no second POST', async () => {
    await removedObrien();
    await payNow();
    // The database refuses to settle any outbox entry, as if the process died right after plex.tv answered.
    const trigger =
      kind === 'sqlite'
        ? "CREATE TRIGGER crash_on_settle BEFORE UPDATE ON outbox WHEN NEW.done_at IS NOT NULL BEGIN SELECT RAISE(ABORT, 'crash before settling'); END"
        : "CREATE TRIGGER crash_on_settle BEFORE UPDATE ON outbox FOR EACH ROW BEGIN IF NEW.done_at IS NOT NULL THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'crash before settling'; END IF; END";
    await bed.sql(trigger);
    await expect(bed.app.lifecycle.followPayments()).rejects.toThrow(/crash before settling/);
    expect(posts()).toHaveLength(2);
    const created = sharesOfObrien();
    expect(created).toHaveLength(2);
    expect(await shareRows(U.obrien)).toEqual([]);
    expect((await bed.user(U.obrien)).plex_removed_at).not.toBeNull();

    await bed.sql('DROP TRIGGER crash_on_settle');
    expect(await bed.app.lifecycle.followPayments()).toMatchObject({ restoredToPlex: 1, failures: [] });
    expect(posts()).toHaveLength(2);
    expect(sharesOfObrien()).toEqual(created);
    expect((await shareRows(U.obrien)).map((r) => r.shareId).sort()).toEqual(created.map((c) => c.shareId).sort());
    expect((await bed.user(U.obrien)).plex_removed_at).toBeNull();
  });
});
