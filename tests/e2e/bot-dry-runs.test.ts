/* eslint-disable @typescript-eslint/no-explicit-any */
import fs from 'node:fs';
import path from 'node:path';
import type { InteractionHandle } from '../fakes/discord';
import { FakePayPal, PAYPAL_CLIENT } from '../fakes/paypal/fake-paypal';
import { SMALL_USERS } from '../fakes/plex/plex-data';
import { closeBotHarness, IDS, startBotHarness, type BotHarness } from '../support/bot-harness';
import { runCli } from '../support/cli';
import { DATABASE_KINDS } from '../support/databases';
import { T0 } from '../support/harness';
import { seedPlans } from '../support/payments';

const DAY = 86_400_000;
const EPHEMERAL = 64;
/** A Discord ID that is not a member of the fake guild: a real run would mark the user missing. */
const ABSENT = '900000000000000099';
const admin = { guildId: IDS.guild, userId: IDS.admin };
const sub = (name: string, options: any[] = []) => [{ name, type: 1, options }];
const fixture = (name: string) => fs.readFileSync(path.join(__dirname, '../fixtures/paypal', name));

/**
 * Every dry run (users sync, lifecycle, payments import; from Discord and from the CLI) with
 * linked members whose real run would change roles, send DMs, unshare on plex.tv and write marks:
 * none of that happens, and every table is byte-identical afterwards.
 */
describe.each(DATABASE_KINDS)('dry runs on %s change nothing anywhere', (kind) => {
  let h: BotHarness;
  let paypal: FakePayPal;
  beforeEach(async () => {
    paypal = new FakePayPal(T0);
    const paypalUrl = await paypal.start();
    h = await startBotHarness(kind, {
      env: {
        PAYPAL_CLIENT_ID: PAYPAL_CLIENT.id,
        PAYPAL_CLIENT_SECRET: PAYPAL_CLIENT.secret,
        PAYPAL_API_URL: paypalUrl,
        DISCORD_ADMIN_CHANNEL_ID: IDS.channel,
      },
    });
    await seedPlans(h.app);
    await h.app.usersSync().run();
    await h.app.sharedServersSync().run();
    // O'Brien is active and lacks the subscriber role: a real run gives it.
    await link(SMALL_USERS.obrien, IDS.member);
    // Zoë is linked to someone who left the server: a real run marks her missing.
    await link(SMALL_USERS.zoe, ABSENT);
    // Ünal ends in 3 days, DMs closed: a real run tries a reminder.
    await link(SMALL_USERS.unal, IDS.friend);
    await setEnd(SMALL_USERS.unal, new Date(T0.getTime() + 3 * DAY));
    // Lonely Friend ended 2 days ago and still has the role: a real run takes it and sends an expiry notice.
    await link(SMALL_USERS.noShares, IDS.owner);
    await setEnd(SMALL_USERS.noShares, new Date(T0.getTime() - 2 * DAY));
    h.discord.setMemberRoles(IDS.guild, IDS.owner, [IDS.subscriberRole]);
    // Kids ended 10 days ago: past the grace period, a real run unshares them on plex.tv.
    await setEnd(SMALL_USERS.kids, new Date(T0.getTime() - 10 * DAY));
    // A stale title: a real users sync updates it.
    await q('UPDATE users SET title = ? WHERE plex_id = ?', ['Stale title', SMALL_USERS.obrien]);
  });
  afterEach(async () => {
    const violations = await closeBotHarness(h);
    await paypal.stop();
    expect(violations).toEqual([]);
  });

  const q = <T = Record<string, any>>(sql: string, params: unknown[] = []) => h.app.store.dataSource.query(sql, params) as Promise<T[]>;
  const iso = (d: Date) => (kind === 'sqlite' ? `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 23)}` : d);
  const link = (plexId: number, discordId: string) => q('UPDATE users SET discord_id = ? WHERE plex_id = ?', [discordId, plexId]);
  const setEnd = (plexId: number, endsAt: Date) => q('UPDATE payments SET ends_at = ? WHERE user_id = (SELECT id FROM users WHERE plex_id = ?)', [iso(endsAt), plexId]);

  /** Every row of every table, in a stable order. */
  async function dumpAll(): Promise<Record<string, unknown[]>> {
    const tables =
      kind === 'sqlite'
        ? (await q<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")).map((t) => t.name)
        : (await q<Record<string, string>>('SHOW TABLES')).map((t) => Object.values(t)[0]!).sort();
    const out: Record<string, unknown[]> = {};
    for (const table of tables) out[table] = await q(`SELECT * FROM \`${table}\``).then((rows) => rows.map((r) => JSON.stringify(r)).sort());
    return out;
  }

  /** Runs `dryRun` and checks that Discord, plex.tv and the database saw no write. */
  async function expectNothingChanged(dryRun: () => Promise<void>): Promise<void> {
    const before = await dumpAll();
    const marks = { rest: h.discord.restLog.length, plex: h.plex.requests.length, roles: h.discord.roleChanges.length, dms: h.discord.dms.length, messages: h.discord.channelMessages.length };
    await dryRun();
    // Anything the bot does after its answer has time to show.
    await new Promise((r) => setTimeout(r, 500));
    // Answering the admin (interaction callbacks, edits of the reply) is the only Discord write allowed.
    const discordWrites = h.discord.restLog.slice(marks.rest).filter((e) => e.method !== 'GET' && !/^\/(interactions|webhooks)\//.test(e.path));
    expect(discordWrites.map((e) => `${e.method} ${e.path}`)).toEqual([]);
    expect(h.discord.roleChanges.slice(marks.roles)).toEqual([]);
    expect(h.discord.dms.slice(marks.dms)).toEqual([]);
    expect(h.discord.channelMessages.slice(marks.messages)).toEqual([]);
    expect(h.plex.requests.slice(marks.plex).filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`)).toEqual([]);
    expect(await dumpAll()).toEqual(before);
  }

  async function settled(run: InteractionHandle): Promise<any> {
    const first = await run.response();
    expect(first.type).toBe(5);
    expect(first.data.flags & EPHEMERAL).toBe(EPHEMERAL);
    await run.waitFor((x) => x.final()?.embeds?.length > 0, 15_000);
    return run.final();
  }

  it('/sync-users dry-run', async () => {
    await expectNothingChanged(async () => {
      const done = await settled(h.discord.chatInput({ ...admin, name: 'sync-users', options: [{ name: 'dry-run', value: true }] }));
      expect(done.embeds[0].title).toBe('Users sync: dry run, nothing written');
      expect(done.embeds[0].description).toContain("~ O'Brien & Søn: title");
    });
  });

  it('/lifecycle run dry-run', async () => {
    await expectNothingChanged(async () => {
      const done = await settled(h.discord.chatInput({ ...admin, name: 'lifecycle', options: sub('run', [{ name: 'dry-run', value: true }]) }));
      expect(done.embeds[0].title).toBe('Lifecycle: dry run, nothing changed');
      // It did find work of every kind.
      expect(done.embeds[0].description).toMatch(/^roles would be added 2, roles would be removed 1, reminders to send 1, expiry notices to send 1, users to remove from Plex 1/);
    });
  });

  it('/payments import dry-run: no role sync follows the payments it only counted', async () => {
    await expectNothingChanged(async () => {
      const file = h.discord.attachment('Download.CSV', fixture('us-activity.csv'), 'text/csv');
      const done = await settled(h.discord.chatInput({ ...admin, name: 'payments', options: sub('import', [{ name: 'file', type: 11, value: file.id }, { name: 'dry-run', value: true }]) }));
      expect(done.embeds[0].title).toBe('PayPal import: dry run, nothing written');
      expect(Number(done.embeds[0].fields.find((f: any) => f.name === 'Matched').value)).toBeGreaterThan(0);
    });
  });

  it('the CLI: sync users, lifecycle run and payments import with --dry-run', async () => {
    const csv = path.join(fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'smb-dry-')), 'activity.csv');
    fs.writeFileSync(csv, fixture('us-activity.csv'));
    // The CLI runs on the real clock: the dates in this test's data are relative to T0, so they are moved to now.
    const shift = Math.round((Date.now() - T0.getTime()) / 1000);
    const moved = (column: string) => (kind === 'sqlite' ? `strftime('%Y-%m-%d %H:%M:%f', ${column}, '${shift} seconds')` : `DATE_ADD(${column}, INTERVAL ${shift} SECOND)`);
    await q(`UPDATE payments SET starts_at = ${moved('starts_at')}, ends_at = ${moved('ends_at')}`);
    for (const args of [['sync', 'users', '--dry-run'], ['lifecycle', 'run', '--dry-run', '--json'], ['payments', 'import', csv, '--dry-run', '--json']]) {
      await expectNothingChanged(async () => {
        const result = await runCli(args, h.env);
        expect({ args, code: result.code, stderr: result.stderr }).toEqual({ args, code: 0, stderr: '' });
        if (args[0] === 'lifecycle') expect(JSON.parse(result.stdout)).toMatchObject({ dryRun: true, rolesAdded: 2, rolesRemoved: 1, remindersSent: 1, expiredNotified: 1, removedFromPlex: 1 });
        if (args[0] === 'payments') expect(JSON.parse(result.stdout).matched).toBeGreaterThan(0);
      });
    }
  });
});
