import { createLogger } from '../../src/config/logger';
import { adminChannelNotifier } from '../../src/discord/replies';
import { paymentsJobs } from '../../src/jobs/payments.jobs';
import { LockService } from '../../src/services/lock.service';
import { FakePayPal, PAYPAL_CLIENT, paypalTransaction } from '../fakes/paypal/fake-paypal';
import { closeBotHarness, IDS, startBotHarness, type BotHarness } from '../support/bot-harness';
import { DATABASE_KINDS } from '../support/databases';
import { T0 } from '../support/harness';
import { seedPlans, SMALL_USERS } from '../support/payments';

const DAY = 86_400_000;
const ALERT = '**Payments sync**: 1 unmatched payment(s): assign them with /payments unmatched.';

/** The scheduled payments sync as the bot runs it, against the fake Discord, PayPal and plex.tv. */
describe.each(DATABASE_KINDS)('the scheduled payments sync on %s: admin alerts are never lost', (kind) => {
  let h: BotHarness;
  let paypal: FakePayPal;
  let logs: Array<Record<string, unknown>>;
  beforeEach(async () => {
    paypal = new FakePayPal(T0);
    const paypalUrl = await paypal.start();
    h = await startBotHarness(kind, {
      env: {
        PAYPAL_CLIENT_ID: PAYPAL_CLIENT.id,
        PAYPAL_CLIENT_SECRET: PAYPAL_CLIENT.secret,
        PAYPAL_API_URL: paypalUrl,
        PAYMENTS_RETRIES: '1',
        PAYMENTS_RETRY_DELAY_MS: '5',
        DISCORD_ADMIN_CHANNEL_ID: IDS.channel,
      },
    });
    await seedPlans(h.app);
    await h.app.usersSync().run();
    // O'Brien is linked and his payment is matched (roles follow it); a stranger's payment matches nobody (the alert).
    await h.app.store.dataSource.query('UPDATE users SET discord_id = ? WHERE plex_id = ?', [IDS.member, SMALL_USERS.obrien]);
    await h.app.store.dataSource.query('UPDATE payments SET ends_at = ? WHERE user_id = (SELECT id FROM users WHERE plex_id = ?)', [
      kind === 'sqlite' ? '2026-11-20 12:00:00.000' : new Date(T0.getTime() - 5 * DAY),
      SMALL_USERS.obrien,
    ]);
    paypal.transactions.push(
      paypalTransaction({ id: 'PP-OBRIEN-1', code: 'T0000', at: new Date(T0.getTime() - DAY), value: '10.00', email: 'obrien@example.com', name: "Bob O'Brien" }),
      paypalTransaction({ id: 'PP-STRANGER-1', code: 'T0000', at: new Date(T0.getTime() - DAY), value: '10.00', email: 'stranger@example.net', name: 'Stranger' }),
    );
    logs = [];
  });
  afterEach(async () => {
    const violations = await closeBotHarness(h);
    await paypal.stop();
    expect(violations).toEqual([]);
  });

  function job() {
    const logger = createLogger('info', { write: (line: string) => void logs.push(JSON.parse(line)) });
    const [sync] = paymentsJobs(h.app, h.app.config, { notify: adminChannelNotifier(h.bot.client, IDS.channel, logger), logger });
    return sync!;
  }
  const posted = () => h.discord.channelMessages.filter((m) => m.channelId === IDS.channel).map((m) => m.content);

  it('posts the alert even when the role sync after it finds the lifecycle busy', async () => {
    // Another process holds the lifecycle lock for the whole sync.
    const other = new LockService(h.app.store, 60_000);
    await other.withLock('lifecycle', () => job().run());
    expect(posted()).toEqual([ALERT]);
    expect(logs).toContainEqual(expect.objectContaining({ msg: expect.stringMatching(/^payments sync: roles did not follow/), reason: expect.stringMatching(/already running/) }));
    expect(h.discord.roleChanges).toEqual([]);
    // The payments were saved: the hourly role sync gives the role later.
    expect((await h.app.payments.listPayments(SMALL_USERS.obrien)).payments.map((p) => p.transactionId)).toContain('PP-OBRIEN-1');
  });

  it('logs why the alert could not be posted, and roles still follow the new payments', async () => {
    h.discord.failNext({ method: 'POST', path: new RegExp(`^/channels/${IDS.channel}/messages$`), status: 403, code: 50001, message: 'Missing Access' });
    await job().run();
    expect(posted()).toEqual([]);
    expect(logs).toContainEqual(expect.objectContaining({ msg: 'payments sync: cannot post the alert to the admin channel', reason: 'Missing Access', alert: ALERT }));
    expect(h.discord.roleChanges).toEqual([expect.objectContaining({ userId: IDS.member, roleId: IDS.subscriberRole, action: 'add' })]);
  });
});
