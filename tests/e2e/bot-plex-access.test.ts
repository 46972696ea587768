/* eslint-disable @typescript-eslint/no-explicit-any */
import { SMALL_IDS } from '../fakes/plex/plex-data';
import type { InteractionHandle } from '../fakes/discord';
import { closeBotHarness, formAnswer, IDS, startBotHarness, type BotHarness } from '../support/bot-harness';
import { DATABASE_KINDS } from '../support/databases';
import { paypalCsv, seedPlans, SMALL_USERS } from '../support/payments';

const DAY = 86_400_000;
const admin = { guildId: IDS.guild, userId: IDS.admin };

/**
 * The bot's own hooks: a payment imported in Discord gives a removed user their Plex shares back,
 * and a plan changed in the payment form changes their libraries, without waiting for a lifecycle run.
 */
describe.each(DATABASE_KINDS)('the bot on %s: plex.tv access follows the admin', (kind) => {
  let h: BotHarness;
  beforeEach(async () => {
    h = await startBotHarness(kind, { env: { REMOVE_AFTER_DAYS: '0' } });
    await seedPlans(h.app);
    await h.app.usersSync().run();
    await h.app.sharedServersSync().run();
    // Monthly grants what O'Brien shares today: Movies and TV Shows in the Living Room, all of the Cabin.
    await h.app.planAccess.setAccess('Monthly', SMALL_IDS.livingRoom, { kind: 'libraries', titles: ['Movies', 'TV Shows'] });
    await h.app.planAccess.setAccess('Monthly', SMALL_IDS.cabin, { kind: 'all' });
  });
  afterEach(async () => expect(await closeBotHarness(h)).toEqual([]));

  const sharesOf = (plexId: number) =>
    [SMALL_IDS.livingRoom, SMALL_IDS.cabin].flatMap((mid) => h.plex.sharesOf(mid).filter((s) => s.user.id === plexId).map((s) => ({ mid, sections: [...s.share.sectionIds].sort() })));
  const writes = () => h.plex.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);
  const ymd = (d: Date) => d.toISOString().slice(0, 10);
  /** The bot follows the admin after it answered: wait (bounded) for plex.tv to show it. */
  async function until(done: () => boolean, timeoutMs = 10_000): Promise<void> {
    for (const end = Date.now() + timeoutMs; !done() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 50));
  }
  /** A deferred reply's final message once it has an embed (or a plain answer that is not progress). */
  async function settled(run: InteractionHandle): Promise<any> {
    expect((await run.response()).type).toBe(5);
    await run.waitFor((x) => !!x.final() && (x.final().embeds?.length > 0 || (x.final().content ?? '').length > 0 && !/^(Importing|Fetching)/.test(x.final().content)), 15_000);
    return run.final();
  }
  /** Every default payment has ended a day ago and the lifecycle removed everyone from Plex. */
  async function everyoneRemoved(): Promise<void> {
    h.clock.set(new Date(h.clock.now().getTime() + 32 * DAY));
    const run = await h.app.lifecycle.run();
    expect(run.failures).toEqual([]);
    expect(run.removedFromPlex).toBeGreaterThan(0);
    expect(sharesOf(SMALL_USERS.obrien)).toEqual([]);
    h.plex.resetRequests();
  }

  it('a payment imported with /payments import shares the plan again on plex.tv at once', async () => {
    await everyoneRemoved();
    const [m, d, y] = [ymd(h.clock.now()).slice(5, 7), ymd(h.clock.now()).slice(8, 10), ymd(h.clock.now()).slice(0, 4)];
    const file = h.discord.attachment('paid.csv', paypalCsv([{ date: `${m}/${d}/${y}`, gross: '10.00', from: 'obrien@example.com', id: '9RE00000000000001' }]), 'text/csv');
    const done = await settled(h.discord.chatInput({ ...admin, name: 'payments', options: [{ name: 'import', type: 1, options: [{ name: 'file', type: 11, value: file.id }] }] }));
    expect(done.embeds[0].title).toBe('PayPal import done');
    await until(() => sharesOf(SMALL_USERS.obrien).length === 2);
    expect(sharesOf(SMALL_USERS.obrien)).toEqual([
      { mid: SMALL_IDS.livingRoom, sections: [101, 102] },
      { mid: SMALL_IDS.cabin, sections: [201, 202, 203] },
    ]);
    // Only O'Brien paid: nobody else is shared again, and each of his servers got one invite.
    expect(writes().sort()).toEqual([`POST /api/servers/${SMALL_IDS.livingRoom}/shared_servers`, `POST /api/servers/${SMALL_IDS.cabin}/shared_servers`].sort());
  });

  it('a plan changed in the payment form changes the libraries shared on plex.tv', async () => {
    await h.app.catalog.createPlan({ name: 'Movies only', duration: '1m', price: '5.00', currency: 'USD' });
    await h.app.planAccess.setAccess('Movies only', SMALL_IDS.livingRoom, { kind: 'libraries', titles: ['Movies'] });
    h.plex.resetRequests();
    const open = h.discord.chatInput({ ...admin, name: 'user', options: [{ name: 'edit-payment', type: 1, options: [{ name: 'user', value: String(SMALL_USERS.obrien) }] }] });
    expect((await open.response()).type).toBe(9);
    const form = await h.app.users.paymentForm(SMALL_USERS.obrien);
    const saved = await formAnswer(
      h.discord.modalSubmit({ ...admin, from: open, fields: { plan: ['Movies only'], startsAt: ymd(form.current!.startsAt), endsAt: ymd(form.current!.endsAt), subscriptionId: '' } }),
    );
    expect(saved.data.content ?? saved.data.embeds?.[0]?.title ?? '').not.toMatch(/wrong|error/i);
    await until(() => sharesOf(SMALL_USERS.obrien).length === 1);
    // The Cabin is not part of the new plan: unshared; the Living Room keeps only Movies.
    expect(sharesOf(SMALL_USERS.obrien)).toEqual([{ mid: SMALL_IDS.livingRoom, sections: [101] }]);
    expect(writes()).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^PUT /api/servers/${SMALL_IDS.livingRoom}/shared_servers/\\d+$`)), expect.stringMatching(new RegExp(`^DELETE /api/servers/${SMALL_IDS.cabin}/shared_servers/\\d+$`))]));
    expect(writes()).toHaveLength(2);
  });
});
