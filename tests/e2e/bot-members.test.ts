/* eslint-disable @typescript-eslint/no-explicit-any */
import { Writable } from 'node:stream';
import { createLogger } from '../../src/config/logger';
import type { InteractionHandle } from '../fakes/discord';
import { SMALL_USERS } from '../fakes/plex/plex-data';
import { closeBotHarness, guildSpec, IDS, startBotHarness, type BotHarness } from '../support/bot-harness';
import { DATABASE_KINDS } from '../support/databases';
import { createDefaultPlan, T0 } from '../support/harness';

const EPHEMERAL = 64;
/** An ordinary member no user is linked to. */
const NEWBIE = { id: '900000000000000014', username: 'newbie_d' };
const OBRIEN = { id: SMALL_USERS.obrien, username: 'obrien_son', email: 'obrien@example.com', title: "O'Brien & Søn" };
const ZOE = { id: SMALL_USERS.zoe, username: 'zoe', email: 'zoe@example.com', title: 'Zoë' };
const DAY = 86_400_000;

describe.each(DATABASE_KINDS)('the bot on %s: what members can do', (kind) => {
  let h: BotHarness;
  let logLines: string[];

  beforeEach(async () => {
    logLines = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    const guild = guildSpec();
    // Closed DMs: everything a member needs comes in the ephemeral reply.
    guild.members.push({ user: NEWBIE, roles: [], dmsClosed: true });
    h = await startBotHarness(kind, {
      guild,
      // Both the bot's and the services' log lines are kept, at the most verbose level.
      logger: createLogger('trace', sink),
      appLogger: createLogger('trace', sink),
      env: { PLEX_PIN_POLL_MS: '50', DISCORD_ADMIN_CHANNEL_ID: IDS.channel, PLEX_AUTH_URL: 'https://plex.example/auth' },
    });
    await createDefaultPlan(h.app);
    await h.app.catalog.createPlan({ name: 'Cabin Deluxe', duration: '1m', price: '7.77', currency: 'EUR' });
    await h.app.usersSync().run();
    await h.app.sharedServersSync().run();
    const end = new Date(T0.getTime() + 20 * DAY).toISOString().slice(0, 10);
    const start = new Date(T0.getTime() - 10 * DAY).toISOString().slice(0, 10);
    // O'Brien pays Monthly and is not linked yet; Zoë pays Cabin Deluxe and is linked (by an admin) to another member.
    expect((await h.app.users.updateDefaultPayment(OBRIEN.id, { plan: 'Monthly', startsAt: start, endsAt: end, subscriptionId: '' })).ok).toBe(true);
    expect((await h.app.users.updateDefaultPayment(ZOE.id, { plan: 'Cabin Deluxe', startsAt: start, endsAt: end, subscriptionId: '' })).ok).toBe(true);
    expect((await h.app.users.updateProfile(ZOE.id, { paypalEmail: 'zoe.pays@example.com', discordId: IDS.friend, discordUsername: '' })).ok).toBe(true);
  });
  afterEach(async () => expect(await closeBotHarness(h)).toEqual([]));

  const asMember = (userId: string, name: string) => h.discord.chatInput({ guildId: IDS.guild, userId, name });
  const press = (userId: string, customId: string, message: any) => h.discord.button({ guildId: IDS.guild, userId, customId, message });
  const text = (body: any) => JSON.stringify(body);

  async function settled(run: InteractionHandle, until: (content: string) => boolean): Promise<any> {
    const first = await run.response();
    expect(first.data?.flags & EPHEMERAL).toBe(EPHEMERAL);
    await run.waitFor((x) => until(x.final()?.content ?? '') || (x.final()?.embeds?.length ?? 0) > 0, 15_000);
    return run.final();
  }

  /** /link by `userId`: the reply with the sign-in link, and the PIN's code read from that link. */
  async function startLink(userId: string): Promise<{ run: InteractionHandle; reply: any; code: string }> {
    const run = asMember(userId, 'link');
    const reply = await settled(run, (c) => c.includes('Waiting for your sign-in'));
    const signIn = reply.components[0].components.find((c: any) => c.style === 5);
    const url = new URL(signIn.url);
    expect(`${url.origin}${url.pathname}`).toBe('https://plex.example/auth');
    const params = new URLSearchParams(url.hash.replace(/^#\?/, ''));
    expect(params.get('clientID')).toBe('streams-manager-bot');
    expect(params.get('context[device][product]')).toBe('streams-manager-bot');
    return { run, reply, code: params.get('code')! };
  }

  const finalContent = async (run: InteractionHandle, part: string) => {
    await run.waitFor((x) => (x.final()?.content ?? '').includes(part), 15_000);
    return run.final().content as string;
  };

  it('/subscription shows a linked member their own plan, status, servers and payments, and nothing of anyone else', async () => {
    await h.app.users.updateProfile(OBRIEN.id, { paypalEmail: '', discordId: IDS.member, discordUsername: '' });
    const reply = await settled(asMember(IDS.member, 'subscription'), () => false);
    const embed = reply.embeds[0];
    expect(embed.title).toBe("Your subscription: O'Brien & Søn");
    const field = (name: string) => embed.fields.find((f: any) => f.name === name).value as string;
    expect(field('Plan')).toBe('Monthly');
    // The form's end date is a day: it starts at midnight UTC.
    const end = Math.floor(Date.parse(new Date(T0.getTime() + 20 * DAY).toISOString().slice(0, 10)) / 1000);
    // 20 days left is past the 7-day reminder window: active, with an absolute and a relative timestamp.
    expect(field('Status')).toBe(`active until <t:${end}:D> (<t:${end}:R>)`);
    expect(field('Servers and libraries')).toContain('**Living Room**: Movies, TV Shows');
    expect(field('Servers and libraries')).toContain("**Cabin & Co's**: all libraries");
    expect(field('Last payments')).toMatch(/^\d{4}-\d{2}-\d{2} · 10\.00 USD · set by an admin · Monthly$/);
    for (const secret of ['Zoë', 'zoe', 'Cabin Deluxe', '7.77', IDS.friend]) expect(text(reply)).not.toContain(secret);
  });

  it("/subscription offers the member's own plan's pay link as a button, filled with their own details", async () => {
    await h.app.users.updateProfile(OBRIEN.id, { paypalEmail: '', discordId: IDS.member, discordUsername: '' });
    const before = await settled(asMember(IDS.member, 'subscription'), () => false);
    expect(before.components ?? []).toEqual([]);
    await h.app.pay.setPlanPay('Monthly', { url: 'https://paypal.me/owner/{amount}{currency}?note=plex-{plexId}' });
    const reply = await settled(asMember(IDS.member, 'subscription'), () => false);
    const buttons = reply.components.flatMap((row: any) => row.components);
    expect(buttons).toEqual([expect.objectContaining({ style: 5, url: `https://paypal.me/owner/10.00USD?note=plex-${OBRIEN.id}` })]);
  });

  it('/subscription says when access is about to end, has ended, and when the member was removed from Plex', async () => {
    await h.app.users.updateProfile(OBRIEN.id, { paypalEmail: '', discordId: IDS.member, discordUsername: '' });
    h.clock.advance(15 * DAY);
    const reply = await settled(asMember(IDS.member, 'subscription'), () => false);
    expect(reply.embeds[0].fields.find((f: any) => f.name === 'Status').value).toMatch(/^expiring: active until <t:\d+:D>/);

    // Expired, then removed from Plex by the lifecycle.
    h.clock.advance(10 * DAY);
    const expired = await settled(asMember(IDS.member, 'subscription'), () => false);
    expect(expired.embeds[0].fields.find((f: any) => f.name === 'Status').value).toMatch(/^expired on <t:\d+:D> \(<t:\d+:R>\)$/);
    await h.app.store.read(async (r) => r.subscriptions.completeRemoval((await r.users.findByPlexId(OBRIEN.id))!.id, null, h.clock.now()));
    const removed = await settled(asMember(IDS.member, 'subscription'), () => false);
    expect(removed.embeds[0].fields.find((f: any) => f.name === 'Status').value).toBe(`removed from Plex on ${h.clock.now().toISOString().slice(0, 10)}`);
  });

  it('a member with no user (and closed DMs) gets an explanation and a Link my Plex account button in the ephemeral reply', async () => {
    const reply = await settled(asMember(NEWBIE.id, 'subscription'), (c) => c.length > 0);
    expect(reply.content).toContain('not linked to a Plex user');
    expect(reply.components[0].components[0]).toMatchObject({ label: 'Link my Plex account', custom_id: 'member-link' });
    expect(text(reply)).not.toContain("O'Brien");
    // The button starts the same sign-in as /link.
    const start = press(NEWBIE.id, 'member-link', reply);
    const waiting = await settled(start, (c) => c.includes('Waiting for your sign-in'));
    expect(waiting.components[0].components.map((c: any) => c.label)).toEqual(['Sign in with Plex', 'Cancel']);
    expect(h.plex.pins).toHaveLength(1);
    expect(h.discord.dms).toEqual([]);
  });

  it('links by Plex sign-in: waiting until signed in, then linked with the role given, the admin told; the token is never logged or shown', async () => {
    const { run, code } = await startLink(IDS.member);
    // Not signed in yet: the bot keeps polling and changes nothing.
    await new Promise((r) => setTimeout(r, 200));
    expect(h.plex.requests.filter((r) => r.path.startsWith('/api/v2/pins/')).length).toBeGreaterThan(1);
    expect(run.final().content).toContain('Waiting for your sign-in');
    expect((await h.app.users.card(OBRIEN.id)).discordId).toBeNull();
    // The owner's token never goes out with a member's sign-in.
    for (const r of h.plex.requests.filter((x) => x.path.startsWith('/api/v2/'))) expect(r.headers['x-plex-token'] ?? '').not.toBe(h.plex.account.token);

    const token = h.plex.signInPin(code, OBRIEN);
    expect(await finalContent(run, 'Linked')).toContain("Plex user **O'Brien & Søn**");
    const card = await h.app.users.card(OBRIEN.id);
    expect(card).toMatchObject({ discordId: IDS.member, discordUsername: 'obrien.discord', discordLinkedVia: 'plex-sign-in' });
    expect(card.discordLinkedAt?.toISOString()).toBe(T0.toISOString());
    expect(h.discord.member(IDS.guild, IDS.member)!.roles).toContain(IDS.subscriberRole);
    await run.waitFor(() => h.discord.channelMessages.length > 0, 5_000);
    expect(h.discord.channelMessages.map((m) => m.content)).toEqual([
      `<@${IDS.member}> (obrien.discord) linked their Discord account to the Plex user **O'Brien & Søn** (plex.tv id ${OBRIEN.id}) by signing in with Plex.`,
    ]);
    // The member's token went to plex.tv once, to read who signed in, and nowhere else.
    expect(h.plex.requests.filter((r) => r.headers['x-plex-token'] === token).map((r) => r.path)).toEqual(['/api/v2/user']);
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('\n')).not.toContain(token);
    expect(text(run.edits()) + text(run.final()) + text(h.discord.channelMessages)).not.toContain(token);

    // The admin's card says how and when; an admin can unlink from it.
    const admin = { guildId: IDS.guild, userId: IDS.admin };
    const view = (await h.discord.chatInput({ ...admin, name: 'user', options: [{ name: 'view', type: 1, options: [{ name: 'user', type: 3, value: String(OBRIEN.id) }] }] }).response()).data;
    const discordField = view.embeds[0].fields.find((f: any) => f.name === 'Discord').value;
    expect(discordField).toBe(`<@${IDS.member}> (obrien.discord)\nlinked by the member signing in with Plex on ${T0.toISOString().slice(0, 10)}`);
    const unlink = view.components[0].components.find((c: any) => c.label === 'Unlink Discord');
    const unlinked = (await h.discord.button({ ...admin, customId: unlink.custom_id, message: view }).response()).data;
    expect(unlinked.content).toBe(`O'Brien & Søn is no longer linked to <@${IDS.member}>.`);
    expect(await h.app.users.card(OBRIEN.id)).toMatchObject({ discordId: null, discordLinkedVia: null, discordLinkedAt: null });
    // The role the link gave is taken back: the lifecycle no longer looks at this member.
    expect(h.discord.member(IDS.guild, IDS.member)!.roles).not.toContain(IDS.subscriberRole);
  });

  it('plex.tv failing while polling is waited out; failing to say who signed in is answered without the token', async () => {
    h.plex.injectFault({ method: 'GET', path: /^\/api\/v2\/pins\/\d+$/, status: 503, times: 4 });
    h.plex.injectFault({ method: 'GET', path: /^\/api\/v2\/user$/, status: 500, times: Infinity });
    const { run, code } = await startLink(IDS.member);
    const token = h.plex.signInPin(code, OBRIEN);
    expect(await finalContent(run, 'GET /api/v2/user')).toBe('plex.tv answered 500 to GET /api/v2/user after 3 attempts');
    expect((await h.app.users.card(OBRIEN.id)).discordId).toBeNull();
    expect(logLines.join('\n')).toContain('polling a Plex sign-in PIN failed');
    expect(logLines.join('\n') + text(run.edits()) + text(run.final())).not.toContain(token);
  });

  it('an admin form records the link as made by an admin', async () => {
    const card = (await h.app.users.card(ZOE.id));
    expect(card).toMatchObject({ discordId: IDS.friend, discordLinkedVia: 'admin' });
    const view = (await h.discord.chatInput({ guildId: IDS.guild, userId: IDS.admin, name: 'user', options: [{ name: 'view', type: 1, options: [{ name: 'user', type: 3, value: String(ZOE.id) }] }] }).response()).data;
    expect(view.embeds[0].fields.find((f: any) => f.name === 'Discord').value).toContain(`linked by an admin on ${T0.toISOString().slice(0, 10)}`);
  });

  it('a PIN that expires before the member signs in says so and links nothing', async () => {
    h.plex.pinExpiresInSeconds = 1;
    const { run } = await startLink(IDS.member);
    expect(await finalContent(run, 'expired')).toBe('The Plex sign-in expired before it was finished: use /link to start again.');
    expect((await h.app.users.card(OBRIEN.id)).discordId).toBeNull();
    expect(h.discord.channelMessages).toEqual([]);
  });

  it('a Plex account that is not one of the owner\'s users is told so; nothing changes', async () => {
    const before = await h.snapshot();
    const { run, code } = await startLink(NEWBIE.id);
    h.plex.signInPin(code, { id: 987654, username: 'stranger', email: 'stranger@example.com' });
    expect(await finalContent(run, 'not one of the users')).toContain('nothing was changed');
    expect(await h.snapshot()).toEqual(before);
  });

  it('a Plex account already linked to another member changes nothing; the admin and the member are told', async () => {
    const before = await h.snapshot();
    const { run, code } = await startLink(IDS.member);
    h.plex.signInPin(code, ZOE);
    expect(await finalContent(run, 'already linked to another Discord member')).toContain('Ask an admin');
    expect(await h.snapshot()).toEqual(before);
    await run.waitFor(() => h.discord.channelMessages.length > 0, 5_000);
    expect(h.discord.channelMessages[0]!.content).toContain(`signed in with Plex as **Zoë** (plex.tv id ${ZOE.id}), which is already linked to <@${IDS.friend}>: nothing was changed`);
    // The member learns nothing about who holds it.
    expect(text(run.final())).not.toContain(IDS.friend);
  });

  it('one sign-in at a time per member, which Cancel stops', async () => {
    const { run, reply } = await startLink(IDS.member);
    const second = await settled(asMember(IDS.member, 'link'), (c) => c.length > 0);
    expect(second.content).toBe('You already have a Plex sign-in in progress: finish it, or press Cancel on it first.');
    expect(h.plex.pins).toHaveLength(1);
    const cancel = (await press(IDS.member, 'member-link-cancel', reply).response()).data;
    expect(cancel).toMatchObject({ content: 'Plex sign-in cancelled: nothing was changed.', components: [] });
    expect(await finalContent(run, 'cancelled')).toBe('Plex sign-in cancelled: nothing was changed.');
    // Signing in after a cancel links nothing.
    const polls = h.plex.requests.filter((r) => r.path.startsWith('/api/v2/pins/')).length;
    h.plex.signInPin(h.plex.pins[0]!.code, OBRIEN);
    await new Promise((r) => setTimeout(r, 200));
    expect(h.plex.requests.filter((r) => r.path.startsWith('/api/v2/pins/')).length).toBe(polls);
    expect((await h.app.users.card(OBRIEN.id)).discordId).toBeNull();
  });

  it('five uses a minute per member: the sixth is refused, another member is not held back, and a minute later it works again', async () => {
    for (let i = 0; i < 5; i++) expect((await settled(asMember(NEWBIE.id, 'subscription'), (c) => c.length > 0)).content).toContain('not linked');
    const refused = (await asMember(NEWBIE.id, 'subscription').response()).data;
    expect(refused.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(refused.content).toMatch(/^You are going a bit fast: try again in \d+ s\.$/);
    expect((await asMember(NEWBIE.id, 'link').response()).data.content).toMatch(/going a bit fast/);
    expect(h.plex.pins).toHaveLength(0);
    expect((await settled(asMember(IDS.member, 'subscription'), (c) => c.length > 0)).content).toContain('not linked');
    h.clock.advance(61_000);
    expect((await settled(asMember(NEWBIE.id, 'subscription'), (c) => c.length > 0)).content).toContain('not linked');
  });
});
