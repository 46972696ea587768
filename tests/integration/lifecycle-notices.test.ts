import { loadConfig } from '../../src/config/config';
import { lifecycleJobs } from '../../src/jobs/lifecycle.jobs';
import { LifecycleBusyError } from '../../src/services/lifecycle.service';
import { DATABASE_KINDS } from '../support/databases';
import { T0 } from '../support/harness';
import { ADMIN_CHANNEL, DAY, discordIdOf, GUILD_ID, HOUR, ROLE_SUB, SMALL_USERS as U, startLifecycleBed, type LifecycleBed } from '../support/lifecycle';

const END = new Date(T0.getTime() + 30 * DAY); // 2026-12-25T12:00Z, the default payment's end

describe.each(DATABASE_KINDS)('lifecycle reminders and expiry notices on %s', (kind) => {
  let bed: LifecycleBed;
  afterEach(async () => {
    await bed?.close();
  });

  const dmsTo = (plexId: number) => bed.discord.dms.filter((d) => d.userId === discordIdOf(plexId)).map((d) => d.content);

  it('sends each threshold once, across runs and a restart, then the expiry notice once', async () => {
    bed = await startLifecycleBed(kind, [{ plexId: U.obrien, roles: [ROLE_SUB] }, { plexId: U.unal, roles: [ROLE_SUB] }], {
      REMINDER_TEMPLATE: '{name}: {plan} ends {endsAt}, {daysLeft} day(s) left',
    });
    await bed.link([U.obrien, U.unal]);
    // Ünal pays by recurring subscription: no reminders for him.
    await bed.sql('UPDATE payments SET subscription_id = ? WHERE user_id = (SELECT id FROM users WHERE plex_id = ?)', ['I-JSE05VWSMN55', U.unal]);

    bed.clock.set(new Date(END.getTime() - 8 * DAY));
    expect((await bed.app.lifecycle.run()).remindersSent).toBe(0);

    bed.clock.set(new Date(END.getTime() - 7 * DAY));
    expect((await bed.app.lifecycle.run()).remindersSent).toBe(1);
    expect(dmsTo(U.obrien)).toEqual(["O'Brien & Søn: Monthly ends 2026-12-25, 7 day(s) left"]);
    bed.clock.advance(HOUR);
    expect((await bed.app.lifecycle.run()).remindersSent).toBe(0);

    // A restart: another app instance on the same database.
    const restarted = await bed.secondApp();
    expect((await restarted.lifecycle.run()).remindersSent).toBe(0);

    bed.clock.set(new Date(END.getTime() - 3 * DAY + HOUR));
    expect((await restarted.lifecycle.run()).remindersSent).toBe(1);
    expect((await bed.app.lifecycle.run()).remindersSent).toBe(0);

    bed.clock.set(new Date(END.getTime() - 20 * HOUR));
    expect((await bed.app.lifecycle.run()).remindersSent).toBe(1);
    expect((await restarted.lifecycle.run()).remindersSent).toBe(0);
    expect(dmsTo(U.obrien)).toEqual([
      "O'Brien & Søn: Monthly ends 2026-12-25, 7 day(s) left",
      "O'Brien & Søn: Monthly ends 2026-12-25, 3 day(s) left",
      "O'Brien & Søn: Monthly ends 2026-12-25, 1 day(s) left",
    ]);

    // The payments end: an expiry notice (once) for both, and the subscriber role goes.
    bed.clock.set(new Date(END.getTime() + HOUR));
    const expired = await bed.app.lifecycle.run();
    expect(expired).toMatchObject({ expiredNotified: 2, rolesRemoved: 2, remindersSent: 0, removedFromPlex: 0, failures: [] });
    expect(dmsTo(U.obrien)[3]).toBe(
      "Hi O'Brien & Søn, your Monthly subscription ended on 2026-12-25, so your subscriber role was removed. Renew to get it back; your access to the Plex server will be removed on 2027-01-01.",
    );
    expect(dmsTo(U.unal)).toHaveLength(1);
    bed.clock.advance(DAY);
    expect(await restarted.lifecycle.run()).toMatchObject({ expiredNotified: 0, rolesRemoved: 0 });
    const notices = await bed.sql<{ kind: string; threshold_days: number; delivered_at: unknown }>(
      'SELECT kind, threshold_days, delivered_at FROM payment_notices ORDER BY id',
    );
    expect(notices.map((n) => `${n.kind}:${n.threshold_days}`)).toEqual(['reminder:7', 'reminder:3', 'reminder:1', 'expired:0', 'expired:0']);
    expect(notices.every((n) => n.delivered_at !== null)).toBe(true);
    expect(bed.discord.violations).toEqual([]);
  });

  it('after downtime sends only the reminder still due, not the older ones', async () => {
    bed = await startLifecycleBed(kind, [{ plexId: U.obrien }]);
    await bed.link([U.obrien]);
    bed.clock.set(new Date(END.getTime() - 12 * HOUR)); // the bot was down for the 7- and 3-day reminders
    const result = await bed.app.lifecycle.run();
    expect(result.remindersSent).toBe(1);
    expect(dmsTo(U.obrien)).toEqual([expect.stringContaining('(1 day(s) left)')]);
    bed.clock.advance(6 * HOUR);
    expect((await bed.app.lifecycle.run()).remindersSent).toBe(0);
  });

  it('a new end date (renewal or an admin edit) starts the reminders again', async () => {
    bed = await startLifecycleBed(kind, [{ plexId: U.obrien }]);
    await bed.link([U.obrien]);
    bed.clock.set(new Date(END.getTime() - 2 * DAY));
    expect((await bed.app.lifecycle.run()).remindersSent).toBe(1); // the 3-day one
    const later = new Date(END.getTime() + 30 * DAY);
    await bed.setDefaultEnd(U.obrien, later);
    expect((await bed.app.lifecycle.run()).remindersSent).toBe(0);
    bed.clock.set(new Date(later.getTime() - 6 * DAY));
    expect((await bed.app.lifecycle.run()).remindersSent).toBe(1);
    expect(dmsTo(U.obrien)[1]).toContain('ends on 2027-01-24 (6 day(s) left)');
  });

  it('DMs closed: recorded on the user, not retried, and the others still get theirs', async () => {
    bed = await startLifecycleBed(kind, [{ plexId: U.obrien, dmsClosed: true }, { plexId: U.unal }]);
    await bed.link([U.obrien, U.unal]);
    bed.clock.set(new Date(END.getTime() - 2 * DAY));
    const result = await bed.app.lifecycle.run();
    expect(result.remindersSent).toBe(1);
    expect(result.failures).toEqual([{ plexId: U.obrien, action: 'reminder', reason: expect.stringContaining('50007') }]);
    expect((await bed.user(U.obrien)).dms_closed_at).not.toBeNull();
    expect(dmsTo(U.unal)).toHaveLength(1);
    bed.discord.restLog.length = 0;
    expect((await bed.app.lifecycle.run()).failures).toEqual([]);
    expect(bed.discord.restLog.filter((e) => e.method === 'POST')).toEqual([]);
    // They open their DMs; the next reminder gets through and the mark goes.
    bed.discord.setDmsClosed(discordIdOf(U.obrien), false);
    bed.clock.set(new Date(END.getTime() - 12 * HOUR));
    expect((await bed.app.lifecycle.run()).remindersSent).toBe(2);
    expect((await bed.user(U.obrien)).dms_closed_at).toBeNull();
  });

  it('Discord unavailable while sending: the DM stays in the outbox, claimed, and the next run sends it', async () => {
    bed = await startLifecycleBed(kind, [{ plexId: U.obrien }]);
    await bed.link([U.obrien]);
    bed.clock.set(new Date(END.getTime() - 2 * DAY));
    bed.discord.failNext({ method: 'POST', path: /^\/channels\/\d+\/messages$/, status: 503, times: 12 }); // 3 attempts, each 1 + @discordjs/rest's 3 retries
    const failed = await bed.app.lifecycle.run();
    expect(failed.remindersSent).toBe(0);
    expect(failed.failures).toEqual([{ plexId: U.obrien, action: 'reminder', reason: expect.stringContaining('503') }]);
    expect(await bed.sql('SELECT delivered_at FROM payment_notices')).toEqual([{ delivered_at: null }]);
    expect(await bed.sql('SELECT attempts FROM outbox WHERE done_at IS NULL AND failure IS NULL')).toEqual([{ attempts: 1 }]);
    bed.clock.advance(HOUR);
    expect((await bed.app.lifecycle.run()).remindersSent).toBe(1);
    expect(dmsTo(U.obrien)).toHaveLength(1);
  });

  it('two processes running the job at once: one acts, the others are refused, nothing is done twice', async () => {
    bed = await startLifecycleBed(kind, [{ plexId: U.obrien }, { plexId: U.unal }, { plexId: U.zoe, roles: [ROLE_SUB] }]);
    await bed.link([U.obrien, U.unal, U.zoe]);
    await bed.setDefaultEnd(U.zoe, new Date(END.getTime() - 10 * DAY));
    bed.clock.set(new Date(END.getTime() - 2 * DAY));
    const other = await bed.secondApp();
    // The run that wins the lock is held inside it (its member list waits out a 1 s rate limit), so the
    // other three surely start while it runs: without that they could simply run one after another.
    bed.discord.rateLimit({ method: 'GET', path: new RegExp(`^/guilds/${GUILD_ID}/members$`), retryAfterSeconds: 1 });
    const outcomes = await Promise.allSettled([bed.app.lifecycle.run(), other.lifecycle.run(), bed.app.lifecycle.run(), other.lifecycle.run()]);
    expect(bed.discord.restLog.filter((e) => e.status === 429)).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
    expect(refused).toHaveLength(3);
    for (const reason of refused) expect(reason).toBeInstanceOf(LifecycleBusyError);
    expect(bed.discord.dms.map((d) => d.userId).sort()).toEqual([discordIdOf(U.obrien), discordIdOf(U.unal), discordIdOf(U.zoe)].sort());
    expect(bed.discord.roleChanges).toHaveLength(3); // obrien + unal get it, zoe loses it
    // The database's unique key is the last line of defence, even without the lock.
    const notices = await bed.sql<{ payment_id: number }>('SELECT payment_id, kind, threshold_days FROM payment_notices');
    expect(notices).toHaveLength(3);
    const { userId, paymentId } = await bed.app.store.read(async (r) => {
      const user = (await r.subscriptions.loadOne(U.obrien))!;
      return { userId: user.id, paymentId: user.payments[0]!.id };
    });
    const key = { paymentId, kind: 'reminder' as const, thresholdDays: 1, endsAt: END };
    const claims = await Promise.all([
      bed.app.store.read((r) => r.notices.claim(userId, key, bed.clock.now())),
      other.store.read((r) => r.notices.claim(userId, key, bed.clock.now())),
    ]);
    expect(claims.filter((c) => c !== null)).toHaveLength(1);
    expect(bed.discord.violations).toEqual([]); // the held run waited out the rate limit
  });

  it('the scheduled jobs post a summary to the admin channel when they did something, nothing when quiet', async () => {
    bed = await startLifecycleBed(kind, [{ plexId: U.obrien, dmsClosed: true }, { plexId: U.unal }]);
    await bed.link([U.obrien, U.unal]);
    const [roles, daily] = lifecycleJobs(bed.app.lifecycle, loadConfig(bed.h.env));
    await roles!.run();
    const posted = () => bed.discord.channelMessages.filter((m) => m.channelId === ADMIN_CHANNEL).map((m) => m.content);
    expect(posted()).toEqual([expect.stringMatching(/^\*\*Lifecycle \(roles\)\*\*: roles added 2, roles removed 0/)]);
    await roles!.run();
    expect(posted()).toHaveLength(1);
    bed.clock.set(new Date(END.getTime() - 2 * DAY));
    await daily!.run();
    expect(posted()).toHaveLength(2);
    expect(posted()[1]).toContain('reminders sent 1');
    expect(posted()[1]).toContain("- O'Brien & Søn: reminder failed: DMs closed");
  });
});
