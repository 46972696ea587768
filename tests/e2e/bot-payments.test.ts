/* eslint-disable @typescript-eslint/no-explicit-any */
import fs from 'node:fs';
import path from 'node:path';
import type { InteractionHandle } from '../fakes/discord';
import { FakePayPal, PAYPAL_CLIENT, paypalTransaction } from '../fakes/paypal/fake-paypal';
import { closeBotHarness, formAnswer, IDS, startBotHarness, type BotHarness } from '../support/bot-harness';
import { DATABASE_KINDS } from '../support/databases';
import { T0 } from '../support/harness';
import { paypalCsv, seedPlans, SMALL_USERS } from '../support/payments';

const DAY = 86_400_000;
const EPHEMERAL = 64;
const admin = { guildId: IDS.guild, userId: IDS.admin };
const fixture = (name: string) => fs.readFileSync(path.join(__dirname, '../fixtures/paypal', name));
const fields = (embed: any): Record<string, string> => Object.fromEntries(embed.fields.map((f: any) => [f.name, f.value]));
const counts = (imported: number, matched: number, unmatched: number, duplicates: number, refunds: number, pending: number) => ({
  Imported: String(imported),
  Matched: String(matched),
  Unmatched: String(unmatched),
  'Duplicates skipped': String(duplicates),
  'Refunds flagged': String(refunds),
  Pending: String(pending),
});

describe.each(DATABASE_KINDS)('the bot on %s: /payments', (kind) => {
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
        PAYMENTS_RETRIES: '1',
        PAYMENTS_RETRY_DELAY_MS: '5',
        PAYMENTS_TIMEOUT_MS: '2000',
      },
    });
    await seedPlans(h.app);
    await h.app.usersSync().run();
  });
  afterEach(async () => {
    const violations = await closeBotHarness(h);
    await paypal.stop();
    expect(violations).toEqual([]);
  });

  const q = <T = Record<string, any>>(sql: string, params: unknown[] = []) => h.app.store.dataSource.query(sql, params) as Promise<T[]>;
  const imported = (plexId: number) => h.app.payments.listPayments(plexId).then((v) => v.payments.filter((p) => !p.default));
  const unmatchedRows = () => q('SELECT * FROM unmatched_payments ORDER BY id');
  const iso = (d: Date) => (kind === 'sqlite' ? `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 23)}` : d);

  /** `/payments import` with a file attached (type 11 option, resolved.attachments). */
  function importFile(filename: string, content: string | Buffer, options: any[] = [], contentType: string | undefined = 'text/csv; charset=utf-8'): InteractionHandle {
    const file = h.discord.attachment(filename, content, contentType);
    return h.discord.chatInput({ ...admin, name: 'payments', options: [{ name: 'import', type: 1, options: [{ name: 'file', type: 11, value: file.id }, ...options] }] });
  }
  /** A deferred command's final message once it has an embed or a plain answer. */
  async function settled(run: InteractionHandle): Promise<any> {
    const first = await run.response();
    expect(first.type).toBe(5);
    expect(first.data.flags & EPHEMERAL).toBe(EPHEMERAL);
    await run.waitFor((x) => !!x.final() && (x.final().embeds?.length > 0 || (x.final().content ?? '').length > 0 && !/^(Importing|Fetching)/.test(x.final().content)), 15_000);
    return run.final();
  }
  const command = (sub: string, options: any[] = []) => h.discord.chatInput({ ...admin, name: 'payments', options: [{ name: sub, type: 1, options }] });

  describe('import', () => {
    it('imports an attached PayPal CSV: deferred reply, summary embed, payments written; the same file again only skips duplicates', async () => {
      // Zoë pays by the recurring subscription Alice's row carries.
      await q('UPDATE payments SET subscription_id = ? WHERE user_id = (SELECT id FROM users WHERE plex_id = ?)', ['I-JSE05VWSMN55', SMALL_USERS.zoe]);
      const run = importFile('Download.CSV', fixture('us-activity.csv'));
      const done = await settled(run);
      const embed = done.embeds[0];
      expect(embed.title).toBe('PayPal import done');
      expect(fields(embed)).toEqual(counts(7, 4, 1, 0, 1, 1));
      // The Discord summary says what the full refund took back.
      expect(embed.description).toMatch(/line 10: .*O'Brien & Søn.*taken back, 2026-12-25 → 2027-01-25 no longer counts/);
      expect(embed.footer.text).toBe('Assign unmatched payments with /payments unmatched.');
      expect(done.content).toBe('');
      expect(done.flags & EPHEMERAL).toBe(EPHEMERAL);
      expect(await imported(SMALL_USERS.obrien)).toEqual([
        expect.objectContaining({ transactionId: '2CD34567EF8901234', source: 'paypal', plan: 'Monthly', startsAt: '2026-12-25T12:00:00.000Z', endsAt: '2027-01-25T12:00:00.000Z' }),
      ]);
      expect((await imported(SMALL_USERS.grandma)).map((p) => p.plan)).toEqual(['Yearly']);

      const before = await h.snapshot();
      const unmatchedBefore = await unmatchedRows();
      const again = await settled(importFile('Download.CSV', fixture('us-activity.csv')));
      expect(again.embeds[0].title).toBe('PayPal import done');
      expect(fields(again.embeds[0])).toEqual(counts(0, 0, 0, 7, 0, 0));
      expect(await h.snapshot()).toEqual(before);
      expect(await unmatchedRows()).toEqual(unmatchedBefore);
      // Nobody is linked to Discord: no role was touched.
      expect(h.discord.roleChanges).toEqual([]);
    });

    it('reads a UTF-16 attachment (a spreadsheet\'s "Unicode text") as the CLI does', async () => {
      // The fixture starts with a BOM: as UTF-16LE that is FF FE, the mark the reader looks for.
      const utf16 = Buffer.from(fixture('us-activity.csv').toString('utf8'), 'utf16le');
      expect([...utf16.subarray(0, 2)]).toEqual([0xff, 0xfe]);
      await q('UPDATE payments SET subscription_id = ? WHERE user_id = (SELECT id FROM users WHERE plex_id = ?)', ['I-JSE05VWSMN55', SMALL_USERS.zoe]);
      const done = await settled(importFile('Download.csv', utf16));
      expect(done.embeds[0].title).toBe('PayPal import done');
      expect(fields(done.embeds[0])).toEqual(counts(7, 4, 1, 0, 1, 1));
      // Read as the UTF-8 file is: the same refund of line 10 takes O'Brien's payment back.
      expect(done.embeds[0].description).toMatch(/line 10: .*O'Brien & Søn.*taken back/);
      expect(await imported(SMALL_USERS.obrien)).toEqual([expect.objectContaining({ transactionId: '2CD34567EF8901234', plan: 'Monthly', voidedAt: expect.any(String) })]);
    });

    it('refuses a file with unreadable rows as a whole, naming the lines, and writes nothing', async () => {
      const before = await h.snapshot();
      const done = await settled(importFile('broken.csv', fixture('broken-rows.csv'), [{ name: 'date-format', value: 'MDY' }]));
      const embed = done.embeds[0];
      expect(embed.title).toBe('PayPal import done');
      const lines = (embed.description as string).split('\n');
      expect(lines[0]).toBe('**Nothing was applied: 3 row(s) cannot be read.**');
      expect(lines.filter((l) => /^line \d+: /.test(l)).map((l) => Number(/^line (\d+)/.exec(l)![1]))).toEqual(expect.arrayContaining([4, 5, 6]));
      expect(fields(embed)).toMatchObject({ Imported: '0', Matched: '0' });
      expect(await h.snapshot()).toEqual(before);
      expect(await unmatchedRows()).toEqual([]);

      // A CSV that is not a PayPal download: line 1 says which columns are missing.
      const other = await settled(importFile('bank.csv', fixture('not-paypal.csv')));
      expect(other.embeds[0].description).toMatch(/line 1: not a PayPal activity download: missing column\(s\) "Date"/);
      expect(await h.snapshot()).toEqual(before);
    });

    it('refuses an attachment that is not a CSV with a clear answer, and writes nothing', async () => {
      const before = await h.snapshot();
      const done = await settled(importFile('screenshot.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]), [], 'image/png'));
      expect(done.embeds ?? []).toEqual([]);
      expect(done.content).toBe('"screenshot.png" is not a CSV file: download the activity report from PayPal as CSV');
      expect(await h.snapshot()).toEqual(before);
    });

    it('asks for the date format when the file cannot tell, and imports with it', async () => {
      const before = await h.snapshot();
      const ambiguous = await settled(importFile('activity.csv', fixture('ambiguous-dates.csv')));
      // The reason, not "Something went wrong": the admin must be told to pick a date format.
      expect(ambiguous.content).toMatch(/cannot tell whether the dates are M\/D\/YYYY .* or DD\/MM\/YYYY/);
      expect(await h.snapshot()).toEqual(before);

      const dmy = await settled(importFile('activity.csv', fixture('ambiguous-dates.csv'), [{ name: 'date-format', value: 'DMY' }]));
      expect(dmy.embeds[0].title).toBe('PayPal import done');
      expect(fields(dmy.embeds[0]).Imported).toBe('2');
    });

    it('dry-run counts the same and writes nothing', async () => {
      await q('UPDATE payments SET subscription_id = ? WHERE user_id = (SELECT id FROM users WHERE plex_id = ?)', ['I-JSE05VWSMN55', SMALL_USERS.zoe]);
      const before = await h.snapshot();
      const done = await settled(importFile('activity.csv', fixture('us-activity.csv'), [{ name: 'dry-run', value: true }]));
      expect(done.embeds[0].title).toBe('PayPal import: dry run, nothing written');
      expect(fields(done.embeds[0])).toEqual(counts(7, 4, 1, 0, 1, 1));
      expect(await h.snapshot()).toEqual(before);
      expect(await unmatchedRows()).toEqual([]);
      expect(h.discord.roleChanges).toEqual([]);
    });

    it('gives the subscriber role to a linked standard user the import renewed after expiry', async () => {
      // O'Brien is linked to the guild member and his default payment ended 5 days before T0.
      await q('UPDATE users SET discord_id = ? WHERE plex_id = ?', [IDS.member, SMALL_USERS.obrien]);
      await q('UPDATE payments SET ends_at = ? WHERE user_id = (SELECT id FROM users WHERE plex_id = ?)', [iso(new Date(T0.getTime() - 5 * DAY)), SMALL_USERS.obrien]);
      expect(h.discord.member(IDS.guild, IDS.member)!.roles).toEqual([]);
      const csv = paypalCsv([{ date: '11/25/2026', name: "Bob O'Brien", gross: '10.00', from: 'obrien@example.com', id: '9RN00000000000001' }]);
      const done = await settled(importFile('renewal.csv', csv));
      expect(fields(done.embeds[0])).toMatchObject({ Imported: '1', Matched: '1', Unmatched: '0' });
      expect((await h.app.users.card(SMALL_USERS.obrien)).status).toMatchObject({ kind: 'active' });
      expect(h.discord.roleChanges).toEqual([expect.objectContaining({ guildId: IDS.guild, userId: IDS.member, roleId: IDS.subscriberRole, action: 'add' })]);
      expect(h.discord.member(IDS.guild, IDS.member)!.roles).toEqual([IDS.subscriberRole]);
    });
  });

  describe('unmatched', () => {
    const strangerCsv = paypalCsv([{ date: '11/24/2026', name: 'Stranger Danger', gross: '10.00', from: 'Stranger@Example.net', id: '1UN00000000000001' }]);

    it('lists unmatched payments; the select opens a modal; assigning with remember=email creates the payment and stores the email', async () => {
      const summary = await settled(importFile('stranger.csv', strangerCsv));
      expect(fields(summary.embeds[0])).toMatchObject({ Imported: '1', Matched: '0', Unmatched: '1' });
      const [row] = await unmatchedRows();
      const unmatchedId = Number(row!.id);

      const list = command('unmatched');
      const listed = await list.response();
      expect(listed.type).toBe(4);
      expect(listed.data.flags & EPHEMERAL).toBe(EPHEMERAL);
      const embed = listed.data.embeds[0];
      expect(embed.title).toBe('Unmatched payments (1)');
      expect(embed.description).toContain(`\`#${unmatchedId}\` 2026-11-24 · 10.00 USD · Stranger Danger <stranger@example.net>`);
      const select = listed.data.components[0].components[0];
      expect(select.placeholder).toBe('Assign a payment to a user…');
      expect(select.options.map((o: any) => o.value)).toEqual([String(unmatchedId)]);

      const pick = h.discord.selectMenu({ ...admin, customId: select.custom_id, values: [String(unmatchedId)], message: list.final().id });
      const modal = await pick.response();
      expect(modal.type).toBe(9);
      expect(modal.data.title).toBe(`Assign payment #${unmatchedId}`);

      const submit = h.discord.modalSubmit({ ...admin, from: pick, fields: { user: 'lonely', remember: ['email'] } });
      const assigned = await formAnswer(submit);
      expect(assigned.data.flags & EPHEMERAL).toBe(EPHEMERAL);
      expect(assigned.data.content).toMatch(new RegExp(`^Payment #${unmatchedId} assigned to Lonely Friend: Monthly, \\d{4}-\\d\\d-\\d\\d → \\d{4}-\\d\\d-\\d\\d\\. PayPal email stranger@example\\.net stored\\.$`));
      expect(await imported(SMALL_USERS.noShares)).toEqual([expect.objectContaining({ transactionId: '1UN00000000000001', plan: 'Monthly', amount: '10.00' })]);
      expect((await h.app.users.card(SMALL_USERS.noShares)).paypalEmail).toBe('stranger@example.net');

      const after = await command('unmatched').response();
      expect(after.data.embeds[0].title).toBe('Unmatched payments (0)');
      expect(after.data.embeds[0].description).toBe('None: every payment found its user.');
      expect(after.data.components).toEqual([]);
    });

    it('answers whatever arrives as a payment pick: a button or a value that is not a payment', async () => {
      const before = await h.snapshot();
      // No list was sent: the fake makes up the message each time, so nothing limits what comes in.
      const channelId = [...h.discord.guild(IDS.guild)!.channels.values()].find((c) => (c.type ?? 0) === 0)!.id;
      const answers = [
        () => h.discord.selectMenu({ ...admin, customId: 'payment-pick', values: ['not-a-payment'] }),
        () => h.discord.button({ ...admin, customId: 'payment-pick', message: { id: '900000000000000099', channel_id: channelId, components: [{ type: 1, components: [{ type: 2, style: 1, label: 'x', custom_id: 'payment-pick' }] }] } }),
      ];
      for (const send of answers) {
        const reply = await send().response();
        expect(reply.type).toBe(4);
        expect(reply.data.content).toBe('Pick a payment in the list of /payments unmatched: run it again if the list is old.');
        expect(reply.data.flags & EPHEMERAL).toBe(EPHEMERAL);
      }
      expect(await h.snapshot()).toEqual(before);
    });

    it('answers an unknown user in the modal clearly and assigns nothing', async () => {
      await settled(importFile('stranger.csv', strangerCsv));
      const [row] = await unmatchedRows();
      const before = await h.snapshot();
      const rowsBefore = await unmatchedRows();
      const list = command('unmatched');
      const select = (await list.response()).data.components[0].components[0];
      const pick = h.discord.selectMenu({ ...admin, customId: select.custom_id, values: [String(row!.id)], message: list.final().id });
      expect((await pick.response()).type).toBe(9);
      const refused = await formAnswer(h.discord.modalSubmit({ ...admin, from: pick, fields: { user: 'nobody-like-this', remember: ['email'] } }));
      expect(refused.data.content).toBe('no user matches "nobody-like-this": nothing was assigned');
      expect(refused.data.flags & EPHEMERAL).toBe(EPHEMERAL);
      expect(await h.snapshot()).toEqual(before);
      expect(await unmatchedRows()).toEqual(rowsBefore);
    });

    it('refuses a name several users match in the modal, listing them, and stores no email on anyone', async () => {
      await settled(importFile('stranger.csv', strangerCsv));
      const [row] = await unmatchedRows();
      const before = await h.snapshot();
      const rowsBefore = await unmatchedRows();
      const list = command('unmatched');
      const select = (await list.response()).data.components[0].components[0];
      const pick = h.discord.selectMenu({ ...admin, customId: select.custom_id, values: [String(row!.id)], message: list.final().id });
      expect((await pick.response()).type).toBe(9);
      // Every user with an email matches: the old behaviour gave the payment (and the email) to the first by title.
      const refused = await formAnswer(h.discord.modalSubmit({ ...admin, from: pick, fields: { user: 'example', remember: ['email'] } }));
      expect(refused.data.flags & EPHEMERAL).toBe(EPHEMERAL);
      const lines = (refused.data.content as string).split('\n');
      expect(lines[0]).toBe('"example" matches 5 users, not one: nothing was assigned. Pick the user from the list as you type, or type their plex id:');
      expect(lines).toContain(`- Grandma Jo · grandma_jo · plex ${SMALL_USERS.grandma}`);
      expect(lines).toContain(`- Lonely Friend · lonely · plex ${SMALL_USERS.noShares}`);
      expect(await h.snapshot()).toEqual(before);
      expect(await unmatchedRows()).toEqual(rowsBefore);
    });
  });

  it('lists a user\'s payments, the user picked by autocomplete', async () => {
    await settled(importFile('obrien.csv', paypalCsv([{ date: '11/26/2026', gross: '10.00', from: 'obrien@example.com', id: '1LI00000000000001' }])));
    const ac = await h.discord.autocomplete({ ...admin, name: 'payments', options: [{ name: 'list', type: 1, options: [] }], focused: { name: 'user', value: 'obri' } }).response();
    expect(ac.type).toBe(8);
    expect(ac.data.choices[0]).toEqual({ name: expect.stringContaining("O'Brien & Søn"), value: String(SMALL_USERS.obrien) });

    const listed = (await command('list', [{ name: 'user', value: String(SMALL_USERS.obrien) }]).response()).data;
    const embed = listed.embeds[0];
    expect(embed.title).toBe("Payments of O'Brien & Søn");
    const lines = (embed.description as string).split('\n');
    expect(lines[0]).toMatch(/^Status: /);
    expect(lines).toContainEqual(expect.stringMatching(/^2026-12-25 → 2027-01-25 · \*\*Monthly\*\* · 10\.00 USD · paypal 1LI00000000000001$/));
    expect(lines.length).toBe(3); // status, default payment, the imported one

    const unknown = await command('list', [{ name: 'user', value: 'nobody-like-this' }]).response();
    expect(unknown.data.content).toBe('no user matches "nobody-like-this"');
  });

  describe('sync', () => {
    it('fetches new payments from the PayPal API, matches them and shows a line per source', async () => {
      paypal.transactions.push(paypalTransaction({ id: 'PP-GEN-1', code: 'T0000', at: new Date(T0.getTime() - 2 * DAY), value: '10.00', email: 'OBrien@Example.com', name: "Bob O'Brien" }));
      const done = await settled(command('sync'));
      const embed = done.embeds[0];
      expect(embed.title).toBe('Payments sync done');
      expect(fields(embed)).toMatchObject({ Imported: '1', Matched: '1', Unmatched: '0' });
      expect(embed.fields.find((f: any) => /paypal/i.test(f.name))?.value).toMatch(/^1 fetched, through 2026-11-25 12:00$/);
      expect(await imported(SMALL_USERS.obrien)).toEqual([expect.objectContaining({ transactionId: 'PP-GEN-1', plan: 'Monthly' })]);

      // A second sync has nothing new.
      const before = await h.snapshot();
      const again = await settled(command('sync'));
      expect(fields(again.embeds[0])).toMatchObject({ Imported: '0', Matched: '0' });
      expect(await h.snapshot()).toEqual(before);
    });

    it('says why PayPal refused, not "Something went wrong"', async () => {
      paypal.credentials = { ...PAYPAL_CLIENT, secret: 'rotated-secret' };
      const before = await h.snapshot();
      const done = await settled(command('sync'));
      expect(done.content).not.toMatch(/Something went wrong/);
      expect(done.content).toMatch(/PayPal/);
      expect(await h.snapshot()).toEqual(before);
    });
  });
});
