import { SMALL_IDS } from '../fakes/plex/plex-data';
import type { InteractionHandle } from '../fakes/discord';
import { closeBotHarness, IDS, MEMBER_PERMISSIONS, startBotHarness, type BotHarness } from '../support/bot-harness';
import { DATABASE_KINDS } from '../support/databases';
import { createDefaultPlan } from '../support/harness';

describe.each(DATABASE_KINDS)('the bot on %s: /plan edit-access picks servers and libraries from plex.tv', (kind) => {
  let h: BotHarness;
  beforeEach(async () => {
    h = await startBotHarness(kind);
    await createDefaultPlan(h.app);
    // The servers the select offers are the ones the database knows, recorded by a sync.
    await h.app.usersSync().run();
  });
  afterEach(async () => expect(await closeBotHarness(h)).toEqual([]));

  const admin = { guildId: IDS.guild, userId: IDS.admin };
  const member = { guildId: IDS.guild, userId: IDS.member, permissions: MEMBER_PERMISSIONS };
  const editAccess = (who: Record<string, unknown> = admin) =>
    h.discord.chatInput({ ...who, name: 'plan', options: [{ name: 'edit-access', type: 1, options: [{ name: 'plan', type: 3, value: 'Monthly' }] }], visibleByGuildOverride: true } as never);

  /** The message a select was on, once the bot has edited it after acknowledging (type 6). */
  async function pick(from: any, values: string[]): Promise<any> {
    const select = from.components[0].components[0];
    const handle: InteractionHandle = h.discord.selectMenu({ ...admin, customId: select.custom_id, values, message: from.id });
    expect((await handle.response()).type).toBe(6);
    await handle.waitFor((x) => x.edits().length > 0);
    return handle.final();
  }
  const options = (message: any) => message.components[0].components[0].options.map((o: any) => ({ label: o.label, value: o.value, default: o.default ?? false }));

  it('shows the owner\'s servers, then the chosen server\'s libraries, and saves the picks as the plan\'s access', async () => {
    const open = editAccess();
    const first = await open.response();
    expect(first.type).toBe(4);
    expect(first.data.flags & 64).toBe(64);
    expect(first.data.embeds[0]).toMatchObject({ title: 'Access of plan Monthly', description: 'No access settings: the bot leaves the shares of its users as they are.' });
    expect(options(first.data).map((o: any) => [o.label, o.value]).sort()).toEqual([
      ["Cabin & Co's", SMALL_IDS.cabin],
      ['Living Room', SMALL_IDS.livingRoom],
    ]);

    const cabin = await pick(open.final(), [SMALL_IDS.cabin]);
    expect(cabin.embeds[0].title).toBe("Plan Monthly on Cabin & Co's");
    expect(options(cabin)).toEqual([
      { label: 'All libraries', value: '*all', default: false },
      { label: 'Not shared', value: '*none', default: false },
      { label: 'Films', value: 'l0', default: false },
      { label: 'Séries <HD>', value: 'l1', default: false },
      { label: 'Kids & Family', value: 'l2', default: false },
    ]);
    expect(cabin.components[0].components[0]).toMatchObject({ min_values: 1, max_values: 5 });

    const saved = await pick(cabin, ['l0', 'l2']);
    expect(saved.embeds[0].footer.text).toBe("Saved: Cabin & Co's.");
    expect(saved.embeds[0].description).toBe("Cabin & Co's: Films, Kids & Family");
    expect(await h.app.planAccess.getAccess('Monthly')).toEqual([
      { machineIdentifier: SMALL_IDS.cabin, serverName: "Cabin & Co's", allLibraries: false, libraries: ['Films', 'Kids & Family'] },
    ]);

    // The menu opens with what the plan grants chosen; "All libraries" on another server.
    const again = await pick(saved, [SMALL_IDS.cabin]);
    expect(options(again).filter((o: any) => o.default).map((o: any) => o.label)).toEqual(['Films', 'Kids & Family']);
    const unchanged = await pick(again, ['l0', 'l2']);
    const living = await pick(unchanged, [SMALL_IDS.livingRoom]);
    const all = await pick(living, ['*all']);
    expect(all.embeds[0].description).toBe("Cabin & Co's: Films, Kids & Family\nLiving Room: all libraries");

    // "Not shared" with a library is refused and changes nothing; alone it removes the server.
    const cabinAgain = await pick(all, [SMALL_IDS.cabin]);
    const refused = await pick(cabinAgain, ['*none', 'l1']);
    expect(refused.embeds[0].footer.text).toBe('Nothing saved: "Not shared" cannot be picked together with libraries: pick one or the other.');
    expect((await h.app.planAccess.getAccess('Monthly')).map((a) => a.serverName)).toEqual(["Cabin & Co's", 'Living Room']);
    const removed = await pick(await pick(refused, [SMALL_IDS.cabin]), ['*none']);
    expect(removed.embeds[0].description).toBe('Living Room: all libraries');
    expect(await h.app.planAccess.getAccess('Monthly')).toEqual([{ machineIdentifier: SMALL_IDS.livingRoom, serverName: 'Living Room', allLibraries: true, libraries: [] }]);

    const list = await h.discord.chatInput({ ...admin, name: 'plan', options: [{ name: 'list', type: 1, options: [] }] }).response();
    expect(list.data.embeds[0].description).toBe('**Monthly**: 1 month, 10.00 USD · default\n  Living Room: all libraries');
  });

  it('lists 23 libraries of a bigger server beside "All libraries" and "Not shared", and says where the others are set', async () => {
    h.plex.update((a) => {
      const cabin = a.servers.find((s) => s.machineIdentifier === SMALL_IDS.cabin)!;
      for (let i = 1; i <= 30; i++) cabin.sections.push({ id: 300 + i, key: String(100 + i), title: `Extra ${i}`, type: 'movie' });
    });
    const open = editAccess();
    await open.response();
    const cabin = await pick(open.final(), [SMALL_IDS.cabin]);
    const offered = options(cabin);
    expect(offered).toHaveLength(25);
    expect(offered.slice(0, 2).map((o: any) => o.label)).toEqual(['All libraries', 'Not shared']);
    expect(offered.at(-1).label).toBe('Extra 20');
    expect(cabin.embeds[0].description).toContain('This server has 33 libraries and a menu lists 23: for the others use the CLI (plans set-access --libraries).');
    const saved = await pick(cabin, ['l22']);
    expect(saved.embeds[0].description).toBe("Cabin & Co's: Extra 20");
  });

  it('says so when plex.tv cannot list a server\'s libraries, and saves nothing', async () => {
    const open = editAccess();
    await open.response();
    h.plex.injectFault({ path: new RegExp(`^/api/servers/${SMALL_IDS.cabin}`), status: 404, times: Infinity });
    const failed = await pick(open.final(), [SMALL_IDS.cabin]);
    expect(failed.content).toBe(`plex.tv does not list ${SMALL_IDS.cabin} as one of your servers: check the machine identifier (see servers list)`);
    expect(await h.app.planAccess.getAccess('Monthly')).toEqual([]);
  });

  it('refuses a non-admin: the command, and a select carrying the plan\'s custom_id', async () => {
    const before = await h.snapshot();
    const refused = await editAccess(member).response();
    expect(refused.data.content).toBe('Only server admins (Manage Server permission) can use this.');

    const open = editAccess();
    await open.response();
    const select = open.final().components[0].components[0];
    const crafted = await h.discord.selectMenu({ ...member, customId: select.custom_id, values: [SMALL_IDS.cabin], message: open.final().id }).response();
    expect(crafted.type).toBe(4);
    expect(crafted.data.content).toBe('Only server admins (Manage Server permission) can use this.');
    const libraries = await h.discord.selectMenu({ ...member, customId: 'plan-access-libraries:crafted', values: ['*all'], message: { id: '900000000000009990', channel_id: IDS.channel, components: [{ type: 1, components: [{ type: 3, custom_id: 'plan-access-libraries:crafted', options: [{ label: 'All', value: '*all' }] }] }] } }).response();
    expect(libraries.data.content).toBe('Only server admins (Manage Server permission) can use this.');
    expect(await h.snapshot()).toEqual(before);
    expect(await h.app.planAccess.getAccess('Monthly')).toEqual([]);
  });
});
