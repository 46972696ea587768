/**
 * Self-test of the fake Discord (tests/fakes/discord): the REAL discord.js Client against it.
 */
import { once } from 'node:events';
import {
  ChannelType,
  Client,
  DiscordAPIError,
  GatewayIntentBits,
  GuildMember,
  LabelBuilder,
  MessageFlags,
  ModalBuilder,
  Routes,
  StringSelectMenuBuilder,
  TextInputBuilder,
  TextInputStyle,
  type Interaction,
  type TextChannel,
} from 'discord.js';
import { REST } from '@discordjs/rest';
import { FakeDiscord, Perm, snowflake, type FakeGuildSpec } from '../fakes/discord';

const TOKEN = 'fake-bot-token.abc.def';
const APP_ID = snowflake();
const BOT_ID = APP_ID;
const GUILD_ID = snowflake();
const OWNER_ID = snowflake();
const ALICE = snowflake();
const BOB = snowflake();
const CHANNEL_ID = snowflake();
const ROLE_ADMIN = snowflake();
const ROLE_BOT = snowflake();
const ROLE_SUB = snowflake();
const ROLE_VIP = snowflake();

function guildSpec(): FakeGuildSpec {
  return {
    id: GUILD_ID,
    name: 'Streams',
    ownerId: OWNER_ID,
    roles: [
      { id: ROLE_ADMIN, name: 'Admin', position: 4, permissions: Perm.Administrator.toString() },
      { id: ROLE_BOT, name: 'StreamsBot', position: 3, permissions: (Perm.ManageRoles | Perm.SendMessages | Perm.ViewChannel).toString(), managed: true },
      { id: ROLE_VIP, name: 'VIP', position: 2, permissions: '0' },
      { id: ROLE_SUB, name: 'Subscriber', position: 1, permissions: '0' },
    ],
    members: [
      { user: { id: OWNER_ID, username: 'owner' }, roles: [ROLE_ADMIN] },
      { user: { id: ALICE, username: 'alice', global_name: 'Alice' }, roles: [] },
      { user: { id: BOB, username: 'bob' }, roles: [], dmsClosed: true },
      { user: { id: BOT_ID, username: 'StreamsBot', bot: true }, roles: [ROLE_BOT] },
    ],
    channels: [{ id: CHANNEL_ID, name: 'general' }],
  };
}

const commandData = [
  {
    name: 'link',
    description: 'Link your Plex account',
    options: [{ name: 'email', description: 'Plex e-mail', type: 3, required: false }],
  },
  {
    name: 'search',
    description: 'Search the library',
    options: [{ name: 'query', description: 'Title', type: 3, required: true, autocomplete: true }],
  },
  {
    name: 'admin',
    description: 'Admin tools',
    default_member_permissions: Perm.ManageRoles.toString(),
    options: [
      {
        name: 'grant',
        description: 'Grant access',
        type: 1,
        options: [{ name: 'user', description: 'Who', type: 6, required: true }],
      },
    ],
  },
];

async function loggedInClient(fake: FakeDiscord, apiUrl: string): Promise<Client> {
  const client = new Client({ intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMembers], rest: { api: apiUrl } });
  const ready = once(client, 'clientReady');
  await client.login(fake.token);
  await ready;
  return client;
}

/** Installs a one-shot interaction handler; resolves/rejects with its outcome. */
function makeDispatcher(client: Client) {
  let next: ((i: Interaction) => Promise<void>) | undefined;
  client.on('interactionCreate', (i) => {
    const h = next;
    next = undefined;
    if (h) void h(i);
  });
  return function onNext<T>(fn: (i: Interaction) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      next = (i) => fn(i).then(resolve, reject);
    });
  };
}

describe('fake Discord driven by the real discord.js Client', () => {
  let fake: FakeDiscord;
  let client: Client;
  let onNext: ReturnType<typeof makeDispatcher>;
  let apiUrl: string;

  beforeAll(async () => {
    fake = new FakeDiscord({ token: TOKEN, applicationId: APP_ID, botUser: { id: BOT_ID, username: 'StreamsBot' }, guilds: [guildSpec()] });
    ({ apiUrl } = await fake.start());
    client = await loggedInClient(fake, apiUrl);
    onNext = makeDispatcher(client);
  });

  afterAll(async () => {
    await client?.destroy();
    await fake?.stop();
  });

  test('GET /users/@me/guilds: the bot\'s servers as partial guilds, following addGuild/removeGuild; 401 for a bad token', async () => {
    const partial = { id: GUILD_ID, name: 'Streams', icon: null, banner: null, owner: false, features: [] };
    const guilds = (await client.rest.get(Routes.userGuilds())) as Array<Record<string, unknown>>;
    expect(guilds).toEqual([{ ...partial, permissions: expect.stringMatching(/^\d+$/) }]);
    // The bot's guild-level permissions: its role's and @everyone's.
    const wanted = Perm.ManageRoles | Perm.SendMessages | Perm.ViewChannel;
    expect(BigInt(guilds[0]!.permissions as string) & wanted).toBe(wanted);
    const other = snowflake();
    fake.addGuild({ id: other, name: 'Elsewhere', ownerId: OWNER_ID, roles: [], members: [] });
    const withCounts = (await client.rest.get(Routes.userGuilds(), { query: new URLSearchParams({ with_counts: 'true', limit: '1', after: GUILD_ID }) })) as Array<Record<string, unknown>>;
    expect(withCounts).toEqual([expect.objectContaining({ id: other, name: 'Elsewhere', approximate_member_count: 1 })]);
    fake.removeGuild(other);
    expect(((await client.rest.get(Routes.userGuilds())) as unknown[]).length).toBe(1);
    const stranger = new REST({ api: apiUrl, version: '10' }).setToken('not-the-token');
    await expect(stranger.get(Routes.userGuilds())).rejects.toMatchObject({ status: 401, code: 0, message: '401: Unauthorized' });
    expect(fake.takeViolations()).toEqual(['GET /users/@me/guilds → 401 (0 401: Unauthorized)']);
  });

  test('login: clientReady, guild, roles, the bot member; members via the gateway', async () => {
    expect(client.user?.id).toBe(BOT_ID);
    expect(client.application?.id).toBe(APP_ID);
    expect(fake.gatewayIdentifies[0].intents).toBe(GatewayIntentBits.Guilds | GatewayIntentBits.GuildMembers);
    const guild = client.guilds.cache.get(GUILD_ID)!;
    expect(guild.name).toBe('Streams');
    expect(guild.roles.cache.size).toBe(5); // 4 + @everyone
    expect(guild.roles.everyone.id).toBe(GUILD_ID);
    expect(guild.channels.cache.get(CHANNEL_ID)?.type).toBe(ChannelType.GuildText);
    expect(guild.memberCount).toBe(4);
    // Like Discord without GUILD_PRESENCES: only the bot's member comes with GUILD_CREATE.
    expect([...guild.members.cache.keys()]).toEqual([BOT_ID]);
    expect(guild.members.me?.roles.highest.id).toBe(ROLE_BOT);
    const all = await guild.members.fetch(); // op 8 REQUEST_GUILD_MEMBERS → GUILD_MEMBERS_CHUNK
    expect(all.size).toBe(4);
    expect(guild.members.cache.get(ALICE)?.user.globalName).toBe('Alice');
    const one = await guild.members.fetch({ user: ALICE, force: true }); // REST
    expect(one.id).toBe(ALICE);
    await expect(guild.members.fetch({ user: snowflake(), force: true })).rejects.toMatchObject({ code: 10007, status: 404 });
    const listed = await guild.members.list({ limit: 2 });
    expect(listed.size).toBe(2);
    expect(fake.violations).toEqual([]);
  });

  test('guild command registration is recorded; a bad name is rejected with 50035', async () => {
    const set = await client.application!.commands.set(commandData, GUILD_ID);
    expect(set.size).toBe(3);
    expect(set.find((c) => c.name === 'link')?.guildId).toBe(GUILD_ID);
    expect(set.find((c) => c.name === 'admin')?.defaultMemberPermissions?.has('ManageRoles')).toBe(true);
    expect(fake.commandRegistrations).toHaveLength(1);
    expect(fake.commandRegistrations[0]).toMatchObject({ scope: 'guild', guildId: GUILD_ID, method: 'PUT', status: 200 });
    expect(fake.commandRegistrations[0].commands.map((c) => c.name)).toEqual(['link', 'search', 'admin']);

    const err = await client.application!.commands.set([{ name: 'Bad Name', description: 'x' }], GUILD_ID).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiscordAPIError);
    expect(err).toMatchObject({ code: 50035, status: 400 });
    expect((err as Error).message).toContain('APPLICATION_COMMAND_INVALID_NAME');
    expect(fake.commands(GUILD_ID).map((c) => c.name)).toEqual(['link', 'search', 'admin']); // unchanged
    const v = fake.takeViolations();
    expect(v).toHaveLength(1);
    expect(v[0]).toContain('50035');
  });

  test('chat input: deferReply (ephemeral) then editReply', async () => {
    const done = onNext(async (i) => {
      if (!i.isChatInputCommand()) throw new Error('not a chat input');
      await i.deferReply({ flags: MessageFlags.Ephemeral });
      await i.editReply(`linked ${i.options.getString('email')}`);
      return { member: i.memberPermissions?.has('Administrator'), channel: i.channelId };
    });
    const h = fake.chatInput({ guildId: GUILD_ID, userId: ALICE, name: 'link', options: [{ name: 'email', value: 'a@b.c' }] });
    const seen = await done;
    expect(seen).toEqual({ member: true, channel: CHANNEL_ID });
    const ack = await h.response();
    expect(ack.type).toBe(5);
    expect(ack.data.flags & MessageFlags.Ephemeral).toBeTruthy();
    await h.waitFor((x) => x.edits().length === 1);
    expect(h.edits()[0].content).toBe('linked a@b.c');
    expect(h.final().content).toBe('linked a@b.c');
    expect(h.final().flags & MessageFlags.Ephemeral).toBeTruthy();
    expect(fake.violations).toEqual([]);
  });

  test('subcommand with a USER option gets resolved users/members; default_member_permissions is enforced', async () => {
    const done = onNext(async (i) => {
      if (!i.isChatInputCommand()) throw new Error('not a chat input');
      const user = i.options.getUser('user', true);
      const member = i.options.getMember('user');
      await i.reply({ content: `${i.options.getSubcommand()} ${user.username}`, flags: MessageFlags.Ephemeral });
      return member instanceof GuildMember ? member.id : null;
    });
    const h = fake.chatInput({ guildId: GUILD_ID, userId: OWNER_ID, name: 'admin', options: [{ name: 'grant', options: [{ name: 'user', value: ALICE }] }] });
    expect(await done).toBe(ALICE);
    expect((await h.response()).data.content).toBe('grant alice');
    expect(() =>
      fake.chatInput({ guildId: GUILD_ID, userId: ALICE, permissions: '0', name: 'admin', options: [{ name: 'grant', options: [{ name: 'user', value: ALICE }] }] }),
    ).toThrow(/cannot see \/admin/);
    expect(() => fake.chatInput({ guildId: GUILD_ID, userId: ALICE, name: 'nope' })).toThrow(/not registered/);
    expect(fake.violations).toEqual([]);
  });

  test('modal with ModalBuilder + LabelBuilder; submit read with fields.getTextInputValue; no modal on a modal', async () => {
    const shown = onNext(async (i) => {
      if (!i.isChatInputCommand()) throw new Error('not a chat input');
      const modal = new ModalBuilder()
        .setCustomId('link-modal')
        .setTitle('Link your account')
        .addLabelComponents(
          new LabelBuilder().setLabel('Plex e-mail').setTextInputComponent(new TextInputBuilder().setCustomId('email').setStyle(TextInputStyle.Short).setMaxLength(100)),
          new LabelBuilder()
            .setLabel('Plan')
            .setStringSelectMenuComponent(
              new StringSelectMenuBuilder().setCustomId('plan').addOptions({ label: 'Basic', value: 'basic' }, { label: 'Premium', value: 'premium' }),
            ),
        );
      await i.showModal(modal);
    });
    const h = fake.chatInput({ guildId: GUILD_ID, userId: ALICE, name: 'link' });
    await shown;
    expect((await h.response()).type).toBe(9);
    expect(h.modal().title).toBe('Link your account');

    const submitted = onNext(async (i) => {
      if (!i.isModalSubmit()) throw new Error('not a modal submit');
      const email = i.fields.getTextInputValue('email');
      const plan = i.fields.getStringSelectValues('plan');
      // A modal cannot answer a modal submit (discord.js has no showModal here; a bot going around it gets 400).
      const again = new ModalBuilder().setCustomId('again').setTitle('Again').addLabelComponents(
        new LabelBuilder().setLabel('x').setTextInputComponent(new TextInputBuilder().setCustomId('x').setStyle(TextInputStyle.Short)),
      );
      const err = await client.rest
        .post(Routes.interactionCallback(i.id, i.token), { body: { type: 9, data: again.toJSON() }, auth: false })
        .catch((e: unknown) => e);
      await i.reply({ content: `${email} on ${plan.join(',')}`, flags: MessageFlags.Ephemeral });
      return err;
    });
    const s = fake.modalSubmit({ guildId: GUILD_ID, userId: ALICE, from: h, fields: { email: 'alice@plex.tv', plan: ['premium'] } });
    expect(s.payload.data.components[0]).toMatchObject({ type: 18, component: { type: 4, custom_id: 'email', value: 'alice@plex.tv' } });
    const err = await submitted;
    expect(err).toMatchObject({ code: 50035, status: 400 });
    expect((await s.response()).data.content).toBe('alice@plex.tv on premium');
    expect(s.callbacks.map((c) => [c.type, c.status])).toEqual([[9, 400], [4, 204]]);
    const v = fake.takeViolations();
    expect(v).toHaveLength(1);
    expect(v[0]).toMatch(/callback → 400 \(50035/);

    // A field the shown modal does not have is a test bug, caught before it reaches the bot.
    expect(() => fake.modalSubmit({ guildId: GUILD_ID, userId: ALICE, from: h, fields: { email: 'a@b.c', plan: ['basic'], nope: 'x' } })).toThrow(/no field "nope"/);
    expect(() => fake.modalSubmit({ guildId: GUILD_ID, userId: ALICE, from: h, fields: { plan: ['basic'] } })).toThrow(/"email" is required/);
  });

  test('legacy action-row modal submit form is understood by discord.js', async () => {
    const done = onNext(async (i) => {
      if (!i.isModalSubmit()) throw new Error('not a modal submit');
      const code = i.fields.getTextInputValue('code');
      await i.reply({ content: `code ${code}`, flags: MessageFlags.Ephemeral });
      return code;
    });
    const s = fake.modalSubmit({ guildId: GUILD_ID, userId: ALICE, customId: 'legacy-modal', legacy: true, fields: { code: '1234' } });
    expect(await done).toBe('1234');
    expect(s.payload.data.components[0]).toMatchObject({ type: 1, components: [{ type: 4, custom_id: 'code', value: '1234' }] });
    expect((await s.response()).type).toBe(4);
    expect(fake.violations).toEqual([]);
  });

  test('a second acknowledgement is a violation (40060)', async () => {
    const done = onNext(async (i) => {
      if (!i.isChatInputCommand()) throw new Error('not a chat input');
      await i.reply('one');
      // discord.js itself refuses a second reply; go around it like a buggy bot with two handlers would.
      return client.rest
        .post(Routes.interactionCallback(i.id, i.token), { body: { type: 4, data: { content: 'two' } }, auth: false })
        .catch((e: unknown) => e);
    });
    const h = fake.chatInput({ guildId: GUILD_ID, userId: ALICE, name: 'link' });
    const err = await done;
    expect(err).toBeInstanceOf(DiscordAPIError);
    expect(err).toMatchObject({ code: 40060, status: 400 });
    expect(h.final().content).toBe('one');
    const v = fake.takeViolations();
    expect(v).toHaveLength(1);
    expect(v[0]).toContain('40060');
  });

  test('follow-ups: the first one after a defer replaces the loading message', async () => {
    const done = onNext(async (i) => {
      if (!i.isChatInputCommand()) throw new Error('not a chat input');
      await i.deferReply();
      const a = await i.followUp('first');
      const b = await i.followUp({ content: 'second', flags: MessageFlags.Ephemeral });
      return [a.id, b.id];
    });
    const h = fake.chatInput({ guildId: GUILD_ID, userId: ALICE, name: 'link' });
    const [a, b] = await done;
    expect(h.followUps.map((m) => m.content)).toEqual(['first', 'second']);
    expect(h.final().id).toBe(a);
    expect(h.final().content).toBe('first');
    expect(b).not.toBe(a);
    expect(h.followUps[1].flags & MessageFlags.Ephemeral).toBeTruthy();
    expect(fake.violations).toEqual([]);
  });

  test('button on a message the bot sent; update() edits that message', async () => {
    const channel = client.channels.cache.get(CHANNEL_ID) as TextChannel;
    const sent = await channel.send({ content: 'Pick', components: [{ type: 1, components: [{ type: 2, style: 1, label: 'OK', custom_id: 'ok' }] }] });
    const done = onNext(async (i) => {
      if (!i.isButton()) throw new Error('not a button');
      await i.update({ content: 'clicked', components: [] });
      return i.message.id;
    });
    const h = fake.button({ guildId: GUILD_ID, userId: ALICE, customId: 'ok' });
    expect(await done).toBe(sent.id);
    expect((await h.response()).type).toBe(7);
    expect(fake.messagesIn(CHANNEL_ID).find((m) => m.id === sent.id)?.content).toBe('clicked');
    expect(fake.channelMessages.at(-1)?.content).toBe('Pick');
    expect(fake.violations).toEqual([]);
  });

  test('reply withResponse: the callback answers 200 with the message resource', async () => {
    const done = onNext(async (i) => {
      if (!i.isChatInputCommand()) throw new Error('not a chat input');
      const res = await i.reply({ content: 'with response', withResponse: true });
      const fetched = await i.fetchReply();
      return { type: res.resource?.type, content: res.resource?.message?.content, same: fetched.id === res.resource?.message?.id };
    });
    const h = fake.chatInput({ guildId: GUILD_ID, userId: ALICE, name: 'link' });
    expect(await done).toEqual({ type: 4, content: 'with response', same: true });
    expect((await h.response()).status).toBe(200);
    expect(fake.violations).toEqual([]);
  });

  test('string select: deferUpdate then editReply edits the message the select is on', async () => {
    const channel = client.channels.cache.get(CHANNEL_ID) as TextChannel;
    const sent = await channel.send({
      content: 'Choose a server',
      components: [{ type: 1, components: [{ type: 3, custom_id: 'server', options: [{ label: 'A', value: 'a' }, { label: 'B', value: 'b' }] }] }],
    });
    const done = onNext(async (i) => {
      if (!i.isStringSelectMenu()) throw new Error('not a select');
      await i.deferUpdate();
      await i.editReply({ content: `server ${i.values[0]}`, components: [] });
      return i.values;
    });
    const h = fake.selectMenu({ guildId: GUILD_ID, userId: ALICE, customId: 'server', values: ['b'] });
    expect(await done).toEqual(['b']);
    expect((await h.response()).type).toBe(6);
    expect(h.final().id).toBe(sent.id);
    expect(h.final().content).toBe('server b');
    expect(() => fake.selectMenu({ guildId: GUILD_ID, userId: ALICE, customId: 'server', values: ['zzz'], message: sent.id })).toThrow(/no component "server"|no option "zzz"/);
    expect(fake.violations).toEqual([]);
  });

  test('button in a DM the bot sent: the interaction comes from the DM (user, no member)', async () => {
    await client.users.send(ALICE, { content: 'Confirm?', components: [{ type: 1, components: [{ type: 2, style: 3, label: 'Yes', custom_id: 'confirm' }] }] });
    const done = onNext(async (i) => {
      if (!i.isButton()) throw new Error('not a button');
      await i.reply('confirmed');
      return { guild: i.guildId, member: i.member, user: i.user.id, dm: i.channel?.isDMBased() };
    });
    const h = fake.button({ userId: ALICE, customId: 'confirm' });
    expect(await done).toEqual({ guild: null, member: null, user: ALICE, dm: true });
    expect(h.payload.context).toBe(1);
    expect(h.final().content).toBe('confirmed');
    expect(fake.violations).toEqual([]);
  });

  test('global command registration', async () => {
    await client.application!.commands.set([{ name: 'ping', description: 'Ping' }]);
    expect(fake.commandRegistrations.at(-1)).toMatchObject({ scope: 'global', method: 'PUT', status: 200 });
    expect(fake.commands().map((c) => c.name)).toEqual(['ping']);
    expect(fake.violations).toEqual([]);
  });

  test('message limits: content over 2000 and a too-long embed title are rejected with 50035', async () => {
    const channel = client.channels.cache.get(CHANNEL_ID) as TextChannel;
    await expect(channel.send('x'.repeat(2001))).rejects.toMatchObject({ code: 50035 });
    const err = await channel.send({ embeds: [{ title: 't'.repeat(257) }] }).catch((e: Error) => e);
    expect(err).toMatchObject({ code: 50035 });
    expect((err as Error).message).toContain('embeds[0].title[BASE_TYPE_MAX_LENGTH]');
    expect(fake.takeViolations()).toHaveLength(2);
  });

  test('a DM to a user with closed DMs rejects with 50007; an open one is recorded', async () => {
    const err = await client.users.send(BOB, 'hello').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiscordAPIError);
    expect(err).toMatchObject({ code: 50007, status: 403 });
    await client.users.send(ALICE, { content: 'welcome', embeds: [{ title: 'Plex' }] });
    await client.users.send(ALICE, 'again');
    expect(fake.dms.slice(-2).map((d) => [d.userId, d.content])).toEqual([
      [ALICE, 'welcome'],
      [ALICE, 'again'],
    ]);
    expect(fake.dms.at(-2)?.embeds[0].title).toBe('Plex');
    const withFile = await client.users.send(ALICE, { content: 'your file', files: [{ attachment: Buffer.from('hello'), name: 'invite.txt' }] });
    expect(withFile.attachments.first()?.name).toBe('invite.txt');
    expect(fake.dms.at(-1)?.message.attachments[0]).toMatchObject({ filename: 'invite.txt', size: 5 });
    // The DM channel is created once (last_message_id makes it non-partial).
    expect(fake.restLog.filter((r) => r.path === '/users/@me/channels')).toHaveLength(2); // bob + alice
    expect(fake.violations).toEqual([]);
  });

  test('roles: add below the bot works (and reaches the cache); above the bot rejects with 50013', async () => {
    const guild = client.guilds.cache.get(GUILD_ID)!;
    const alice = await guild.members.fetch(ALICE);
    const updated = once(client, 'guildMemberUpdate');
    await alice.roles.add(ROLE_SUB, 'subscribed');
    await updated;
    expect(guild.members.cache.get(ALICE)?.roles.cache.has(ROLE_SUB)).toBe(true);
    expect(fake.member(GUILD_ID, ALICE)?.roles).toEqual([ROLE_SUB]);
    expect(fake.roleChanges).toEqual([{ guildId: GUILD_ID, userId: ALICE, roleId: ROLE_SUB, action: 'add', via: 'PUT', reason: 'subscribed' }]);

    const err = await alice.roles.add(ROLE_ADMIN).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiscordAPIError);
    expect(err).toMatchObject({ code: 50013, status: 403 });
    await expect(alice.roles.add(ROLE_BOT)).rejects.toMatchObject({ code: 50013 }); // equal position
    await expect(guild.members.addRole({ user: snowflake(), role: ROLE_SUB })).rejects.toMatchObject({ code: 10007 });
    await expect(alice.roles.add(snowflake())).rejects.toMatchObject({ code: 10011 });

    await alice.roles.set([ROLE_VIP]);
    expect(fake.member(GUILD_ID, ALICE)?.roles).toEqual([ROLE_VIP]);
    expect(fake.roleChanges.slice(1)).toEqual([
      { guildId: GUILD_ID, userId: ALICE, roleId: ROLE_VIP, action: 'add', via: 'PATCH' },
      { guildId: GUILD_ID, userId: ALICE, roleId: ROLE_SUB, action: 'remove', via: 'PATCH' },
    ]);
    expect(fake.violations).toEqual([]);
  });

  test('a 429 injected with rateLimit is retried by discord.js after Retry-After and then succeeds', async () => {
    fake.rateLimit({ method: 'PUT', path: /^\/guilds\/\d+\/members\/\d+\/roles\/\d+$/, retryAfterSeconds: 0.6 });
    const guild = client.guilds.cache.get(GUILD_ID)!;
    const rateLimited = once(client.rest, 'rateLimited');
    const started = Date.now();
    await guild.members.addRole({ user: ALICE, role: ROLE_SUB });
    const elapsed = Date.now() - started;
    const [info] = (await rateLimited) as [{ retryAfter: number; scope: string }];
    expect(info.scope).toBe('user');
    expect(elapsed).toBeGreaterThanOrEqual(550);
    const puts = fake.restLog.filter((r) => r.method === 'PUT' && r.path.endsWith(`/roles/${ROLE_SUB}`)).map((r) => r.status);
    expect(puts.slice(-2)).toEqual([429, 204]);
    expect(fake.member(GUILD_ID, ALICE)?.roles).toContain(ROLE_SUB);
    expect(fake.violations).toEqual([]);
  });

  test('failNext: a 5xx is retried, a 4xx becomes DiscordAPIError', async () => {
    fake.failNext({ method: 'GET', path: /^\/guilds\/\d+\/roles$/, status: 502 });
    const roles = await client.guilds.cache.get(GUILD_ID)!.roles.fetch();
    expect(roles.size).toBe(5);
    fake.failNext({ method: 'GET', path: /^\/guilds\/\d+\/roles$/, status: 403, code: 50001, message: 'Missing Access' });
    await expect(client.guilds.cache.get(GUILD_ID)!.roles.fetch()).rejects.toMatchObject({ code: 50001, status: 403 });
    expect(fake.violations).toEqual([]);
  });

  test('autocomplete: 25 choices work, 26 is a violation', async () => {
    const choices = (n: number) => Array.from({ length: n }, (_, k) => ({ name: `Movie ${k}`, value: `m${k}` }));
    const ok = onNext(async (i) => {
      if (!i.isAutocomplete()) throw new Error('not autocomplete');
      await i.respond(choices(25));
      return i.options.getFocused(true);
    });
    const h = fake.autocomplete({ guildId: GUILD_ID, userId: ALICE, name: 'search', focused: { name: 'query', value: 'Dun' } });
    expect(await ok).toMatchObject({ name: 'query', value: 'Dun' });
    expect((await h.response()).type).toBe(8);
    expect(h.choices()).toHaveLength(25);

    const tooMany = onNext(async (i) => {
      if (!i.isAutocomplete()) throw new Error('not autocomplete');
      const err = await i.respond(choices(26)).catch((e: unknown) => e);
      await i.respond([]);
      return err;
    });
    const h2 = fake.autocomplete({ guildId: GUILD_ID, userId: ALICE, name: 'search', focused: { name: 'query', value: 'x' } });
    expect(await tooMany).toMatchObject({ code: 50035, status: 400 });
    expect(h2.callbacks.map((c) => c.status)).toEqual([400, 204]);
    const v = fake.takeViolations();
    expect(v).toHaveLength(1);
    expect(v[0]).toContain('data.choices[BASE_TYPE_MAX_LENGTH]');
  });

  test('gateway RESUME after op 7 RECONNECT: interactions still arrive', async () => {
    const resumed = once(client, 'shardResume');
    fake.requestReconnect();
    await resumed;
    expect(fake.gatewayResumes.at(-1)).toMatchObject({ ok: true });
    const done = onNext(async (i) => {
      if (!i.isChatInputCommand()) throw new Error('not a chat input');
      await i.reply('after resume');
    });
    const h = fake.chatInput({ guildId: GUILD_ID, userId: ALICE, name: 'link' });
    await done;
    expect(h.final().content).toBe('after resume');
    expect(fake.gatewayIdentifies).toHaveLength(1);
    expect(fake.violations).toEqual([]);
  });

  test('no violations were left over', () => {
    expect(fake.violations).toEqual([]);
    expect(fake.restLog.every((r) => r.status > 0)).toBe(true);
  });
});

describe('fake Discord with short deadlines', () => {
  let fake: FakeDiscord;
  let client: Client | undefined;
  let onNext: ReturnType<typeof makeDispatcher>;
  let apiUrl: string;

  beforeAll(async () => {
    fake = new FakeDiscord({
      token: TOKEN,
      applicationId: APP_ID,
      botUser: { id: BOT_ID, username: 'StreamsBot' },
      guilds: [guildSpec()],
      ackTimeoutMs: 300,
      tokenLifetimeMs: 800,
      heartbeatIntervalMs: 150,
    });
    ({ apiUrl } = await fake.start());
  });

  afterAll(async () => {
    await client?.destroy();
    await fake?.stop();
  });

  test('login with a bad token throws (401 on /gateway/bot)', async () => {
    const bad = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: apiUrl } });
    await expect(bad.login('wrong-token')).rejects.toMatchObject({ code: 'TokenInvalid' });
    await bad.destroy();
    const v = fake.takeViolations();
    expect(v).toEqual(['GET /gateway/bot → 401 (0 401: Unauthorized)']);
  });

  test('no answer within ackTimeoutMs is a violation; a late reply gets 10062', async () => {
    client = await loggedInClient(fake, apiUrl);
    onNext = makeDispatcher(client);
    const late = onNext(async (i) => {
      if (!i.isChatInputCommand()) throw new Error('not a chat input');
      await new Promise((r) => setTimeout(r, 450));
      return i.reply('too late').catch((e: unknown) => e);
    });
    const h = fake.chatInput({ guildId: GUILD_ID, userId: ALICE, name: 'link' });
    await expect(h.response()).rejects.toThrow(/not acknowledged within 300 ms/);
    expect(await late).toMatchObject({ code: 10062, status: 404 });
    const v = fake.takeViolations();
    expect(v).toHaveLength(2);
    expect(v[0]).toContain('/link: not acknowledged within 300 ms');
    expect(v[1]).toContain('10062');
  });

  test('an unknown route is 404 code 0 and a violation', async () => {
    await expect(client!.rest.get('/guilds/1/bans' as `/${string}`)).rejects.toMatchObject({ code: 0, status: 404 });
    expect(fake.takeViolations()).toEqual(['GET /guilds/1/bans → 404 (0 404: Not Found)']);
  });

  test('heartbeats are acknowledged (op 1 → op 11)', async () => {
    const deadline = Date.now() + 3000;
    while (client!.ws.ping < 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(client!.ws.ping).toBeGreaterThanOrEqual(0);
  });

  test('a follow-up after the token lifetime gets 401 50027', async () => {
    const done = onNext(async (i) => {
      if (!i.isChatInputCommand()) throw new Error('not a chat input');
      await i.deferReply();
      await new Promise((r) => setTimeout(r, 900));
      return i.editReply('finally').catch((e: unknown) => e);
    });
    const h = fake.chatInput({ guildId: GUILD_ID, userId: ALICE, name: 'link' });
    expect(await done).toMatchObject({ code: 50027, status: 401 });
    expect(h.final()).toBeUndefined();
    const v = fake.takeViolations();
    expect(v).toHaveLength(1);
    expect(v[0]).toContain('50027');
  });
});

describe('fake Discord rate limits: every 429 says how long to wait, and waiting is enforced', () => {
  let fake: FakeDiscord;
  let client: Client;
  let apiUrl: string;
  /** A request discord.js would not send (it honours Retry-After): the fake must catch a bot that does. */
  const raw = (path: string) => fetch(`${apiUrl}/v10${path}`, { headers: { Authorization: `Bot ${TOKEN}` } });
  const waitMs = (ms: number) => new Promise((r) => setTimeout(r, ms));

  beforeAll(async () => {
    fake = new FakeDiscord({ token: TOKEN, applicationId: APP_ID, botUser: { id: BOT_ID, username: 'StreamsBot' }, guilds: [guildSpec()] });
    ({ apiUrl } = await fake.start());
    client = await loggedInClient(fake, apiUrl);
  });

  afterAll(async () => {
    await client?.destroy();
    await fake?.stop();
  });

  test('a route 429 carries Retry-After and the bucket headers; a request sent again before it expires is refused and recorded', async () => {
    fake.rateLimit({ method: 'GET', path: /^\/guilds\/\d+\/roles$/, retryAfterSeconds: 0.5 });
    const first = await raw(`/guilds/${GUILD_ID}/roles`);
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('1');
    expect(first.headers.get('x-ratelimit-scope')).toBe('user');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(first.headers.get('x-ratelimit-reset-after')).toBe('0.500');
    expect(first.headers.get('x-ratelimit-bucket')).toMatch(/^[0-9a-f]{32}$/);
    expect(first.headers.get('x-ratelimit-global')).toBeNull();
    expect(await first.json()).toEqual({ message: 'You are being rate limited.', retry_after: 0.5, global: false, code: 0 });
    expect(fake.violations).toEqual([]); // an injected 429 is the fake's doing

    const again = await raw(`/guilds/${GUILD_ID}/roles`);
    expect(again.status).toBe(429);
    expect(again.headers.get('retry-after')).toBe('1');
    const body = (await again.json()) as { retry_after: number };
    expect(body.retry_after).toBeGreaterThan(0);
    expect(body.retry_after).toBeLessThanOrEqual(0.5);
    expect(fake.rateLimitViolations).toEqual([
      { method: 'GET', path: `/guilds/${GUILD_ID}/roles`, bucket: `GET:/guilds/:guild/roles:${GUILD_ID}`, earlyByMs: expect.any(Number) },
    ]);
    expect(fake.takeViolations()).toEqual([expect.stringMatching(new RegExp(`^GET /guilds/${GUILD_ID}/roles → 429: sent \\d+ ms before the Retry-After`))]);

    // Another bucket is not limited; the limited one opens again once the time has passed.
    expect((await raw(`/guilds/${GUILD_ID}/channels`)).status).toBe(200);
    await waitMs(550);
    expect((await raw(`/guilds/${GUILD_ID}/roles`)).status).toBe(200);
    expect(fake.violations).toEqual([]);
    expect(fake.rateLimitViolations).toHaveLength(1);
  });

  test('a global 429 has no bucket headers and holds back every route until it expires', async () => {
    fake.rateLimit({ method: 'GET', path: /^\/guilds\/\d+\/roles$/, retryAfterSeconds: 0.4, global: true });
    const first = await raw(`/guilds/${GUILD_ID}/roles`);
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('1');
    expect(first.headers.get('x-ratelimit-global')).toBe('true');
    expect(first.headers.get('x-ratelimit-scope')).toBe('global');
    expect(first.headers.get('x-ratelimit-bucket')).toBeNull();
    expect(await first.json()).toEqual({ message: 'You are being rate limited.', retry_after: 0.4, global: true });

    const other = await raw(`/guilds/${GUILD_ID}/channels`);
    expect(other.status).toBe(429);
    expect(other.headers.get('x-ratelimit-global')).toBe('true');
    expect(fake.rateLimitViolations.at(-1)).toMatchObject({ method: 'GET', path: `/guilds/${GUILD_ID}/channels`, bucket: 'global' });
    expect(fake.takeViolations()).toHaveLength(1);
    await waitMs(450);
    expect((await raw(`/guilds/${GUILD_ID}/channels`)).status).toBe(200);
    expect(fake.violations).toEqual([]);
  });

  test('discord.js waits out a global 429 and a 429 injected with failNext: no violation', async () => {
    const guild = client.guilds.cache.get(GUILD_ID)!;
    fake.rateLimit({ method: 'GET', path: /^\/guilds\/\d+\/roles$/, retryAfterSeconds: 0.3, global: true });
    expect((await guild.roles.fetch()).size).toBe(5);
    fake.failNext({ method: 'GET', path: /^\/guilds\/\d+\/channels$/, status: 429 });
    expect((await guild.channels.fetch()).size).toBe(1);
    const statuses = fake.restLog.filter((r) => r.path === `/guilds/${GUILD_ID}/channels`).map((r) => r.status);
    expect(statuses.slice(-2)).toEqual([429, 200]);
    expect(fake.rateLimitViolations).toHaveLength(2); // the two raw requests of the tests above, nothing from discord.js
    expect(fake.violations).toEqual([]);
  });
});

describe('fake Discord body limits: each check passes at the limit and fails one past it', () => {
  let fake: FakeDiscord;
  let client: Client;
  let onNext: ReturnType<typeof makeDispatcher>;

  beforeAll(async () => {
    fake = new FakeDiscord({ token: TOKEN, applicationId: APP_ID, botUser: { id: BOT_ID, username: 'StreamsBot' }, guilds: [guildSpec()] });
    const { apiUrl } = await fake.start();
    client = await loggedInClient(fake, apiUrl);
    onNext = makeDispatcher(client);
    await client.application!.commands.set(commandData, GUILD_ID);
  });

  afterEach(() => {
    // Each case takes the one violation it expects: anything left is a case that went wrong.
    expect(fake.takeViolations()).toEqual([]);
  });

  afterAll(async () => {
    await client?.destroy();
    await fake?.stop();
  });

  const s = (n: number, c = 'x') => c.repeat(n);
  const button = (customId: string) => ({ type: 2, style: 1, label: 'Go', custom_id: customId });
  const row = (...components: unknown[]) => ({ type: 1, components });
  const select = (options: number, label = 'Option') => ({
    type: 3,
    custom_id: 'pick',
    options: Array.from({ length: options }, (_, k) => ({ label: k === 0 ? label : `Option ${k}`, value: `v${k}` })),
  });
  const fields = (n: number, name = 'Name', value = 'Value') => Array.from({ length: n }, (_, k) => ({ name: k === 0 ? name : `Name ${k}`, value }));

  /** Sends the body raw (no builder in between), as a bot that skips validation would. */
  const post = (body: unknown) => client.rest.post(Routes.channelMessages(CHANNEL_ID), { body });

  /** [check, body at the limit, body one past it, the error Discord names]. */
  const messageCases: Array<[string, (over: boolean) => unknown, string]> = [
    ['embed description (4096)', (o) => ({ embeds: [{ description: s(o ? 4097 : 4096) }] }), 'embeds[0].description[BASE_TYPE_MAX_LENGTH]'],
    ['embed field count (25)', (o) => ({ embeds: [{ fields: fields(o ? 26 : 25) }] }), 'embeds[0].fields[BASE_TYPE_MAX_LENGTH]'],
    ['embed field name (256)', (o) => ({ embeds: [{ fields: fields(1, s(o ? 257 : 256)) }] }), 'embeds[0].fields[0].name[BASE_TYPE_BAD_LENGTH]'],
    ['embed field value (1024)', (o) => ({ embeds: [{ fields: fields(1, 'Name', s(o ? 1025 : 1024)) }] }), 'embeds[0].fields[0].value[BASE_TYPE_BAD_LENGTH]'],
    [
      'embed total size over all embeds (6000)',
      (o) => ({ embeds: [{ title: s(200), description: s(2800) }, { description: s(o ? 3001 : 3000) }] }),
      'embeds[MAX_EMBED_SIZE_EXCEEDED]',
    ],
    ['button custom_id (100)', (o) => ({ components: [row(button(s(o ? 101 : 100)))] }), 'components[0].components[0].custom_id[BASE_TYPE_BAD_LENGTH]'],
    ['select custom_id (100)', (o) => ({ components: [row({ ...select(1), custom_id: s(o ? 101 : 100) })] }), 'components[0].components[0].custom_id[BASE_TYPE_BAD_LENGTH]'],
    [
      'action rows per message (5)',
      (o) => ({ components: Array.from({ length: o ? 6 : 5 }, (_, k) => row(button(`b${k}`))) }),
      'components[BASE_TYPE_MAX_LENGTH]',
    ],
    [
      'buttons per action row (5)',
      (o) => ({ components: [row(...Array.from({ length: o ? 6 : 5 }, (_, k) => button(`b${k}`)))] }),
      'components[0].components[BASE_TYPE_BAD_LENGTH]',
    ],
    ['select options (25)', (o) => ({ components: [row(select(o ? 26 : 25))] }), 'components[0].components[0].options[BASE_TYPE_BAD_LENGTH]'],
    ['select option label (100)', (o) => ({ components: [row(select(1, s(o ? 101 : 100)))] }), 'components[0].components[0].options[0].label[BASE_TYPE_BAD_LENGTH]'],
  ];

  test.each(messageCases)('message: %s', async (_name, body, error) => {
    const sent = (await post(body(false))) as { id: string };
    expect(fake.messagesIn(CHANNEL_ID).at(-1)?.id).toBe(sent.id);
    expect(fake.violations).toEqual([]);
    const err = await post(body(true)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiscordAPIError);
    expect(err).toMatchObject({ code: 50035, status: 400 });
    const v = fake.takeViolations();
    expect(v).toHaveLength(1);
    expect(v[0]).toContain(`${error}:`);
  });

  const textInput = (over: Record<string, unknown> = {}) => ({ type: 4, custom_id: 'f', style: 1, ...over });
  const label = (component: unknown, text = 'Field') => ({ type: 18, label: text, component });
  const modal = (over: Record<string, unknown> = {}) => ({ custom_id: 'm', title: 'Title', components: [label(textInput())], ...over });
  const modalCases: Array<[string, (over: boolean) => unknown, string]> = [
    ['title (45)', (o) => modal({ title: s(o ? 46 : 45) }), 'data.title[BASE_TYPE_BAD_LENGTH]'],
    ['custom_id (100)', (o) => modal({ custom_id: s(o ? 101 : 100) }), 'data.custom_id[BASE_TYPE_BAD_LENGTH]'],
    [
      'components (5)',
      (o) => modal({ components: Array.from({ length: o ? 6 : 5 }, (_, k) => label(textInput({ custom_id: `f${k}` }))) }),
      'data.components[BASE_TYPE_BAD_LENGTH]',
    ],
    ['label of a field (45)', (o) => modal({ components: [label(textInput(), s(o ? 46 : 45))] }), 'data.components[0].label[BASE_TYPE_BAD_LENGTH]'],
    [
      'legacy text input label (45)',
      (o) => modal({ components: [row(textInput({ label: s(o ? 46 : 45) }))] }),
      'data.components[0].components[0].label[BASE_TYPE_BAD_LENGTH]',
    ],
    ['text input custom_id (100)', (o) => modal({ components: [label(textInput({ custom_id: s(o ? 101 : 100) }))] }), 'data.components[0].component.custom_id[BASE_TYPE_BAD_LENGTH]'],
    ['text input max_length (4000)', (o) => modal({ components: [label(textInput({ max_length: o ? 4001 : 4000 }))] }), 'data.components[0].component.max_length[NUMBER_TYPE_MAX]'],
    ['text input value (4000)', (o) => modal({ components: [label(textInput({ value: s(o ? 4001 : 4000) }))] }), 'data.components[0].component.value[BASE_TYPE_MAX_LENGTH]'],
    ['text input placeholder (100)', (o) => modal({ components: [label(textInput({ placeholder: s(o ? 101 : 100) }))] }), 'data.components[0].component.placeholder[BASE_TYPE_MAX_LENGTH]'],
    ['select options in a modal (25)', (o) => modal({ components: [label(select(o ? 26 : 25))] }), 'data.components[0].component.options[BASE_TYPE_BAD_LENGTH]'],
  ];

  test.each(modalCases)('modal: %s', async (_name, data, error) => {
    const answered = onNext(async (i) => {
      if (!i.isChatInputCommand()) throw new Error('not a chat input');
      const callback = (d: unknown) => client.rest.post(Routes.interactionCallback(i.id, i.token), { body: { type: 9, data: d }, auth: false });
      // A refused callback does not acknowledge: the same interaction can still show the modal at the limit.
      const err = await callback(data(true)).catch((e: unknown) => e);
      await callback(data(false));
      return err;
    });
    const h = fake.chatInput({ guildId: GUILD_ID, userId: ALICE, name: 'link' });
    const err = await answered;
    expect(err).toBeInstanceOf(DiscordAPIError);
    expect(err).toMatchObject({ code: 50035, status: 400 });
    expect(h.callbacks.map((c) => [c.type, c.status])).toEqual([[9, 400], [9, 204]]);
    expect(h.modal()).toEqual(data(false));
    const v = fake.takeViolations();
    expect(v).toHaveLength(1);
    expect(v[0]).toContain(`${error}:`);
  });

  const files = (n: number, size = 10) => Array.from({ length: n }, (_, k) => ({ name: `f${k}.bin`, data: Buffer.alloc(size, k) }));
  const upload = (fileList: Array<{ name: string; data: Buffer }>) => client.rest.post(Routes.channelMessages(CHANNEL_ID), { body: { content: 'files' }, files: fileList });

  test('files per message (10): uploads keep their bytes and are served at their url', async () => {
    const sent = (await upload(files(10))) as { attachments: Array<{ id: string; filename: string; size: number; url: string }> };
    expect(sent.attachments.map((a) => [a.filename, a.size])).toEqual(files(10).map((f) => [f.name, 10]));
    const stored = fake.uploads.filter((u) => sent.attachments.some((a) => a.id === u.attachmentId));
    expect(stored.map((u) => u.bytes)).toEqual(files(10).map((f) => f.data));
    expect(Buffer.from(await (await fetch(sent.attachments[9]!.url)).arrayBuffer())).toEqual(files(10)[9]!.data);
    const err = await upload(files(11)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 50035, status: 400 });
    const v = fake.takeViolations();
    expect(v).toHaveLength(1);
    expect(v[0]).toContain('attachments[BASE_TYPE_MAX_LENGTH]:');
  });

  test('upload size (25 MiB a request): 24 MiB passes, 25 MiB and a byte is a 413', async () => {
    await upload([{ name: 'big.bin', data: Buffer.alloc(24 * 1024 * 1024) }]);
    const err = await upload([{ name: 'too-big.bin', data: Buffer.alloc(25 * 1024 * 1024 + 1) }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiscordAPIError);
    expect(err).toMatchObject({ code: 40005, status: 413 });
    const v = fake.takeViolations();
    expect(v).toHaveLength(1);
    expect(v[0]).toContain('413 (40005 Request entity too large)');
  });
});
