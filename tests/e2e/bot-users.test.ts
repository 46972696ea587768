import { SMALL_USERS } from '../fakes/plex/plex-data';
import { closeBotHarness, formAnswer, IDS, MEMBER_PERMISSIONS, startBotHarness, type BotHarness } from '../support/bot-harness';
import { DATABASE_KINDS } from '../support/databases';
import { createDefaultPlan } from '../support/harness';

describe.each(DATABASE_KINDS)('the bot on %s: syncing and editing users', (kind) => {
  let h: BotHarness;
  beforeEach(async () => {
    h = await startBotHarness(kind);
  });
  afterEach(async () => expect(await closeBotHarness(h)).toEqual([]));

  const admin = { guildId: IDS.guild, userId: IDS.admin };

  it('registers its guild commands at start, with Manage Server as the default permission except for the member commands', () => {
    const registration = h.discord.commandRegistrations.find((r) => r.scope === 'guild' && r.status === 200);
    expect(registration?.guildId).toBe(IDS.guild);
    const names = registration!.commands.map((c: { name: string }) => c.name).sort();
    expect(names).toEqual(['expiring', 'invite', 'lifecycle', 'link', 'payments', 'plan', 'server', 'shared-servers', 'stats', 'status', 'subscription', 'sync-shared-servers', 'sync-users', 'user', 'users']);
    const memberCommands = ['link', 'subscription'];
    for (const c of registration!.commands) expect(c.default_member_permissions ?? null).toBe(memberCommands.includes(c.name) ? null : '32');
    expect(h.bot.problems).toEqual([]);
  });

  it('syncs users with a deferred reply and a summary embed saying how many need review', async () => {
    await createDefaultPlan(h.app);
    const run = h.discord.chatInput({ ...admin, name: 'sync-users' });
    expect((await run.response()).type).toBe(5);
    await run.waitFor((x) => x.final()?.embeds?.length > 0);
    const embed = run.final().embeds[0];
    expect(embed.title).toBe('Users sync done');
    expect(embed.fields).toEqual(expect.arrayContaining([{ name: 'Created', value: '6 (standard 6, permanent 0)', inline: true }]));
    expect(embed.footer.text).toMatch(/^6 user\(s\) need review .*\/users list status:needs-review/);
    expect(run.final().flags & 64).toBe(64);
    expect((await h.app.directory.listUsers()).length).toBe(6);
  });

  it('refuses a non-admin even when the guild lets them see the command, and changes nothing', async () => {
    await createDefaultPlan(h.app);
    const before = await h.snapshot();
    const run = h.discord.chatInput({ guildId: IDS.guild, userId: IDS.member, permissions: MEMBER_PERMISSIONS, name: 'sync-users', visibleByGuildOverride: true });
    const reply = await run.response();
    expect(reply.type).toBe(4);
    expect(reply.data.content).toBe('Only server admins (Manage Server permission) can use this.');
    expect(reply.data.flags & 64).toBe(64);
    expect(await h.snapshot()).toEqual(before);
  });

  it('lets a member with the admin role in', async () => {
    const run = h.discord.chatInput({ guildId: IDS.guild, userId: IDS.admin, permissions: MEMBER_PERMISSIONS, roles: [IDS.adminRole], name: 'plan', options: [{ name: 'list', type: 1, options: [] }], visibleByGuildOverride: true });
    expect((await run.response()).data.embeds[0].title).toBe('Plans');
  });

  describe('with users synced', () => {
    beforeEach(async () => {
      await createDefaultPlan(h.app);
      await h.app.usersSync().run();
      await h.app.sharedServersSync().run();
    });

    it('autocompletes users over username, email, title and Discord username, best first', async () => {
      const ac = h.discord.autocomplete({ ...admin, name: 'user', options: [{ name: 'view', type: 1, options: [] }], focused: { name: 'user', value: 'zo' } });
      const choices = (await ac.response()).data.choices;
      expect(choices[0]).toEqual({ name: 'Zoë (zoe)', value: String(SMALL_USERS.zoe) });
      const byEmail = await h.discord.autocomplete({ ...admin, name: 'user', options: [{ name: 'view', type: 1, options: [] }], focused: { name: 'user', value: 'unal@example' } }).response();
      expect(byEmail.data.choices.map((c: { value: string }) => c.value)).toEqual([String(SMALL_USERS.unal)]);
    });

    it('shows the user card with servers, status, payment and the edit buttons', async () => {
      const view = h.discord.chatInput({ ...admin, name: 'user', options: [{ name: 'view', type: 1, options: [{ name: 'user', value: String(SMALL_USERS.obrien) }] }] });
      const reply = await view.response();
      const embed = reply.data.embeds[0];
      expect(embed.title).toBe("O'Brien & Søn");
      expect(embed.description).toMatch(/^Standard user · active until \d{4}-\d\d-\d\d \(\d+ days left\)$/);
      const fields = Object.fromEntries(embed.fields.map((f: { name: string; value: string }) => [f.name, f.value]));
      expect(fields.Servers).toContain("**Cabin & Co's**: accepted");
      expect(fields.Servers).toContain('Movies, TV Shows');
      expect(fields['Default payment']).toMatch(/^plan \*\*Monthly\*\* · .* · no subscription ID$/);
      expect(fields.Discord).toBe('not linked');
      const buttons = reply.data.components[0].components.map((c: { label: string }) => c.label);
      expect(buttons).toEqual(['Edit profile', 'Edit payment', 'Make permanent']);
    });

    it('edits the profile through a prefilled modal, filling the Discord username from the member', async () => {
      await h.app.store.dataSource.query("UPDATE users SET paypal_email = 'old@example.com' WHERE plex_id = ?", [SMALL_USERS.obrien]);
      const open = h.discord.chatInput({ ...admin, name: 'user', options: [{ name: 'edit-profile', type: 1, options: [{ name: 'user', value: String(SMALL_USERS.obrien) }] }] });
      const modal = await open.response();
      expect(modal.type).toBe(9);
      expect(JSON.stringify(modal.data.components)).toContain('old@example.com');
      const submit = h.discord.modalSubmit({ ...admin, from: open, fields: { paypalEmail: ' Pay@Example.COM ', discordId: IDS.member, discordUsername: '' } });
      const saved = await formAnswer(submit);
      expect(saved.data.content).toBe('Saved.');
      const card = await h.app.users.card(SMALL_USERS.obrien);
      expect(card).toMatchObject({ paypalEmail: 'pay@example.com', discordId: IDS.member, discordUsername: 'obrien.discord' });
      expect(saved.data.embeds[0].fields.find((f: { name: string }) => f.name === 'Discord').value).toBe(`<@${IDS.member}> (obrien.discord)\nlinked by an admin on ${h.clock.now().toISOString().slice(0, 10)}`);
    });

    it('refuses a bad profile as a whole, saves nothing, and Try again reopens the modal with what was typed', async () => {
      await h.app.users.updateProfile(SMALL_USERS.zoe, { paypalEmail: 'zoe-pays@example.com', discordId: '', discordUsername: '' });
      const before = await h.snapshot();
      const open = h.discord.chatInput({ ...admin, name: 'user', options: [{ name: 'edit-profile', type: 1, options: [{ name: 'user', value: String(SMALL_USERS.obrien) }] }] });
      await open.response();
      const typed = { paypalEmail: 'zoe-pays@example.com', discordId: '12345', discordUsername: 'someone_else' };
      const submit = h.discord.modalSubmit({ ...admin, from: open, fields: typed });
      const refused = await formAnswer(submit);
      expect(refused.data.flags & 64).toBe(64);
      expect(refused.data.content).toContain('Nothing was saved');
      expect(refused.data.content).toContain('**PayPal email**: zoe-pays@example.com is already the PayPal email of Zoë (zoe)');
      expect(refused.data.content).toContain('**Discord ID**: "12345" is not a Discord ID');
      expect(await h.snapshot()).toEqual(before);

      const retryId = refused.data.components[0].components[0].custom_id;
      const retry = h.discord.button({ ...admin, customId: retryId, message: submit.final() });
      const reopened = await retry.response();
      expect(reopened.type).toBe(9);
      const text = JSON.stringify(reopened.data.components);
      for (const value of Object.values(typed)) expect(text).toContain(value);
    });

    it('edits the default payment: plan from a select, dates, subscription ID; bad input is refused naming every field', async () => {
      await h.app.catalog.createPlan({ name: 'Yearly', duration: '12m', price: '100', currency: 'USD' });
      const open = h.discord.chatInput({ ...admin, name: 'user', options: [{ name: 'edit-payment', type: 1, options: [{ name: 'user', value: String(SMALL_USERS.kids) }] }] });
      const modal = await open.response();
      expect(modal.type).toBe(9);
      const bad = h.discord.modalSubmit({ ...admin, from: open, fields: { plan: ['Yearly'], startsAt: '2026-12-01', endsAt: '2026-11-01', subscriptionId: 'I-SHORT' } });
      const refused = (await formAnswer(bad)).data.content;
      expect(refused).toContain('**End date**: the end date 2026-11-01 must be after the start date 2026-12-01');
      expect(refused).toContain('**Subscription ID**: "I-SHORT" is not a subscription ID');
      expect((await h.app.users.card(SMALL_USERS.kids)).defaultPayment!.plan).toBe('Monthly');

      const open2 = h.discord.chatInput({ ...admin, name: 'user', options: [{ name: 'edit-payment', type: 1, options: [{ name: 'user', value: String(SMALL_USERS.kids) }] }] });
      await open2.response();
      const good = h.discord.modalSubmit({ ...admin, from: open2, fields: { plan: ['Yearly'], startsAt: '2026-11-01', endsAt: '2027-11-01', subscriptionId: 'I-JSE05VWSMN55' } });
      expect((await formAnswer(good)).data.content).toBe('Saved.');
      expect((await h.app.users.card(SMALL_USERS.kids)).defaultPayment).toEqual({
        plan: 'Yearly',
        startsAt: new Date('2026-11-01T00:00:00.000Z'),
        endsAt: new Date('2027-11-01T00:00:00.000Z'),
        subscriptionId: 'I-JSE05VWSMN55',
      });
    });

    it('switches a user between standard and permanent from the card', async () => {
      const view = await h.discord.chatInput({ ...admin, name: 'user', options: [{ name: 'view', type: 1, options: [{ name: 'user', value: String(SMALL_USERS.unal) }] }] }).response();
      const toggle = view.data.components[0].components[2];
      const press = await h.discord.button({ ...admin, customId: toggle.custom_id }).response();
      expect(press.data.content).toBe('Ünal Çelik is now permanent.');
      expect((await h.app.users.card(SMALL_USERS.unal)).class).toBe('permanent');
    });

    it('answers a stale button (an expired form, a restart), an unknown one and a deleted user clearly', async () => {
      // A message the bot sent before: the button on it carries only its custom_id.
      const oldMessage = (customId: string, id: string) => ({
        id,
        channel_id: IDS.channel,
        components: [{ type: 1, components: [{ type: 2, style: 1, label: 'old', custom_id: customId }] }],
      });
      const press = (customId: string, id: string) => h.discord.button({ ...admin, customId, message: oldMessage(customId, id) }).response();
      expect((await press('user-retry:doesnotexist', '900000000000009999')).data.content).toMatch(/^This form has expired/);
      expect((await press('users-page:gone:2', '900000000000009996')).data.content).toMatch(/^This list has expired/);
      expect((await press('something-else:1', '900000000000009998')).data.content).toMatch(/older version of the bot/);
      expect((await press('user-view:424242', '900000000000009997')).data.content).toMatch(/^no user with plex.tv id 424242/);
    });

    it('refuses a second sync while one runs', async () => {
      h.plex.injectFault({ path: /^\/api\/users/, delayMs: 1500 });
      const first = h.discord.chatInput({ ...admin, name: 'sync-users' });
      await first.response();
      await new Promise((r) => setTimeout(r, 300));
      const second = h.discord.chatInput({ ...admin, name: 'sync-shared-servers' });
      await second.response();
      await second.waitFor((x) => typeof x.final()?.content === 'string' && x.final().content.length > 0);
      expect(second.final().content).toMatch(/^a sync is already running since \d{4}-/);
      await first.waitFor((x) => x.final()?.embeds?.length > 0, 10_000);
    });
  });
});
