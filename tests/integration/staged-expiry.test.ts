import { SMALL_IDS } from '../fakes/plex/plex-data';
import { DATABASE_KINDS } from '../support/databases';
import { T0 } from '../support/harness';
import { DAY, discordIdOf, HOUR, ROLE_PERM, ROLE_SUB, SMALL_USERS as U, startLifecycleBed, type LifecycleBed } from '../support/lifecycle';

const END = new Date(T0.getTime() + 30 * DAY); // the default payment's end
const GRACE = 3;
const RENEW = 10;
const REDUCE_AT = new Date(END.getTime() + GRACE * DAY);

describe.each(DATABASE_KINDS)('staged expiry (renew libraries, then removal) on %s', (kind) => {
  let bed: LifecycleBed;
  afterEach(async () => {
    await bed?.close();
  });

  /**
   * O'Brien (Living Room Movies+TV Shows as share 5001, all of Cabin as 5002) on Monthly, which
   * grants exactly that and keeps Living Room's Photos for RENEW days once expired; Ünal (all of
   * Living Room, 5005) on Basic, which has access settings but no renew stage; Kids permanent on
   * Monthly with a payment that ended long ago. O'Brien and Ünal expire at END.
   */
  async function start(): Promise<void> {
    bed = await startLifecycleBed(kind, [{ plexId: U.obrien, roles: [ROLE_SUB] }, { plexId: U.kids, roles: [ROLE_PERM] }], { REMOVE_AFTER_DAYS: String(GRACE) });
    await bed.link([U.obrien]);
    await bed.onlyExpiring([U.obrien, U.unal, U.kids]);
    await bed.setClass(U.kids, 'permanent');
    await bed.setDefaultEnd(U.kids, new Date(T0.getTime() - 300 * DAY));
    await bed.app.planAccess.setAccess('Monthly', SMALL_IDS.livingRoom, { kind: 'libraries', titles: ['Movies', 'TV Shows'] });
    await bed.app.planAccess.setAccess('Monthly', SMALL_IDS.cabin, { kind: 'all' });
    await bed.app.planAccess.setRenew('Monthly', SMALL_IDS.livingRoom, { kind: 'libraries', titles: ['Photos'], days: RENEW });
    await bed.app.catalog.createPlan({ name: 'Basic', duration: '1m', price: '5.00', currency: 'USD' });
    await bed.app.planAccess.setAccess('Basic', SMALL_IDS.livingRoom, { kind: 'all' });
    await bed.sql('UPDATE payments SET plan_id = ? WHERE user_id IN (SELECT id FROM users WHERE plex_id = ?)', [await planId('Basic'), U.unal]);
    // Everyone else pays for a plan without access settings: their shares are not this test's business.
    await bed.app.catalog.createPlan({ name: 'Other', duration: '1m', price: '1.00', currency: 'USD' });
    await bed.sql('UPDATE payments SET plan_id = ? WHERE user_id IN (SELECT id FROM users WHERE plex_id NOT IN (?, ?, ?))', [await planId('Other'), U.obrien, U.unal, U.kids]);
    bed.h.plex.resetRequests();
  }

  const planId = async (name: string) => Number((await bed.sql<{ id: number }>('SELECT id FROM plans WHERE name = ?', [name]))[0]!.id);
  /** A renewal on Monthly from now. */
  const payMonthly = async (plexId: number) => {
    const userId = Number((await bed.sql<{ id: number }>('SELECT id FROM users WHERE plex_id = ?', [plexId]))[0]!.id);
    const plan = await planId('Monthly');
    const now = bed.clock.now();
    await bed.app.store.transaction((r) =>
      r.payments.insertMany(
        [{ userId, planId: plan, startsAt: now, endsAt: new Date(now.getTime() + 30 * DAY), amountCents: 1000, currency: 'USD', subscriptionId: null, transactionId: null, source: 'manual', isDefault: false }],
        now,
      ),
    );
  };
  const sharesOf = (plexId: number) =>
    [SMALL_IDS.livingRoom, SMALL_IDS.cabin].flatMap((mid) =>
      bed.h.plex.sharesOf(mid).filter((s) => s.user.id === plexId).map((s) => ({ mid, shareId: s.share.shareId, sections: [...s.share.sectionIds].sort() })),
    );
  const shareRows = async (plexId: number) =>
    (
      await bed.sql<{ plex_share_id: number; machine_identifier: string; libraries: string }>(
        'SELECT s.plex_share_id, m.machine_identifier, s.libraries FROM shared_servers s JOIN users u ON u.id = s.user_id JOIN media_servers m ON m.id = s.server_id WHERE u.plex_id = ? ORDER BY m.machine_identifier',
        [plexId],
      )
    ).map((r) => ({ mid: r.machine_identifier, shareId: Number(r.plex_share_id), libraries: JSON.parse(r.libraries) as string[] }));
  const writes = () => bed.h.plex.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`).sort();
  const reducedAt = async (plexId: number) => (await bed.user(plexId)).plex_reduced_at;
  const REDUCED = [{ mid: SMALL_IDS.livingRoom, shareId: 5001, sections: [104] }];

  it('after the grace days the shares go down to the renew libraries, and only the renew days later are removed; other plans and permanent users as before', async () => {
    await start();
    bed.clock.set(new Date(END.getTime() + HOUR));
    expect(await bed.app.lifecycle.run()).toMatchObject({ reducedToRenew: 0, removedFromPlex: 0, failures: [] });
    bed.clock.set(new Date(REDUCE_AT.getTime() - HOUR));
    expect(await bed.app.lifecycle.run()).toMatchObject({ reducedToRenew: 0, removedFromPlex: 0, failures: [] });
    expect(writes()).toEqual([]);

    bed.clock.set(REDUCE_AT);
    const reduced = await bed.app.lifecycle.run();
    // Ünal's plan has no renew stage: removed at the end of the grace days, as always.
    expect(reduced).toMatchObject({ reducedToRenew: 1, removedFromPlex: 1, failures: [] });
    expect(reduced.steps.filter((s) => s.action === 'plex-reduce')).toEqual([
      {
        plexId: U.obrien,
        title: expect.any(String),
        action: 'plex-reduce',
        detail: `reduced to renew libraries: change libraries on Living Room (Photos); unshare Cabin & Co's; removal ${RENEW} day(s) later`,
      },
    ]);
    expect(writes()).toEqual(
      [
        `DELETE /api/servers/${SMALL_IDS.cabin}/shared_servers/5002`,
        `DELETE /api/servers/${SMALL_IDS.livingRoom}/shared_servers/5005`,
        `PUT /api/servers/${SMALL_IDS.livingRoom}/shared_servers/5001`,
      ].sort(),
    );
    expect(sharesOf(U.obrien)).toEqual(REDUCED);
    expect(await shareRows(U.obrien)).toEqual([{ mid: SMALL_IDS.livingRoom, shareId: 5001, libraries: ['Photos'] }]);
    expect(await reducedAt(U.obrien)).not.toBeNull();
    expect((await bed.user(U.obrien)).plex_removed_at).toBeNull();
    expect(sharesOf(U.unal)).toEqual([]);
    // Kids (permanent, long expired payment on the same plan) keeps its share.
    expect(bed.h.plex.sharesOf(SMALL_IDS.livingRoom).filter((s) => s.user.id === U.kids)).toHaveLength(1);
    const due = await bed.app.lifecycle.expiring(RENEW + 1);
    expect(due.dueForRemoval).toEqual([expect.objectContaining({ plexId: U.obrien, removeAt: new Date(REDUCE_AT.getTime() + RENEW * DAY).toISOString(), servers: ['Living Room'] })]);

    // The stage holds: nothing more to do until its days are over.
    bed.h.plex.resetRequests();
    bed.clock.set(new Date(REDUCE_AT.getTime() + DAY));
    expect(await bed.app.lifecycle.run()).toMatchObject({ reducedToRenew: 0, removedFromPlex: 0, plexAccessChanged: 0, failures: [] });
    bed.clock.set(new Date(REDUCE_AT.getTime() + RENEW * DAY - HOUR));
    expect(await bed.app.lifecycle.run()).toMatchObject({ reducedToRenew: 0, removedFromPlex: 0, failures: [] });
    expect(writes()).toEqual([]);

    bed.clock.set(new Date(REDUCE_AT.getTime() + RENEW * DAY));
    expect(await bed.app.lifecycle.run()).toMatchObject({ reducedToRenew: 0, removedFromPlex: 1, failures: [] });
    expect(writes()).toEqual([`DELETE /api/servers/${SMALL_IDS.livingRoom}/shared_servers/5001`]);
    expect(sharesOf(U.obrien)).toEqual([]);
    const removed = await bed.user(U.obrien);
    expect(removed.plex_removed_at).not.toBeNull();
    expect(removed.plex_reduced_at).toBeNull();
    expect(bed.h.plex.sharesOf(SMALL_IDS.livingRoom).filter((s) => s.user.id === U.kids)).toHaveLength(1);

    bed.h.plex.resetRequests();
    bed.clock.advance(DAY);
    expect(await bed.app.lifecycle.run()).toMatchObject({ reducedToRenew: 0, removedFromPlex: 0, failures: [] });
    expect(writes()).toEqual([]);
  });

  it('a payment during the renew stage brings the full set back (libraries and the unshared server), one DM, no removal later', async () => {
    await start();
    bed.clock.set(REDUCE_AT);
    expect(await bed.app.lifecycle.run()).toMatchObject({ reducedToRenew: 1 });
    expect(sharesOf(U.obrien)).toEqual(REDUCED);

    bed.clock.advance(2 * DAY);
    await payMonthly(U.obrien);
    const followed = await bed.app.lifecycle.followPayments([U.obrien]);
    expect(followed).toMatchObject({ restoredToPlex: 1, failures: [] });
    expect(sharesOf(U.obrien)).toEqual([
      { mid: SMALL_IDS.livingRoom, shareId: 5001, sections: [101, 102] },
      { mid: SMALL_IDS.cabin, shareId: expect.any(Number), sections: [201, 202, 203] },
    ]);
    expect(await shareRows(U.obrien)).toEqual(
      expect.arrayContaining([
        { mid: SMALL_IDS.livingRoom, shareId: 5001, libraries: ['Movies', 'TV Shows'] },
        { mid: SMALL_IDS.cabin, shareId: expect.any(Number), libraries: ['Films', 'Séries <HD>', 'Kids & Family'] },
      ]),
    );
    expect(await reducedAt(U.obrien)).toBeNull();
    const dms = bed.discord.dms.filter((d) => d.userId === discordIdOf(U.obrien) && /full access/.test(d.content ?? ''));
    expect(dms).toHaveLength(1);

    // Past the stage's end: the user paid, so neither reduced again nor removed.
    bed.h.plex.resetRequests();
    bed.clock.set(new Date(REDUCE_AT.getTime() + (RENEW + 1) * DAY));
    expect(await bed.app.lifecycle.run()).toMatchObject({ reducedToRenew: 0, removedFromPlex: 0, restoredToPlex: 0, plexAccessChanged: 0, failures: [] });
    expect(writes()).toEqual([]);
  });

  it('dry run says "would reduce to renew libraries" and writes nothing anywhere', async () => {
    await start();
    const outbox = async () => Number((await bed.sql<{ n: number }>('SELECT COUNT(*) AS n FROM outbox'))[0]!.n);
    const before = await outbox();
    const userBefore = await bed.user(U.obrien);
    const dry = await bed.app.lifecycle.run({ dryRun: true, at: REDUCE_AT });
    expect(dry).toMatchObject({ dryRun: true, reducedToRenew: 1, failures: [] });
    expect(dry.steps).toContainEqual(expect.objectContaining({ plexId: U.obrien, action: 'plex-reduce', detail: expect.stringMatching(/^would reduce to renew libraries: change libraries on Living Room \(Photos\); unshare Cabin/) }));
    expect(writes()).toEqual([]);
    expect(await outbox()).toBe(before);
    expect(await bed.user(U.obrien)).toEqual(userBefore);
    expect(sharesOf(U.obrien)).toHaveLength(2);
  });

  it('a plex.tv failure during the reduction is retried by the next run, and the renew days count from the reduction', async () => {
    await start();
    bed.h.plex.injectFault({ method: 'PUT', path: /\/shared_servers\/5001$/, status: 503, times: Infinity });
    bed.clock.set(REDUCE_AT);
    const failed = await bed.app.lifecycle.run();
    expect(failed.reducedToRenew).toBe(0);
    expect(failed.failures).toEqual([expect.objectContaining({ plexId: U.obrien, action: 'plex-reduce', reason: expect.stringMatching(/503.*retried next run/) })]);
    const marked = await bed.user(U.obrien);
    expect(marked.plex_reduced_at).toBeNull();
    expect(marked.plex_access_error).toMatch(/503/);
    expect(sharesOf(U.obrien)).toHaveLength(2);

    bed.h.plex.clearFaults();
    bed.clock.advance(DAY);
    const retried = await bed.app.lifecycle.run();
    expect(retried).toMatchObject({ reducedToRenew: 1, failures: [] });
    expect(sharesOf(U.obrien)).toEqual(REDUCED);
    const reduced = await bed.user(U.obrien);
    expect(reduced.plex_access_error).toBeNull();
    const due = await bed.app.lifecycle.expiring(RENEW + 2);
    expect(due.dueForRemoval).toEqual([expect.objectContaining({ plexId: U.obrien, removeAt: new Date(REDUCE_AT.getTime() + (RENEW + 1) * DAY).toISOString() })]);
    bed.clock.set(new Date(REDUCE_AT.getTime() + RENEW * DAY));
    expect(await bed.app.lifecycle.run()).toMatchObject({ removedFromPlex: 0 });
    bed.clock.advance(DAY);
    expect(await bed.app.lifecycle.run()).toMatchObject({ removedFromPlex: 1, failures: [] });
  });
});
