/* eslint-disable @typescript-eslint/no-explicit-any */
import { createLogger } from '../../src/config/logger';
import type { InteractionHandle } from '../fakes/discord';
import {
  BASE_TIME,
  generatedAccount,
  GENERATED_USER_ID_BASE,
  SMALL_IDS,
  SMALL_USERS,
  smallAccount,
  type FakePlexAccount,
  type FakeShare,
} from '../fakes/plex/plex-data';
import { closeBotHarness, formAnswer, IDS, startBotHarness, type BotHarness, type BotHarnessOptions } from '../support/bot-harness';
import { DATABASE_KINDS } from '../support/databases';
import { createDefaultPlan } from '../support/harness';

const DAY = 86_400;
const EPHEMERAL = 64;
const admin = { guildId: IDS.guild, userId: IDS.admin };
/** The status every user a sync created has at T0 with the default 1-month plan. */
const NEW_USER = 'standard · active until 2026-12-25 (30 days left) · no Discord · **needs review**';

/** A day as the panels print it, from plex.tv's unix seconds. */
const day = (unix: number) => new Date(unix * 1000).toISOString().slice(0, 10);
const sub = (name: string, options: any[] = []) => [{ name, type: 1, options }];
/** Plain titles sort the same on SQLite (binary) and MariaDB (utf8mb4_unicode_ci). */
const byTitle = <T extends { title: string }>(rows: T[]) => [...rows].sort((a, b) => (a.title < b.title ? -1 : a.title > b.title ? 1 : 0));
const lines = (embed: any): string[] => (embed.description as string).split('\n');
const fields = (embed: any): Record<string, string> => Object.fromEntries(embed.fields.map((f: any) => [f.name, f.value]));
const customIds = (message: any): string[] => message.components.flatMap((row: any) => row.components.map((c: any) => c.custom_id));
const button = (message: any, label: string): any =>
  message.components.flatMap((row: any) => row.components).find((c: any) => c.type === 2 && c.label === label);

/** The 23-user account of the panel tests: user i shares server i mod 2 only. */
function panelAccount(): FakePlexAccount {
  return generatedAccount({ users: 23, servers: 2, serversPerUser: { min: 1, max: 1 } });
}

function shareRow(n: number, serverName: string, username: string, share: FakeShare, libraries: string): string {
  const accepted = share.acceptedAt === 0 ? '**pending**' : `accepted ${day(share.acceptedAt)}`;
  return `\`${n}.\` **${serverName}** · ${username} · invited ${day(share.invitedAt)} · ${accepted} · ${share.allLibraries ? 'all libraries' : libraries}`;
}

describe.each(DATABASE_KINDS)('the bot on %s: panels, plans, servers and syncs', (kind) => {
  let h: BotHarness | undefined;
  /** What the bot logged at warn level and above (unless the test gives its own logger). */
  let logged: any[] = [];
  const boot = async (options: BotHarnessOptions = {}): Promise<BotHarness> => {
    logged = [];
    const logger = createLogger('warn', { write: (line: string) => void logged.push(JSON.parse(line)) });
    return (h = await startBotHarness(kind, { logger, ...options }));
  };
  afterEach(async () => {
    if (!h) return;
    const violations = await closeBotHarness(h);
    h = undefined;
    expect(violations).toEqual([]);
  });

  /** A slash command run by an admin. */
  const command = (name: string, options: any[] = []) => h!.discord.chatInput({ ...admin, name, options });
  const reply = async (name: string, options: any[] = []) => (await command(name, options).response()).data;
  /** A deferred command's reply once it no longer shows progress: its outcome (a summary, or one line saying what failed). */
  async function outcome(run: InteractionHandle): Promise<any> {
    expect((await run.response()).type).toBe(5);
    await run.waitFor((x) => !!x.final() && !/^Syncing /.test(x.final().content ?? ''), 20_000);
    return run.final();
  }
  /** A deferred command's summary: the message holds the embed and no text (a failure would show here as text). */
  async function settled(run: InteractionHandle): Promise<any> {
    const message = await outcome(run);
    // A failure shows as text: name it with what the bot logged.
    expect({ content: message.content, errors: logged.filter((l) => l.level >= 50).map((l) => l.err) }).toEqual({ content: '', errors: [] });
    expect(message.embeds).toHaveLength(1);
    return message;
  }
  const synced = async (options: BotHarnessOptions = {}) => {
    const b = await boot(options);
    await createDefaultPlan(b.app);
    await b.app.usersSync().run();
    await b.app.sharedServersSync().run();
    return b;
  };

  describe('the Users panel', () => {
    it('pages through 23 users 10 a page; Previous and Next update the message in place', async () => {
      const account = panelAccount();
      const b = await synced({ account });
      const expected = byTitle(account.users).map((u, i) => `\`${i + 1}.\` **${u.title}** (${u.username}) · ${NEW_USER}`);

      const list = command('users', sub('list'));
      const first = await list.response();
      expect(first.type).toBe(4);
      expect(first.data.flags & EPHEMERAL).toBe(EPHEMERAL);
      const embed = first.data.embeds[0];
      expect(embed.title).toBe('Users');
      expect(lines(embed)).toEqual(expected.slice(0, 10));
      expect(embed.footer.text).toBe('Page 1 of 3 · 23 in all');
      expect(button(first.data, 'Previous').disabled).toBe(true);
      expect(button(first.data, 'Next').disabled).toBe(false);
      const open = first.data.components[0].components[0];
      expect(open.placeholder).toBe('Open a user…');
      expect(open.options.map((o: any) => o.label)).toEqual(byTitle(account.users).slice(0, 10).map((u) => u.title));
      for (const id of customIds(first.data)) expect(id.length).toBeLessThanOrEqual(100);

      const messageId = list.final().id;
      const messagesBefore = b.discord.messagesIn(IDS.channel).length;
      const press = async (label: 'Previous' | 'Next') => {
        const current = b.discord.messagesIn(IDS.channel).find((m) => m.id === messageId);
        const answer = await b.discord.button({ ...admin, customId: button(current, label).custom_id, message: messageId }).response();
        expect(answer.type).toBe(7);
        return answer.data;
      };
      const page2 = await press('Next');
      expect(page2.embeds[0].footer.text).toBe('Page 2 of 3 · 23 in all');
      expect(lines(page2.embeds[0])).toEqual(expected.slice(10, 20));
      expect(button(page2, 'Previous').disabled).toBe(false);
      const page3 = await press('Next');
      expect(page3.embeds[0].footer.text).toBe('Page 3 of 3 · 23 in all');
      expect(lines(page3.embeds[0])).toEqual(expected.slice(20));
      expect(page3.components[0].components[0].options).toHaveLength(3);
      expect(button(page3, 'Next').disabled).toBe(true);
      const back = await press('Previous');
      expect(back.embeds[0].footer.text).toBe('Page 2 of 3 · 23 in all');
      // Updated in place: still one list message, now showing page 2.
      const messages = b.discord.messagesIn(IDS.channel);
      expect(messages).toHaveLength(messagesBefore);
      expect(messages.find((m) => m.id === messageId).embeds[0].footer.text).toBe('Page 2 of 3 · 23 in all');
    });

    it('filters by search, class, status and server, the server picked by autocomplete', async () => {
      const account = panelAccount();
      const b = await synced({ account });
      const server1 = account.servers[0]!;
      await b.app.users.setClass(GENERATED_USER_ID_BASE + 1, 'permanent');
      await b.app.users.setClass(GENERATED_USER_ID_BASE + 4, 'permanent');
      const titlesOf = (embed: any) => lines(embed).map((l) => /\*\*(.+?)\*\*/.exec(l)![1]);

      const search = (await reply('users', sub('list', [{ name: 'search', value: 'User 1' }]))).embeds[0];
      expect(search.title).toBe('Users (matching "User 1")');
      expect(search.footer.text).toBe('Page 1 of 2 · 11 in all');
      expect(titlesOf(search)).toEqual(['User 1', 'User 10', 'User 11', 'User 12', 'User 13', 'User 14', 'User 15', 'User 16', 'User 17', 'User 18']);

      const permanent = (await reply('users', sub('list', [{ name: 'class', value: 'permanent' }]))).embeds[0];
      expect(permanent.title).toBe('Users (permanent)');
      expect(lines(permanent)).toEqual(['`1.` **User 1** (user1) · permanent · permanent · no Discord · **needs review**', '`2.` **User 4** (user4) · permanent · permanent · no Discord · **needs review**']);
      expect(permanent.footer.text).toBe('Page 1 of 1 · 2 in all');
      expect((await reply('users', sub('list', [{ name: 'status', value: 'permanent' }]))).embeds[0].footer.text).toBe('Page 1 of 1 · 2 in all');
      const active = (await reply('users', sub('list', [{ name: 'class', value: 'standard' }, { name: 'status', value: 'active' }]))).embeds[0];
      expect(active.title).toBe('Users (standard, active)');
      expect(active.footer.text).toBe('Page 1 of 3 · 21 in all');
      const expired = await reply('users', sub('list', [{ name: 'status', value: 'expired' }]));
      expect(expired.embeds[0].description).toBe('No user matches.');
      expect(expired.embeds[0].footer.text).toBe('Page 1 of 1 · 0 in all');
      expect(expired.components).toEqual([]);

      const ac = await b.discord.autocomplete({ ...admin, name: 'users', options: sub('list'), focused: { name: 'server', value: '01' } }).response();
      expect(ac.type).toBe(8);
      expect(ac.data.choices).toEqual([{ name: 'Server 01', value: server1.machineIdentifier }]);
      const all = await b.discord.autocomplete({ ...admin, name: 'users', options: sub('list'), focused: { name: 'server', value: '' } }).response();
      expect(all.data.choices.map((c: any) => c.name)).toEqual(['Server 01', 'Server 02']);

      const onServer = (await reply('users', sub('list', [{ name: 'server', value: server1.machineIdentifier }]))).embeds[0];
      expect(onServer.footer.text).toBe('Page 1 of 2 · 12 in all');
      expect(titlesOf(onServer)).toEqual(['User 0', 'User 10', 'User 12', 'User 14', 'User 16', 'User 18', 'User 2', 'User 20', 'User 22', 'User 4']);
      // The server may also be typed by name; filters combine.
      const combined = (await reply('users', sub('list', [{ name: 'server', value: 'server 02' }, { name: 'class', value: 'permanent' }]))).embeds[0];
      expect(combined.title).toBe('Users (permanent, on server 02)');
      expect(titlesOf(combined)).toEqual(['User 1']);
    });

    it('lists users needing review until an admin saves both profile and payment (service or modals), and opens a card from the list', async () => {
      const account = panelAccount();
      const b = await synced({ account });
      const needsReview = async () => {
        const run = command('users', sub('list', [{ name: 'status', value: 'needs-review' }]));
        const answer = await run.response();
        return { run, embed: answer.data.embeds[0], data: answer.data };
      };
      const reviewed = async (plexId: number) =>
        (await b.app.store.dataSource.query('SELECT profile_reviewed_at, payment_reviewed_at FROM users WHERE plex_id = ?', [plexId]))[0];

      const initial = await needsReview();
      expect(initial.embed.title).toBe('Users (needs-review)');
      expect(initial.embed.footer.text).toBe('Page 1 of 3 · 23 in all');

      // Through the services: the profile alone is not enough for a standard user.
      const user0 = GENERATED_USER_ID_BASE;
      expect((await b.app.users.updateProfile(user0, { paypalEmail: 'pays0@example.com', discordId: '', discordUsername: '' })).ok).toBe(true);
      expect((await needsReview()).embed.footer.text).toBe('Page 1 of 3 · 23 in all');
      expect((await b.app.users.updateDefaultPayment(user0, { plan: 'Monthly', startsAt: '2026-11-25', endsAt: '2027-02-25', subscriptionId: '' })).ok).toBe(true);
      const after0 = await needsReview();
      expect(after0.embed.footer.text).toBe('Page 1 of 3 · 22 in all');
      expect(lines(after0.embed)[0]).toBe(`\`1.\` **User 1** (user1) · ${NEW_USER}`);
      expect(await reviewed(user0)).toEqual({ profile_reviewed_at: expect.anything(), payment_reviewed_at: expect.anything() });
      // A permanent user needs no payment: the profile is enough.
      await b.app.users.setClass(GENERATED_USER_ID_BASE + 2, 'permanent');
      await b.app.users.updateProfile(GENERATED_USER_ID_BASE + 2, { paypalEmail: '', discordId: '', discordUsername: '' });
      expect((await needsReview()).embed.footer.text).toBe('Page 1 of 3 · 21 in all');

      // Through Discord: open User 1 from the list, then both modals from the card.
      const list = await needsReview();
      const select = list.data.components[0].components[0];
      const user1 = String(GENERATED_USER_ID_BASE + 1);
      const opened = await b.discord.selectMenu({ ...admin, customId: select.custom_id, values: [user1], message: list.run.final().id }).response();
      expect(opened.type).toBe(4);
      const card = opened.data.embeds[0];
      expect(card.title).toBe('User 1');
      expect(card.description).toBe('Standard user · active until 2026-12-25 (30 days left)');
      expect(card.footer.text).toBe('Needs review: set the PayPal email, Discord, and the real plan and end date.');

      const profileButton = b.discord.button({ ...admin, customId: `user-edit-profile:${user1}` });
      expect((await profileButton.response()).type).toBe(9);
      const savedProfile = await formAnswer(b.discord.modalSubmit({ ...admin, from: profileButton, fields: { paypalEmail: 'User1@Example.com', discordId: IDS.member } }));
      expect(savedProfile.data.content).toBe('Saved.');
      expect(savedProfile.data.embeds[0].footer.text).toBe('Needs review: set the PayPal email, Discord, and the real plan and end date.');
      expect((await needsReview()).embed.footer.text).toBe('Page 1 of 3 · 21 in all');

      const paymentButton = b.discord.button({ ...admin, customId: `user-edit-payment:${user1}` });
      expect((await paymentButton.response()).type).toBe(9);
      const savedPayment = await formAnswer(b.discord.modalSubmit({ ...admin, from: paymentButton, fields: { plan: ['Monthly'], endsAt: '2027-05-25' } }));
      expect(savedPayment.data.content).toBe('Saved.');
      expect(savedPayment.data.embeds[0].footer).toBeUndefined();
      expect(fields(savedPayment.data.embeds[0]).Discord).toBe(`<@${IDS.member}> (obrien.discord)\nlinked by an admin on ${b.app.clock.now().toISOString().slice(0, 10)}`);
      expect(await reviewed(GENERATED_USER_ID_BASE + 1)).toEqual({ profile_reviewed_at: expect.anything(), payment_reviewed_at: expect.anything() });
      expect(await b.app.users.card(GENERATED_USER_ID_BASE + 1)).toMatchObject({
        paypalEmail: 'user1@example.com',
        discordId: IDS.member,
        discordUsername: 'obrien.discord',
        needsReview: false,
        // The start date was left as it was (keeps its time); the end date was changed (midnight UTC).
        defaultPayment: { plan: 'Monthly', startsAt: new Date('2026-11-25T12:00:00.000Z'), endsAt: new Date('2027-05-25T00:00:00.000Z'), subscriptionId: null },
      });

      const final = await needsReview();
      expect(final.embed.footer.text).toBe('Page 1 of 2 · 20 in all');
      expect(lines(final.embed)[0]).toBe(`\`1.\` **User 10** (user10) · ${NEW_USER}`);
      // The reviewed users are still listed, without the mark, and with their Discord link.
      const all = (await reply('users', sub('list', [{ name: 'search', value: 'user1' }]))).embeds[0];
      expect(lines(all)[0]).toBe(`\`1.\` **User 1** (user1) · standard · active until 2027-05-25 (181 days left) · <@${IDS.member}>`);
    });

    it('lists users gone from plex.tv under status removed, and no longer as needing review', async () => {
      const account = panelAccount();
      const b = await synced({ account });
      b.plex.update((a) => {
        a.users = a.users.filter((u) => u.id !== GENERATED_USER_ID_BASE + 3 && u.id !== GENERATED_USER_ID_BASE + 7);
      });
      const sync = await settled(command('sync-users'));
      expect(fields(sync.embeds[0]).Removed).toBe('2');

      const removed = (await reply('users', sub('list', [{ name: 'status', value: 'removed' }]))).embeds[0];
      expect(removed.title).toBe('Users (removed)');
      expect(lines(removed)).toEqual(['`1.` **User 3** (user3) · standard · removed from Plex · no Discord', '`2.` **User 7** (user7) · standard · removed from Plex · no Discord']);
      expect(removed.footer.text).toBe('Page 1 of 1 · 2 in all');
      expect((await reply('users', sub('list', [{ name: 'status', value: 'needs-review' }]))).embeds[0].footer.text).toBe('Page 1 of 3 · 21 in all');
      expect((await reply('users', sub('list', [{ name: 'status', value: 'active' }]))).embeds[0].footer.text).toBe('Page 1 of 3 · 21 in all');
      const card = (await reply('user', sub('view', [{ name: 'user', value: String(GENERATED_USER_ID_BASE + 3) }]))).embeds[0];
      expect(card.description).toBe('Standard user · removed from Plex on 2026-11-25');
    });
  });

  describe('the Shared Servers panel', () => {
    it('lists who shares which server with dates or pending and libraries, filtered by a server picked by autocomplete', async () => {
      const account = smallAccount();
      const b = await synced({ account });
      const user = (id: number) => account.users.find((u) => u.id === id)!;
      const share = (id: number, server: string) => user(id).shares.find((s) => s.machineIdentifier === server)!;
      const cabin = "Cabin & Co's";
      const expected = [
        shareRow(1, cabin, 'obrien_son', share(SMALL_USERS.obrien, SMALL_IDS.cabin), ''),
        shareRow(2, cabin, 'zoe', share(SMALL_USERS.zoe, SMALL_IDS.cabin), 'Films'),
        shareRow(3, 'Living Room', 'managed user 1003', share(SMALL_USERS.kids, SMALL_IDS.livingRoom), 'Movies'),
        shareRow(4, 'Living Room', 'obrien_son', share(SMALL_USERS.obrien, SMALL_IDS.livingRoom), 'Movies, TV Shows'),
        shareRow(5, 'Living Room', 'unal.celik', share(SMALL_USERS.unal, SMALL_IDS.livingRoom), ''),
      ];
      expect(expected[1]).toBe(`\`2.\` **Cabin & Co's** · zoe · invited ${day(BASE_TIME - 2 * DAY)} · **pending** · Films`);

      const list = await reply('shared-servers', sub('list'));
      expect(list.flags & EPHEMERAL).toBe(EPHEMERAL);
      expect(list.embeds[0].title).toBe('Shared servers');
      expect(lines(list.embeds[0])).toEqual(expected);
      expect(list.embeds[0].footer.text).toBe('Page 1 of 1 · 5 in all');
      expect(list.components).toEqual([]);

      const ac = await b.discord.autocomplete({ ...admin, name: 'shared-servers', options: sub('list'), focused: { name: 'server', value: 'CAB' } }).response();
      expect(ac.data.choices).toEqual([{ name: cabin, value: SMALL_IDS.cabin }]);
      const filtered = (await reply('shared-servers', sub('list', [{ name: 'server', value: SMALL_IDS.cabin }]))).embeds[0];
      expect(filtered.title).toBe(`Shared servers: ${cabin}`);
      expect(lines(filtered)).toEqual(expected.slice(0, 2));
      expect(filtered.footer.text).toBe('Page 1 of 1 · 2 in all');
      const byName = (await reply('shared-servers', sub('list', [{ name: 'server', value: 'living room' }]))).embeds[0];
      expect(byName.title).toBe('Shared servers: Living Room');
      expect(byName.footer.text).toBe('Page 1 of 1 · 3 in all');
    });

    it('pages 23 shares the same way as the users', async () => {
      const account = panelAccount();
      const b = await synced({ account });
      const sections = new Map(account.servers.flatMap((s) => s.sections.map((x) => [x.id, x.title] as const)));
      const rows = account.servers.flatMap((server) =>
        byTitle(account.users.filter((u) => u.shares[0]!.machineIdentifier === server.machineIdentifier)).map((u) => ({ server, u, share: u.shares[0]! })),
      );
      const expected = rows.map((r, i) => shareRow(i + 1, r.server.name, r.u.username!, r.share, r.share.sectionIds.map((id) => sections.get(id)).join(', ')));
      expect(expected.filter((l) => l.includes('**pending**'))).toHaveLength(1);

      const list = command('shared-servers', sub('list'));
      const first = (await list.response()).data;
      expect(lines(first.embeds[0])).toEqual(expected.slice(0, 10));
      expect(first.embeds[0].footer.text).toBe('Page 1 of 3 · 23 in all');
      expect(first.components).toHaveLength(1);
      expect(button(first, 'Previous').disabled).toBe(true);
      const next = await b.discord.button({ ...admin, customId: button(first, 'Next').custom_id, message: list.final().id }).response();
      expect(next.type).toBe(7);
      expect(lines(next.data.embeds[0])).toEqual(expected.slice(10, 20));
      expect(next.data.embeds[0].footer.text).toBe('Page 2 of 3 · 23 in all');

      const server2 = (await reply('shared-servers', sub('list', [{ name: 'server', value: account.servers[1]!.machineIdentifier }]))).embeds[0];
      expect(server2.title).toBe('Shared servers: Server 02');
      expect(server2.footer.text).toBe('Page 1 of 2 · 11 in all');
      expect(lines(server2)[0]).toBe(expected[12]!.replace(/^`13\.`/, '`1.`'));
    });
  });

  describe('plans and servers from Discord', () => {
    it('the first run needs no CLI: plans are created, refused, edited and made default in Discord, then /sync-users works', async () => {
      const b = await boot();
      expect((await reply('plan', sub('list'))).embeds[0].description).toBe('No plans yet: /plan create.');
      const noPlan = await outcome(command('sync-users'));
      expect(noPlan.content).toBe(
        'No default plan: 6 new standard user(s) need a default payment. Create one first with /plan create (CLI: streams-manager plans create --name … --duration 1m --price 10.00 --default). Nothing was written.',
      );
      expect(await b.app.store.dataSource.query('SELECT * FROM users')).toEqual([]);

      const create = (name: string, duration: string, price: string, extra: any[] = []) =>
        reply('plan', sub('create', [{ name: 'name', value: name }, { name: 'duration', value: duration }, { name: 'price', value: price }, ...extra]));
      const forever = await create('Monthly', 'forever', '10.00');
      expect(forever.content).toBe('duration "forever" is not valid: use a number of days or months, like 30d or 1m');
      expect(forever.flags & EPHEMERAL).toBe(EPHEMERAL);
      expect((await create('Monthly', '1m', 'ten')).content).toBe('price "ten" is not valid: use an amount like 10.00');
      expect((await create('Monthly', '1m', '10', [{ name: 'currency', value: 'E1R' }])).content).toBe('currency "E1R" is not a 3-letter code like USD');
      expect(await b.app.store.dataSource.query('SELECT * FROM plans')).toEqual([]);

      expect((await create('Monthly', '1m', '10.00')).content).toBe('Plan created: **Monthly**: 1 month, 10.00 USD · default');
      expect((await create('Monthly', '30d', '5')).content).toBe('a plan named "Monthly" already exists');
      expect((await create('Yearly', '12 months', '100', [{ name: 'currency', value: 'eur' }])).content).toBe('Plan created: **Yearly**: 12 months, 100.00 EUR');
      expect((await create('Weekly', '7d', '3,5', [{ name: 'default', value: true }])).content).toBe('Plan created: **Weekly**: 7 days, 3.50 USD · default');

      const ac = await b.discord.autocomplete({ ...admin, name: 'plan', options: sub('set-default'), focused: { name: 'plan', value: 'ly' } }).response();
      expect(ac.data.choices).toEqual([
        { name: 'Monthly', value: 'Monthly' },
        { name: 'Weekly', value: 'Weekly' },
        { name: 'Yearly', value: 'Yearly' },
      ]);
      const editAc = await b.discord.autocomplete({ ...admin, name: 'plan', options: sub('edit'), focused: { name: 'plan', value: 'YEA' } }).response();
      expect(editAc.data.choices).toEqual([{ name: 'Yearly', value: 'Yearly' }]);

      const edit = (plan: string, changes: any[]) => reply('plan', sub('edit', [{ name: 'plan', value: plan }, ...changes]));
      expect((await edit('Yearly', [{ name: 'name', value: 'Annual' }, { name: 'price', value: '90' }])).content).toBe('Plan saved: **Annual**: 12 months, 90.00 EUR');
      expect((await edit('Annual', [{ name: 'name', value: 'Monthly' }])).content).toBe('a plan named "Monthly" already exists');
      expect((await edit('Nope', [{ name: 'price', value: '1' }])).content).toBe('no plan named "Nope"');
      expect((await edit('Annual', [{ name: 'duration', value: 'forever' }])).content).toBe('duration "forever" is not valid: use a number of days or months, like 30d or 1m');
      expect((await reply('plan', sub('set-default', [{ name: 'plan', value: 'Nope' }]))).content).toBe('no plan named "Nope"');
      expect((await reply('plan', sub('set-default', [{ name: 'plan', value: 'Monthly' }]))).content).toBe('Default plan: **Monthly**: 1 month, 10.00 USD · default');

      const plans = (await reply('plan', sub('list'))).embeds[0];
      expect(plans.title).toBe('Plans');
      expect(plans.description).toBe('**Annual**: 12 months, 90.00 EUR\n**Monthly**: 1 month, 10.00 USD · default\n**Weekly**: 7 days, 3.50 USD');
      const rows = await b.app.store.dataSource.query('SELECT name, duration_value, duration_unit, price_cents, currency, default_flag FROM plans ORDER BY name');
      expect(rows.map((r: any) => [r.name, Number(r.duration_value), r.duration_unit, Number(r.price_cents), r.currency, r.default_flag === null ? null : Number(r.default_flag)])).toEqual([
        ['Annual', 12, 'month', 9000, 'EUR', null],
        ['Monthly', 1, 'month', 1000, 'USD', 1],
        ['Weekly', 7, 'day', 350, 'USD', null],
      ]);

      const sync = await settled(command('sync-users'));
      expect(sync.embeds[0].title).toBe('Users sync done');
      expect(fields(sync.embeds[0]).Created).toBe('6 (standard 6, permanent 0)');
      const payments = await b.app.store.dataSource.query('SELECT pl.name FROM payments p JOIN plans pl ON pl.id = p.plan_id');
      expect(payments.map((p: any) => p.name)).toEqual(Array(6).fill('Monthly'));
    });

    it('lists the servers after a sync and changes import-as and enabled, which the next syncs follow', async () => {
      const b = await boot();
      await createDefaultPlan(b.app);
      expect((await reply('server', sub('list'))).embeds[0].description).toBe('No servers yet: run /sync-users or /sync-shared-servers.');

      // Servers first, users after: the settings apply to the very first import.
      const shares = await settled(command('sync-shared-servers'));
      expect(shares.embeds[0].footer.text).toBe('5 share(s) of users not imported yet were skipped: run /sync-users first.');
      const list = (await reply('server', sub('list'))).embeds[0];
      expect(list.title).toBe('Servers');
      expect(list.description).toBe("**Cabin & Co's**: new users import as standard · enabled\n**Living Room**: new users import as standard · enabled");

      const ac = await b.discord.autocomplete({ ...admin, name: 'server', options: sub('settings'), focused: { name: 'server', value: 'liv' } }).response();
      expect(ac.data.choices).toEqual([{ name: 'Living Room', value: SMALL_IDS.livingRoom }]);
      const settings = (server: string, options: any[]) => reply('server', sub('settings', [{ name: 'server', value: server }, ...options]));
      expect((await settings(SMALL_IDS.livingRoom, [{ name: 'import-as', value: 'permanent' }])).content).toBe('Saved: **Living Room**: new users import as permanent · enabled');
      expect((await settings(SMALL_IDS.cabin, [])).content).toBe('Nothing to change: give import-as or enabled.');
      expect((await settings('nope', [{ name: 'enabled', value: false }])).content).toBe(
        'no server with machine identifier "nope": run a sync first, then see the servers list',
      );
      const servers = await b.app.store.dataSource.query('SELECT machine_identifier, import_as, enabled FROM media_servers ORDER BY name');
      expect(servers.map((s: any) => [s.machine_identifier, s.import_as, Boolean(Number(s.enabled))])).toEqual([
        [SMALL_IDS.cabin, 'standard', true],
        [SMALL_IDS.livingRoom, 'permanent', true],
      ]);

      const users = await settled(command('sync-users'));
      expect(fields(users.embeds[0]).Created).toBe('6 (standard 3, permanent 3)');
      expect((await b.app.users.card(SMALL_USERS.kids)).class).toBe('permanent');
      expect((await b.app.users.card(SMALL_USERS.zoe)).class).toBe('standard');

      expect((await settings(SMALL_IDS.cabin, [{ name: 'enabled', value: false }])).content).toBe("Saved: **Cabin & Co's**: new users import as standard · disabled");
      const again = await settled(command('sync-shared-servers'));
      expect(again.embeds[0].description).toBe('**Living Room**: +3 ~0 =0 −0');
      expect((await b.app.directory.listSharedServers()).map((s) => s.serverName)).toEqual(['Living Room', 'Living Room', 'Living Room']);
    });
  });

  describe('the syncs from Discord', () => {
    it('/sync-users dry-run lists what would change and writes nothing', async () => {
      const b = await boot();
      await createDefaultPlan(b.app);
      const empty = await b.snapshot();
      const first = await settled(command('sync-users', [{ name: 'dry-run', value: true }]));
      const embed = first.embeds[0];
      expect(first.flags & EPHEMERAL).toBe(EPHEMERAL);
      expect(embed.title).toBe('Users sync: dry run, nothing written');
      expect(lines(embed)).toEqual(smallAccount().users.map((u) => `+ ${u.title} (standard)`));
      expect(fields(embed)).toMatchObject({ Created: '6 (standard 6, permanent 0)', Updated: '0', Unchanged: '0', Removed: '0', 'Default payments': '6' });
      expect(embed.footer).toBeUndefined();
      expect(await b.snapshot()).toEqual(empty);
      expect(await b.app.store.dataSource.query('SELECT * FROM sync_runs')).toEqual([]);

      await b.app.usersSync().run();
      b.plex.update((a) => {
        a.users.find((u) => u.id === SMALL_USERS.zoe)!.title = 'Zoë Z';
        a.users = a.users.filter((u) => u.id !== SMALL_USERS.noShares);
        a.users.push({ id: 1010, title: 'New Friend', username: 'newfriend', email: 'new@example.com', shares: [] });
      });
      const before = await b.snapshot();
      const second = (await settled(command('sync-users', [{ name: 'dry-run', value: true }]))).embeds[0];
      expect(lines(second)).toEqual(['+ New Friend (standard)', '~ Zoë Z: title', '- Lonely Friend']);
      expect(fields(second)).toMatchObject({ Created: '1 (standard 1, permanent 0)', Updated: '1', Unchanged: '4', Removed: '1', 'Default payments': '1' });
      expect(await b.snapshot()).toEqual(before);
    });

    it('/sync-shared-servers ends with per-server lines, counts and duration', async () => {
      const b = await boot();
      await createDefaultPlan(b.app);
      await b.app.usersSync().run();
      const first = await settled(command('sync-shared-servers'));
      expect(first.flags & EPHEMERAL).toBe(EPHEMERAL);
      const embed = first.embeds[0];
      expect(embed.title).toBe('Shared servers sync done');
      expect(embed.description).toBe("**Cabin & Co's**: +2 ~0 =0 −0, 1 pending\n**Living Room**: +3 ~0 =0 −0");
      expect(embed.fields.map((f: any) => f.name)).toEqual(['Created', 'Updated', 'Unchanged', 'Removed', 'Duration']);
      expect(fields(embed)).toMatchObject({ Created: '5', Updated: '0', Unchanged: '0', Removed: '0' });
      expect(fields(embed).Duration).toMatch(/^\d+\.\d s$/);
      // Like the users sync, it says how many users still need review.
      expect(embed.footer).toEqual({ text: '6 user(s) need review: /users list status:needs-review' });

      b.plex.update((a) => {
        a.users.find((u) => u.id === SMALL_USERS.zoe)!.shares[0]!.acceptedAt = BASE_TIME;
        a.users.find((u) => u.id === SMALL_USERS.kids)!.shares = [];
      });
      const second = (await settled(command('sync-shared-servers'))).embeds[0];
      expect(second.description).toBe("**Cabin & Co's**: +0 ~1 =1 −0\n**Living Room**: +0 ~0 =2 −1");
      expect(fields(second)).toMatchObject({ Created: '0', Updated: '1', Unchanged: '3', Removed: '1' });
      const zoe = (await b.app.directory.listSharedServers()).find((s) => s.plexUserId === SMALL_USERS.zoe)!;
      expect(zoe).toMatchObject({ pending: false, acceptedAt: new Date(BASE_TIME * 1000).toISOString() });
      expect((await b.app.directory.listSharedServers()).length).toBe(4);
    });

    /** Edits of the interaction's @original that the fake accepted, with when it received them. */
    const progressEdits = (b: BotHarness, run: InteractionHandle) =>
      b.discord.restLog.filter((r) => r.method === 'PATCH' && decodeURIComponent(r.path) === `/webhooks/${IDS.app}/${run.token}/messages/@original` && r.status === 200);

    it('edits the deferred /sync-users reply with progress when plex.tv is slow', async () => {
      const b = await boot();
      await createDefaultPlan(b.app);
      b.plex.injectFault({ path: /^\/api\/users\/?$/, delayMs: 2200 });
      const run = command('sync-users');
      const deferred = await run.response();
      const done = await settled(run);
      expect(done.embeds[0].title).toBe('Users sync done');
      // The summary replaces the progress text in the same message: no follow-up, no stale "Syncing…".
      expect(done.content).toBe('');
      expect(run.followUps).toEqual([]);
      const edits = progressEdits(b, run);
      expect(edits.map((e) => e.body.content)).toEqual(['Syncing users… fetching servers and users from plex.tv (1/1)', '']);
      expect(edits[0]!.at - deferred.at).toBeGreaterThanOrEqual(2000);
    });

    it('edits the /sync-shared-servers progress at most every 2 s on a long run', async () => {
      const account = generatedAccount({ users: 20, servers: 20, serversPerUser: { min: 1, max: 1 } });
      const b = await boot({ account });
      await createDefaultPlan(b.app);
      await b.app.usersSync().run();
      // 20 servers fetched 4 at a time, each answer 1 s late: progress events every second for 5 s.
      b.plex.injectFault({ path: /^\/api\/servers\/[0-9a-f]+\/shared_servers$/, delayMs: 1000, times: Infinity });
      const run = command('sync-shared-servers');
      const deferred = await run.response();
      const done = await settled(run);
      expect(lines(done.embeds[0])).toHaveLength(20);
      expect(done.content).toBe('');
      expect(run.followUps).toEqual([]);
      expect(fields(done.embeds[0]).Created).toBe('20');

      const edits = progressEdits(b, run);
      const progress = edits.slice(0, -1);
      expect(edits[edits.length - 1]!.body.embeds[0].title).toBe('Shared servers sync done');
      // 20 fetch events and 21 write events over about 5 s: only a few become edits.
      expect(progress.length).toBeGreaterThanOrEqual(2);
      for (const e of progress) expect(e.body.content).toMatch(/^Syncing shared servers… (fetching shares from plex\.tv|writing shares) \(\d+\/20\)$/);
      expect(progress[0]!.at - deferred.at).toBeGreaterThanOrEqual(2000);
      // The bot spaces them by 2 s when it sends them; a loaded machine delays one request more than the next,
      // so allow 250 ms of transport jitter on the fake's side (an edit a second would still fail).
      for (let i = 1; i < progress.length; i++) expect(progress[i]!.at - progress[i - 1]!.at).toBeGreaterThanOrEqual(2000 - 250);
    }, 30_000);
  });

  describe('robustness', () => {
    it('answers an unexpected error ephemerally with the id it logged, for a command, a select and an autocomplete', async () => {
      const logs: any[] = [];
      const logger = createLogger('info', { write: (line: string) => void logs.push(JSON.parse(line)) });
      const b = await synced({ logger });
      const list = command('users', sub('list'));
      const listed = await list.response();
      const select = listed.data.components[0].components[0];

      await b.app.store.dataSource.query('DROP TABLE shared_servers');
      const failure = await reply('shared-servers', sub('list'));
      expect(failure.flags & EPHEMERAL).toBe(EPHEMERAL);
      const [, id] = /^Something went wrong, logged as ([0-9a-f]{8})\.$/.exec(failure.content) ?? [];
      expect(id).toBeDefined();
      const logged = logs.find((l) => l.errorId === id);
      expect(logged).toMatchObject({ level: 50, msg: 'interaction failed', command: 'shared-servers', user: IDS.admin, interaction: 2 });
      expect(logged.err.message).toMatch(/shared_servers/);

      const fromSelect = await b.discord.selectMenu({ ...admin, customId: select.custom_id, values: [String(SMALL_USERS.zoe)], message: list.final().id }).response();
      expect(fromSelect.type).toBe(4);
      expect(fromSelect.data.flags & EPHEMERAL).toBe(EPHEMERAL);
      const selectId = /^Something went wrong, logged as ([0-9a-f]{8})\.$/.exec(fromSelect.data.content)?.[1];
      expect(selectId).toBeDefined();
      expect(selectId).not.toBe(id);
      expect(logs.find((l) => l.errorId === selectId)).toMatchObject({ customId: select.custom_id, interaction: 3 });

      await b.app.store.dataSource.query('DROP TABLE media_servers');
      const ac = await b.discord.autocomplete({ ...admin, name: 'users', options: sub('list'), focused: { name: 'server', value: 'liv' } }).response();
      expect(ac.type).toBe(8);
      expect(ac.data.choices).toEqual([]);
      expect(logs.filter((l) => l.msg === 'interaction failed').map((l) => l.interaction)).toEqual([2, 3, 4]);
    });

    it('answers a plex.tv failure during /sync-users with its one line and changes nothing', async () => {
      const b = await boot();
      await createDefaultPlan(b.app);
      const before = await b.snapshot();
      b.plex.update((a) => {
        a.token = 'revoked-token';
      });
      const users = await outcome(command('sync-users'));
      expect(users.content).toBe('Plex rejected the token (401): check PLEX_TOKEN');
      expect(users.embeds).toEqual([]);
      expect(users.flags & EPHEMERAL).toBe(EPHEMERAL);
      const shares = await outcome(command('sync-shared-servers'));
      expect(shares.content).toBe('Plex rejected the token (401): check PLEX_TOKEN');
      expect(await b.snapshot()).toEqual(before);
      const runs = await b.app.store.dataSource.query('SELECT kind, outcome, error FROM sync_runs ORDER BY id');
      expect(runs).toEqual([
        { kind: 'users', outcome: 'failed', error: 'Plex rejected the token (401): check PLEX_TOKEN' },
        { kind: 'shared-servers', outcome: 'failed', error: 'Plex rejected the token (401): check PLEX_TOKEN' },
      ]);
    });

    it('keeps every answer within Discord limits with 300 users, a 300-character title and 100 servers shared', async () => {
      const account = generatedAccount({ users: 300, servers: 100, serversPerUser: { min: 1, max: 1 } });
      const long = 'Ünal Çelik & Søn «the longest title on plex.tv» '.repeat(8).slice(0, 300);
      expect(long).toHaveLength(300);
      // The users table holds 255 characters: longer titles are cut, visibly.
      const stored = `${long.slice(0, 254)}…`;
      const first = account.users[0]!;
      first.title = long;
      first.shares = account.servers.map((server, k) => ({
        machineIdentifier: server.machineIdentifier,
        shareId: 90_000_000 + k,
        invitedAt: BASE_TIME - 10 * DAY,
        acceptedAt: BASE_TIME - 9 * DAY,
        allLibraries: false,
        sectionIds: server.sections.map((s) => s.id),
      }));
      const b = await boot({ account });
      await createDefaultPlan(b.app);
      const firstId = String(first.id);
      /** A long list cut to fit ends with how many rows were left out. */
      const expectCounted = (text: string, total: number, more: RegExp) => {
        const all = text.split('\n');
        const m = more.exec(all.at(-1)!);
        expect(m).not.toBeNull();
        expect(Number(m![1])).toBe(total - (all.length - 1));
      };

      const dry = (await settled(command('sync-users', [{ name: 'dry-run', value: true }]))).embeds[0];
      expect(lines(dry)[0]).toBe(`+ ${stored} (standard)`);
      expect(dry.description.length).toBeLessThanOrEqual(4096);
      expectCounted(dry.description, 300, /^… and (\d+) more$/);

      const sync = (await settled(command('sync-users'))).embeds[0];
      expect(fields(sync).Created).toBe('300 (standard 300, permanent 0)');
      expect((await b.app.users.card(first.id)).title).toBe(stored);
      // A second sync sees the same cut title: nothing changed.
      expect(fields((await settled(command('sync-users'))).embeds[0])).toMatchObject({ Updated: '0', Unchanged: '300' });
      const shares = (await settled(command('sync-shared-servers'))).embeds[0];
      expect(fields(shares).Created).toBe('399');
      expect(lines(shares)).toHaveLength(100);

      const list = await reply('users', sub('list'));
      expect(list.embeds[0].footer.text).toBe('Page 1 of 30 · 300 in all');
      const found = await reply('users', sub('list', [{ name: 'search', value: 'plex.tv' }]));
      expect(lines(found.embeds[0])).toEqual([`\`1.\` **${stored}** (user0) · ${NEW_USER}`]);
      expect(found.components[0].components[0].options[0].label).toBe(`${stored.slice(0, 99)}…`);

      const card = (await reply('user', sub('view', [{ name: 'user', value: firstId }]))).embeds[0];
      expect(card.title).toBe(stored);
      const servers = fields(card).Servers;
      expect(servers.length).toBeLessThanOrEqual(1024);
      expect(servers.split('\n')[0]).toBe(`**Server 01**: accepted ${day(BASE_TIME - 9 * DAY)} (invited ${day(BASE_TIME - 10 * DAY)}); Movies, TV Shows, Music`);
      expectCounted(servers, 100, /^… and (\d+) more servers: \/shared-servers list$/);

      const profile = b.discord.chatInput({ ...admin, name: 'user', options: sub('edit-profile', [{ name: 'user', value: firstId }]) });
      expect((await profile.response()).type).toBe(9);
      expect(profile.modal().title).toBe(`Profile: ${stored.slice(0, 35)}…`);
      const viewed = await reply('user', sub('view', [{ name: 'user', value: firstId }]));
      const press = await b.discord.button({ ...admin, customId: button(viewed, 'Make permanent').custom_id }).response();
      expect(press.data.content).toBe(`${stored} is now permanent.`);

      const ac = await b.discord.autocomplete({ ...admin, name: 'user', options: sub('view'), focused: { name: 'user', value: 'longest title' } }).response();
      expect(ac.data.choices).toEqual([{ name: `${stored} (user0)`.slice(0, 100), value: firstId }]);
      const serverAc = await b.discord.autocomplete({ ...admin, name: 'server', options: sub('settings'), focused: { name: 'server', value: 'server' } }).response();
      expect(serverAc.data.choices).toHaveLength(25);

      const shareList = command('shared-servers', sub('list'));
      const sharePage = (await shareList.response()).data;
      expect(sharePage.embeds[0].footer.text).toBe('Page 1 of 40 · 399 in all');
      const next = await b.discord.button({ ...admin, customId: button(sharePage, 'Next').custom_id, message: shareList.final().id }).response();
      expect(next.data.embeds[0].footer.text).toBe('Page 2 of 40 · 399 in all');

      const serverList = (await reply('server', sub('list'))).embeds[0];
      expect(serverList.description.length).toBeLessThanOrEqual(4096);
      expect(lines(serverList)[0]).toBe('**Server 01**: new users import as standard · enabled');
      expectCounted(serverList.description, 100, /^… and (\d+) more$/);
    }, 60_000);
  });
});
