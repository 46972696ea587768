/* eslint-disable @typescript-eslint/no-explicit-any */
import { FakeDiscord, type InteractionHandle } from '../fakes/discord';
import type { FakeGuildSpec } from '../fakes/discord/types';
import { Perm } from '../fakes/discord/util';
import { SMALL_USERS } from '../fakes/plex/plex-data';
import { BOT_TOKEN, guildSpec, IDS, MEMBER_PERMISSIONS, startBotHarness, type BotHarness } from '../support/bot-harness';
import { DATABASE_KINDS } from '../support/databases';
import { createDefaultPlan } from '../support/harness';

const EPHEMERAL = 64;
const OTHER_SERVER = 'This bot serves another Discord server: it does nothing here.';
const ADMINS_ONLY = 'Only server admins (Manage Server permission) can use this.';

/** Another server the bot was added to; its owner has every permission there. */
const OTHER = { guild: '900000000000000101', owner: '900000000000000110', channel: '900000000000000130' } as const;

function otherGuildSpec(): FakeGuildSpec {
  return {
    id: OTHER.guild,
    name: 'Somebody Else',
    ownerId: OTHER.owner,
    channels: [{ id: OTHER.channel, name: 'general' }],
    roles: [{ id: OTHER.guild, name: '@everyone', position: 0, permissions: (Perm.ViewChannel | Perm.SendMessages).toString() }],
    members: [{ user: { id: OTHER.owner, username: 'someone-else' }, roles: [] }],
  };
}

/** Who sends an interaction, and from where (no guildId: a DM, in the given DM channel). */
interface Sender {
  guildId?: string;
  channelId?: string;
  userId: string;
  permissions?: string;
  roles?: string[];
}

const PLEX_ID = SMALL_USERS.obrien;

describe.each(DATABASE_KINDS)('the bot on %s serves one Discord server, and there only its admins', (kind) => {
  let h: BotHarness;
  let machineId: string;

  beforeAll(async () => {
    const discord = new FakeDiscord({
      token: BOT_TOKEN,
      applicationId: IDS.app,
      botUser: { id: IDS.bot, username: 'streams-manager' },
      guilds: [guildSpec(), otherGuildSpec()],
    });
    h = await startBotHarness(kind, { discord });
    await createDefaultPlan(h.app);
    await h.app.usersSync().run();
    await h.app.sharedServersSync().run();
    machineId = (await h.app.catalog.listServers())[0]!.machineIdentifier;
  });
  afterAll(async () => {
    await h?.close();
  });
  afterEach(() => {
    expect(h.discord.takeViolations()).toEqual([]);
  });

  const fromOtherServer = (): Sender => ({ guildId: OTHER.guild, userId: OTHER.owner });
  /** The server's own admin, but in a DM with the bot. */
  const fromDm = (): Sender => ({ userId: IDS.admin, channelId: h.discord.dmChannelId(IDS.admin) });
  const fromMember = (): Sender => ({ guildId: IDS.guild, userId: IDS.member, permissions: MEMBER_PERMISSIONS, roles: [] });
  /** An admin by the admin role only (no Manage Server). */
  const fromAdmin = (): Sender => ({ guildId: IDS.guild, userId: IDS.admin, permissions: MEMBER_PERMISSIONS, roles: [IDS.adminRole] });

  /**
   * One interaction of each kind, each of which reads or writes the database when its handler runs.
   * Components and the modal carry custom_ids made by hand, as a crafted client would send them.
   */
  const KINDS: Record<string, (s: Sender) => InteractionHandle> = {
    'slash command': (s) =>
      h.discord.chatInput({
        ...s,
        name: 'server',
        visibleByGuildOverride: true,
        options: [{ name: 'settings', type: 1, options: [{ name: 'server', type: 3, value: machineId }, { name: 'enabled', type: 5, value: false }] }],
      }),
    autocomplete: (s) =>
      h.discord.autocomplete({ ...s, name: 'user', visibleByGuildOverride: true, options: [{ name: 'view', type: 1, options: [] }], focused: { name: 'user', value: 'o', type: 3 } }),
    button: (s) => h.discord.button({ ...s, customId: `user-set-class:${PLEX_ID}:permanent` }),
    'select menu': (s) => h.discord.selectMenu({ ...s, customId: 'users-open:crafted', values: [String(PLEX_ID)] }),
    'modal submit': (s) =>
      h.discord.modalSubmit({ ...s, customId: `user-profile-modal:${PLEX_ID}`, fields: { paypalEmail: 'thief@example.com', discordId: '', discordUsername: '' } }),
  };

  /** Sends one interaction and records whether the bot touched the database until it answered. */
  async function send(run: () => InteractionHandle): Promise<{ response: any; queries: number; before: unknown; after: unknown }> {
    const before = await h.snapshot();
    // Every read and write goes through a query runner the data source creates.
    const spy = jest.spyOn(h.app.store.dataSource, 'createQueryRunner');
    let response: any;
    let queries: number;
    try {
      const handle = run();
      response = await handle.response();
      // A form is acknowledged first and answered after its work: count what that work read.
      if (response.type === 5) await handle.waitFor((x) => x.final() !== undefined, 10_000);
      queries = spy.mock.calls.length;
    } finally {
      spy.mockRestore();
    }
    return { response, queries, before, after: await h.snapshot() };
  }

  async function expectRefused(kindName: string, sender: Sender, text: string): Promise<void> {
    const { response, queries, before, after } = await send(() => KINDS[kindName]!(sender));
    if (kindName === 'autocomplete') {
      expect(response.type).toBe(8);
      expect(response.data.choices).toEqual([]);
    } else {
      expect(response.type).toBe(4);
      expect(response.data.content).toBe(text);
      expect(response.data.flags & EPHEMERAL).toBe(EPHEMERAL);
      expect(response.data.embeds ?? []).toEqual([]);
      expect(response.data.components ?? []).toEqual([]);
    }
    expect(queries).toBe(0);
    expect(after).toEqual(before);
  }

  describe.each(Object.keys(KINDS))('%s', (kindName) => {
    it('from another server the bot is in, by that server\'s owner, is refused before anything is read', async () => {
      await expectRefused(kindName, fromOtherServer(), OTHER_SERVER);
    });

    it('from a DM, even by an admin of the bot\'s server, is refused before anything is read', async () => {
      await expectRefused(kindName, fromDm(), OTHER_SERVER);
    });

    it('from a member of the bot\'s server who is not an admin is refused before anything is read', async () => {
      await expectRefused(kindName, fromMember(), ADMINS_ONLY);
    });
  });

  it("refuses a non-admin pressing a button on an admin's user card, and the class stays", async () => {
    const card = (await h.discord.chatInput({ guildId: IDS.guild, userId: IDS.admin, name: 'user', options: [{ name: 'view', type: 1, options: [{ name: 'user', value: String(PLEX_ID) }] }] }).response()).data;
    const makePermanent = card.components.flatMap((row: any) => row.components).find((c: any) => c.label === 'Make permanent');
    expect(makePermanent.custom_id).toBe(`user-set-class:${PLEX_ID}:permanent`);
    const message = h.discord.messagesIn(IDS.channel).find((m) => m.components?.some((row: any) => row.components.some((c: any) => c.custom_id === makePermanent.custom_id)));

    const { response, queries, before, after } = await send(() => h.discord.button({ ...fromMember(), customId: makePermanent.custom_id, message: message.id }));
    expect(response.type).toBe(4);
    expect(response.data.content).toBe(ADMINS_ONLY);
    expect(queries).toBe(0);
    expect(after).toEqual(before);
  });

  it("refuses a non-admin choosing in the menu of an admin's Users list page", async () => {
    const list = h.discord.chatInput({ guildId: IDS.guild, userId: IDS.admin, name: 'users', options: [{ name: 'list', type: 1, options: [] }] });
    const open = (await list.response()).data.components[0].components[0];
    expect(open.custom_id).toMatch(/^users-open:/);

    const { response, queries } = await send(() => h.discord.selectMenu({ ...fromMember(), customId: open.custom_id, message: list.final().id, values: [String(PLEX_ID)] }));
    expect(response.type).toBe(4);
    expect(response.data.content).toBe(ADMINS_ONLY);
    expect(response.data.embeds).toEqual([]);
    expect(queries).toBe(0);
  });

  it('refuses a custom_id the bot never made as an admin-only one: outsiders learn nothing of what it is', async () => {
    const fromMemberReply = (await h.discord.button({ ...fromMember(), customId: 'not-ours:1' }).response()).data;
    expect(fromMemberReply.content).toBe(ADMINS_ONLY);
    const fromOtherReply = (await h.discord.button({ ...fromOtherServer(), customId: 'not-ours:1' }).response()).data;
    expect(fromOtherReply.content).toBe(OTHER_SERVER);
  });

  // The same interactions reach their handlers for an admin on the bot's own server: the refusals above are
  // the access check's doing, not a custom_id the bot would not take anyway, and the query count can fail.
  it('lets an admin (by the admin role) on its own server through on every kind, reading and writing', async () => {
    const slash = await send(() => KINDS['slash command']!(fromAdmin()));
    expect(slash.response.data.content).toMatch(/^Saved: .* · disabled$/);
    expect(slash.queries).toBeGreaterThan(0);
    expect(slash.after).not.toEqual(slash.before);

    const suggest = await send(() => KINDS.autocomplete!(fromAdmin()));
    expect(suggest.response.data.choices).toEqual(expect.arrayContaining([{ name: expect.any(String), value: String(PLEX_ID) }]));
    expect(suggest.queries).toBeGreaterThan(0);

    const press = await send(() => KINDS.button!(fromAdmin()));
    expect(press.response.data.content).toMatch(/ is now permanent\.$/);
    expect(press.queries).toBeGreaterThan(0);
    expect(press.after).not.toEqual(press.before);

    const select = await send(() => KINDS['select menu']!(fromAdmin()));
    expect(select.response.data.embeds[0].title).toBe("O'Brien & Søn");
    expect(select.queries).toBeGreaterThan(0);

    const submit = await send(() => KINDS['modal submit']!(fromAdmin()));
    expect(submit.queries).toBeGreaterThan(0);
    expect((submit.after as any).users).not.toEqual((submit.before as any).users);
  });
});
