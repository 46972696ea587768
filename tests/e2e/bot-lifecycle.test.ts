/* eslint-disable @typescript-eslint/no-explicit-any */
import type { InteractionHandle } from '../fakes/discord';
import { SMALL_USERS } from '../fakes/plex/plex-data';
import { closeBotHarness, formAnswer, IDS, startBotHarness, type BotHarness } from '../support/bot-harness';
import { DATABASE_KINDS } from '../support/databases';
import { createDefaultPlan, T0 } from '../support/harness';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const EPHEMERAL = 64;
/** The default payment's end for every synced user (T0 + 1 month). */
const END = new Date('2026-12-25T12:00:00.000Z');
const admin = { guildId: IDS.guild, userId: IDS.admin };
const fields = (embed: any): Record<string, string> => Object.fromEntries(embed.fields.map((f: any) => [f.name, f.value]));
const sub = (name: string, options: any[] = []) => [{ name, type: 1, options }];
async function waitUntil(done: () => boolean, timeoutMs = 5000): Promise<void> {
  for (const end = Date.now() + timeoutMs; !done(); await new Promise((r) => setTimeout(r, 20))) {
    if (Date.now() > end) throw new Error('timed out waiting');
  }
}

describe.each(DATABASE_KINDS)('the bot on %s: lifecycle, /expiring and roles after edits', (kind) => {
  let h: BotHarness;
  beforeEach(async () => {
    h = await startBotHarness(kind);
    await createDefaultPlan(h.app);
    await h.app.usersSync().run();
    await h.app.sharedServersSync().run();
  });
  afterEach(async () => expect(await closeBotHarness(h)).toEqual([]));

  const q = <T = Record<string, any>>(sql: string, params: unknown[] = []) => h.app.store.dataSource.query(sql, params) as Promise<T[]>;
  const iso = (d: Date) => (kind === 'sqlite' ? `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 23)}` : d);
  const link = (plexId: number, discordId: string) => q('UPDATE users SET discord_id = ? WHERE plex_id = ?', [discordId, plexId]);
  const setEnd = (plexId: number, endsAt: Date) =>
    q('UPDATE payments SET ends_at = ? WHERE user_id = (SELECT id FROM users WHERE plex_id = ?)', [iso(endsAt), plexId]);
  /** Every user but these pays for a year. */
  const onlyThese = (plexIds: number[]) =>
    q(`UPDATE payments SET ends_at = ? WHERE user_id IN (SELECT id FROM users WHERE plex_id NOT IN (${plexIds.map(() => '?').join(', ')}))`, [
      iso(new Date(T0.getTime() + 365 * DAY)),
      ...plexIds,
    ]);
  /** Domain tables plus what the lifecycle records (notices sent). */
  const state = async () => ({ ...(await h.snapshot()), payment_notices: await q('SELECT * FROM payment_notices ORDER BY id') });
  const command = (name: string, options: any[] = []) => h.discord.chatInput({ ...admin, name, options });
  async function settled(run: InteractionHandle): Promise<any> {
    const first = await run.response();
    expect(first.type).toBe(5);
    expect(first.data.flags & EPHEMERAL).toBe(EPHEMERAL);
    await run.waitFor((x) => x.final()?.embeds?.length > 0 || (x.final()?.content ?? '').length > 0, 15_000);
    return run.final();
  }
  const card = async (plexId: number) => (await command('user', sub('view', [{ name: 'user', value: String(plexId) }])).response()).data;

  it('/expiring lists who ends within N days and who is due for removal from Plex', async () => {
    await onlyThese([SMALL_USERS.obrien, SMALL_USERS.zoe]);
    await link(SMALL_USERS.obrien, IDS.member);
    h.clock.set(new Date(END.getTime() - 5 * DAY));
    // Zoë's payment ended 5 days ago: her shares go 7 days after the end, in 2 days.
    await setEnd(SMALL_USERS.zoe, new Date(END.getTime() - 10 * DAY));

    const week = await command('expiring', [{ name: 'days', value: 7 }]).response();
    expect(week.type).toBe(4);
    expect(week.data.flags & EPHEMERAL).toBe(EPHEMERAL);
    const embed = week.data.embeds[0];
    expect(embed.title).toBe('Expiring within 7 days');
    expect(fields(embed)).toEqual({
      'Access ends (1)': `**O'Brien & Søn** · Monthly · ends 2026-12-25 (5 days) · <@${IDS.member}>`,
      'Due for removal from Plex (1)': '**Zoë** · ended 2026-12-15 · removal 2026-12-22',
    });

    const oneDay = (await command('expiring', [{ name: 'days', value: 1 }]).response()).data.embeds[0];
    expect(oneDay.title).toBe('Expiring within 1 day');
    expect(fields(oneDay)).toEqual({ 'Access ends (0)': 'nobody', 'Due for removal from Plex (0)': 'nobody' });

    // The default is 7 days.
    expect(fields((await command('expiring').response()).data.embeds[0])).toEqual(fields(embed));
  });

  describe('/lifecycle run', () => {
    beforeEach(async () => {
      // O'Brien (linked, no role yet) ends in a week: the 7-day reminder is due.
      // Zoë (linked to the member whose DMs are closed, holding the role) ended 2 days ago.
      await onlyThese([SMALL_USERS.obrien, SMALL_USERS.zoe]);
      await link(SMALL_USERS.obrien, IDS.member);
      await link(SMALL_USERS.zoe, IDS.friend);
      h.discord.setMemberRoles(IDS.guild, IDS.friend, [IDS.subscriberRole]);
      h.clock.set(new Date(END.getTime() - 7 * DAY + HOUR));
      await setEnd(SMALL_USERS.zoe, new Date(h.clock.now().getTime() - 2 * DAY));
    });

    it('dry-run shows what it would do and changes nothing: no roles, no DMs, database unchanged', async () => {
      const before = await state();
      const done = await settled(command('lifecycle', sub('run', [{ name: 'dry-run', value: true }])));
      const embed = done.embeds[0];
      expect(embed.title).toBe('Lifecycle: dry run, nothing changed');
      const lines = (embed.description as string).split('\n');
      expect(lines[0]).toBe('roles would be added 1, roles would be removed 1, reminders to send 1, expiry notices to send 1, users to remove from Plex 0, users to reduce to renew libraries 0, users to restore to Plex 0, plan changes to apply on Plex 0, failures 0.');
      expect(lines.some((l) => l.includes("O'Brien & Søn"))).toBe(true);
      expect(lines.some((l) => l.includes('Zoë'))).toBe(true);
      expect(h.discord.roleChanges).toEqual([]);
      expect(h.discord.dms).toEqual([]);
      expect(await state()).toEqual(before);
      expect(h.discord.member(IDS.guild, IDS.member)!.roles).toEqual([]);
      expect(h.discord.member(IDS.guild, IDS.friend)!.roles).toEqual([IDS.subscriberRole]);
    });

    it('gives and takes roles per status, sends and records the reminder; a second run sends nothing new; the DM-closed member\'s card says so', async () => {
      const done = await settled(command('lifecycle', sub('run')));
      const embed = done.embeds[0];
      expect(embed.title).toBe('Lifecycle run done');
      // Zoë's expiry notice cannot reach her: a failure the admin reads, not a crash.
      expect((embed.description as string).split('\n')).toEqual([
        'roles added 1, roles removed 1, reminders sent 1, expiry notices sent 0, users removed from Plex 0, users reduced to renew libraries 0, users restored to Plex 0, plan changes applied on Plex 0, failures 1.',
        "add-role: O'Brien & Søn (give the subscriber role)",
        'remove-role: Zoë (take away the subscriber role)',
        "reminder: O'Brien & Søn (DM: 7-day reminder (ends 2026-12-25))",
        '⚠ Zoë expired-notice: DMs closed: the user does not accept DMs from this server (50007)',
      ]);
      expect(h.discord.roleChanges).toEqual([
        expect.objectContaining({ userId: IDS.member, roleId: IDS.subscriberRole, action: 'add' }),
        expect.objectContaining({ userId: IDS.friend, roleId: IDS.subscriberRole, action: 'remove' }),
      ]);
      expect(h.discord.member(IDS.guild, IDS.member)!.roles).toEqual([IDS.subscriberRole]);
      expect(h.discord.member(IDS.guild, IDS.friend)!.roles).toEqual([]);
      // The reminder reached O'Brien; Zoë's expiry notice could not (DMs closed), which is recorded on her.
      expect(h.discord.dms.map((d) => d.userId)).toEqual([IDS.member]);
      expect(h.discord.dms[0]!.content).toContain('2026-12-25');
      // Both notices are recorded: O'Brien's as delivered, Zoë's as failed (kept, so it is not retried).
      const notices = await q(
        'SELECT u.plex_id, n.kind, n.threshold_days, n.delivered_at, n.failure FROM payment_notices n JOIN users u ON u.id = n.user_id ORDER BY u.plex_id',
      );
      expect(notices.map((n) => ({ plexId: Number(n.plex_id), kind: n.kind, days: Number(n.threshold_days), delivered: n.delivered_at !== null, failure: n.failure }))).toEqual([
        { plexId: SMALL_USERS.obrien, kind: 'reminder', days: 7, delivered: true, failure: null },
        { plexId: SMALL_USERS.zoe, kind: 'expired', days: 0, delivered: false, failure: expect.stringContaining('50007') },
      ]);
      const [zoe] = await q('SELECT dms_closed_at FROM users WHERE plex_id = ?', [SMALL_USERS.zoe]);
      expect(zoe!.dms_closed_at).not.toBeNull();

      const afterFirst = await state();
      const rolesAfterFirst = h.discord.roleChanges.length;
      h.clock.advance(HOUR);
      const again = await settled(command('lifecycle', sub('run')));
      expect((again.embeds[0].description as string).split('\n')[0]).toBe(
        'roles added 0, roles removed 0, reminders sent 0, expiry notices sent 0, users removed from Plex 0, users reduced to renew libraries 0, users restored to Plex 0, plan changes applied on Plex 0, failures 0.',
      );
      expect(h.discord.roleChanges).toHaveLength(rolesAfterFirst);
      expect(h.discord.dms).toHaveLength(1);
      expect(await q('SELECT * FROM payment_notices ORDER BY id')).toEqual(afterFirst.payment_notices);

      const zoeCard = (await card(SMALL_USERS.zoe)).embeds[0];
      expect(fields(zoeCard).Lifecycle).toContain('DMs closed: a reminder or expiry notice could not be sent (2026-12-18)');
      expect(fields((await card(SMALL_USERS.obrien)).embeds[0]).Lifecycle).toBeUndefined();
    });
  });

  describe('roles right after an admin edits a user', () => {
    it('an expired user linked by the profile modal gets the subscriber role as soon as the payment modal extends them', async () => {
      await setEnd(SMALL_USERS.obrien, new Date(T0.getTime() - 5 * DAY));

      const openProfile = command('user', sub('edit-profile', [{ name: 'user', value: String(SMALL_USERS.obrien) }]));
      expect((await openProfile.response()).type).toBe(9);
      const profile = await formAnswer(h.discord.modalSubmit({ ...admin, from: openProfile, fields: { paypalEmail: '', discordId: IDS.member, discordUsername: '' } }));
      expect(profile.data.content).toBe('Saved.');
      // Linked but expired: no role for them (roles follow the answer: give them the time to).
      await new Promise((r) => setTimeout(r, 500));
      expect(h.discord.roleChanges).toEqual([]);
      expect(h.discord.member(IDS.guild, IDS.member)!.roles).toEqual([]);

      const openPayment = command('user', sub('edit-payment', [{ name: 'user', value: String(SMALL_USERS.obrien) }]));
      expect((await openPayment.response()).type).toBe(9);
      const payment = await formAnswer(h.discord.modalSubmit({ ...admin, from: openPayment, fields: { plan: ['Monthly'], startsAt: '2026-11-25', endsAt: '2026-12-25', subscriptionId: '' } }));
      expect(payment.data.content).toBe('Saved.');
      expect(payment.data.embeds[0].description).toMatch(/^Standard user · active until 2026-12-25/);
      // Roles follow right after the answer.
      await waitUntil(() => h.discord.roleChanges.length > 0);
      expect(h.discord.roleChanges).toEqual([expect.objectContaining({ guildId: IDS.guild, userId: IDS.member, roleId: IDS.subscriberRole, action: 'add' })]);
      expect(h.discord.member(IDS.guild, IDS.member)!.roles).toEqual([IDS.subscriberRole]);

      // Ending the payment again through the modal takes the role away at once.
      const openAgain = command('user', sub('edit-payment', [{ name: 'user', value: String(SMALL_USERS.obrien) }]));
      await openAgain.response();
      await formAnswer(h.discord.modalSubmit({ ...admin, from: openAgain, fields: { plan: ['Monthly'], startsAt: '2026-10-01', endsAt: '2026-11-01', subscriptionId: '' } }));
      await waitUntil(() => h.discord.roleChanges.length > 1);
      expect(h.discord.roleChanges.at(-1)).toEqual(expect.objectContaining({ userId: IDS.member, roleId: IDS.subscriberRole, action: 'remove' }));
      expect(h.discord.member(IDS.guild, IDS.member)!.roles).toEqual([]);
    });

    it('making a linked subscriber permanent from the card leaves the subscriber role alone', async () => {
      await link(SMALL_USERS.obrien, IDS.member);
      h.discord.setMemberRoles(IDS.guild, IDS.member, [IDS.subscriberRole]);
      const view = await card(SMALL_USERS.obrien);
      const toggle = view.components[0].components.find((c: any) => c.label === 'Make permanent');
      const press = await h.discord.button({ ...admin, customId: toggle.custom_id }).response();
      expect(press.data.content).toBe("O'Brien & Søn is now permanent.");
      expect((await h.app.users.card(SMALL_USERS.obrien)).class).toBe('permanent');
      expect(h.discord.roleChanges).toEqual([]);
      expect(h.discord.member(IDS.guild, IDS.member)!.roles).toEqual([IDS.subscriberRole]);

      // Even once the payment is long over, a permanent user keeps the role on a full run.
      h.clock.set(new Date(END.getTime() + 3 * DAY));
      await settled(command('lifecycle', sub('run')));
      expect(h.discord.roleChanges.filter((c) => c.userId === IDS.member)).toEqual([]);
    });
  });
});
