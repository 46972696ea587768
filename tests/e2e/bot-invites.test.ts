/* eslint-disable @typescript-eslint/no-explicit-any */
import type { InteractionHandle } from '../fakes/discord';
import { SMALL_IDS, smallAccount } from '../fakes/plex/plex-data';
import { closeBotHarness, IDS, startBotHarness, type BotHarness } from '../support/bot-harness';
import { DATABASE_KINDS } from '../support/databases';
import { createDefaultPlan } from '../support/harness';

const EPHEMERAL = 64;
const NEWCOMER = { id: 7777, title: 'Newcomer', username: 'newcomer', email: 'new@example.com' };
const admin = { guildId: IDS.guild, userId: IDS.admin };
const sub = (name: string, options: any[] = []) => [{ name, type: 1, options }];

describe.each(DATABASE_KINDS)('the bot on %s: /invite', (kind) => {
  let h: BotHarness;
  beforeEach(async () => {
    const account = { ...smallAccount(), knownAccounts: [NEWCOMER], accountlessInvites: true };
    h = await startBotHarness(kind, { account });
    await createDefaultPlan(h.app);
    await h.app.usersSync().run();
    await h.app.sharedServersSync().run();
    await h.app.catalog.createPlan({ name: 'Cabin', duration: '30d', price: '5.00', currency: 'USD' });
    await h.app.planAccess.setAccess('Cabin', SMALL_IDS.cabin, { kind: 'all' });
  });
  afterEach(async () => expect(await closeBotHarness(h)).toEqual([]));

  const command = (name: string, options: any[] = []) => h.discord.chatInput({ ...admin, name, options });
  async function settled(run: InteractionHandle): Promise<any> {
    const first = await run.response();
    expect(first.type).toBe(5);
    expect(first.data.flags & EPHEMERAL).toBe(EPHEMERAL);
    await run.waitFor((x) => (x.final()?.content ?? '').length > 0, 15_000);
    return run.final();
  }

  it('invites with a member: one share on plex.tv, the role, one welcome DM; the card offers to cancel, which unshares', async () => {
    const done = await settled(
      command('invite', [
        { name: 'email', type: 3, value: 'newcomer' },
        { name: 'plan', type: 3, value: 'Cabin' },
        { name: 'member', type: 6, value: IDS.member },
      ]),
    );
    expect(done.content).toContain("Invited newcomer on plan \"Cabin\"");
    expect(done.content).toContain('user: newcomer (plex 7777)');
    const shares = h.plex.sharesOf(SMALL_IDS.cabin).filter((s) => s.user.id === NEWCOMER.id);
    expect(shares).toHaveLength(1);
    expect(h.discord.member(IDS.guild, IDS.member)!.roles).toContain(IDS.subscriberRole);
    expect(h.discord.dms.filter((d) => d.userId === IDS.member)).toHaveLength(1);

    const card = (await command('user', sub('view', [{ name: 'user', value: String(NEWCOMER.id) }])).response()).data;
    expect(card.embeds[0].fields.find((f: any) => f.name === 'Invite').value).toContain('pending: invited newcomer on plan Cabin');
    const cancel = card.components[0].components.find((c: any) => c.label === 'Cancel invite');
    expect(cancel.custom_id).toBe(`invite-cancel:${NEWCOMER.id}`);
    const press = h.discord.button({ ...admin, customId: cancel.custom_id, message: card });
    const answer = await press.response();
    expect(answer.data.content).toBe("Invite of newcomer cancelled: unshared Cabin & Co's.");
    expect(h.plex.deletedShares).toEqual([{ machineIdentifier: SMALL_IDS.cabin, shareId: shares[0]!.share.shareId }]);
  });

  it('an invite by e-mail with no Plex account shows in /shared-servers list', async () => {
    await settled(command('invite', [{ name: 'email', type: 3, value: 'friend@example.org' }, { name: 'plan', type: 3, value: 'Cabin' }]));
    const list = (await command('shared-servers', sub('list')).response()).data;
    expect(list.content).toContain('Invite pending (no Plex account yet): **friend@example.org** · plan Cabin');
  });

  it('a plan without access settings is refused, naming the plan', async () => {
    const done = await settled(command('invite', [{ name: 'email', type: 3, value: 'newcomer' }, { name: 'plan', type: 3, value: 'Monthly' }]));
    expect(done.content).toMatch(/plan "Monthly" has no access settings/);
    expect(h.plex.requests.filter((r) => r.method === 'POST')).toEqual([]);
  });
});
