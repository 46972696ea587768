import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakePlexTv } from '../fakes/plex/fake-plex-tv';
import { DEFAULT_TOKEN, SMALL_USERS, smallAccount } from '../fakes/plex/plex-data';
import { runCli, runCliOk } from '../support/cli';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases';

const fixture = (name: string) => path.join(__dirname, '../fixtures/paypal', name);
const DAY = 86_400_000;
const ymd = (d: Date) => d.toISOString().slice(0, 10);

/**
 * The CLI runs on the real clock, so the fixture's activity is moved to the week before today:
 * every payment then predates the default payments the sync creates, and what the import makes
 * of it follows from the file alone. Its last day (12/07/2026) becomes yesterday.
 */
function recentCopy(name: string): { file: string; shiftDays: number } {
  const lastDay = Date.UTC(2026, 11, 7);
  const yesterday = new Date(Date.now() - DAY);
  const shiftDays = Math.round((Date.UTC(yesterday.getUTCFullYear(), yesterday.getUTCMonth(), yesterday.getUTCDate()) - lastDay) / DAY);
  const text = fs.readFileSync(fixture(name), 'utf8').replace(/"(\d\d)\/(\d\d)\/(\d{4})"/g, (_all, m: string, d: string, y: string) => {
    const moved = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)) + shiftDays * DAY);
    const pad = (n: number) => String(n).padStart(2, '0');
    return `"${pad(moved.getUTCMonth() + 1)}/${pad(moved.getUTCDate())}/${moved.getUTCFullYear()}"`;
  });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'smb-csv-')), name);
  fs.writeFileSync(file, text);
  return { file, shiftDays };
}

/** A calendar month later, clamped to the month's end (Jan 31 -> Feb 28). */
function monthLater(day: Date): Date {
  const lastOfNext = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth() + 2, 0)).getUTCDate();
  return new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth() + 1, Math.min(day.getUTCDate(), lastOfNext)));
}

describe.each(DATABASE_KINDS)('the payments CLI on %s', (kind) => {
  let plex: FakePlexTv;
  let db: TestDatabase;
  let env: Record<string, string>;
  beforeEach(async () => {
    plex = new FakePlexTv(smallAccount());
    db = await createTestDatabase(kind);
    env = { DATABASE_URL: db.url, PLEX_TV_URL: await plex.start(), PLEX_TOKEN: DEFAULT_TOKEN, PLEX_RETRIES: '1', PLEX_RETRY_DELAY_MS: '5' };
  });
  afterEach(async () => {
    await plex.stop();
    await db.drop();
  });

  const ok = (args: string[]) => runCliOk(args, env);

  it('imports a file, lists and assigns unmatched payments, and lists a user\'s payments', async () => {
    await ok(['plans', 'create', '--name', 'Monthly', '--duration', '1m', '--price', '10.00', '--default']);
    await ok(['plans', 'create', '--name', 'Yearly', '--duration', '12m', '--price', '100.00']);
    await ok(['sync', 'users']);
    const { file: activity, shiftDays } = recentCopy('us-activity.csv');
    // Shifted dates may all be 12 or less, which no longer tells M/D from D/M by itself.
    const importArgs = ['payments', 'import', activity, '--date-format', 'MDY'];

    const preview = await ok([...importArgs, '--dry-run']);
    expect(preview).toMatch(/^Dry run, nothing written\. Would have: imported 7 \(matched 3, unmatched 2, pending 1, refunds\/reversals 1\)/);
    const summary = JSON.parse(await ok([...importArgs, '--json']));
    expect(summary).toMatchObject({ imported: 7, matched: 3, unmatched: 2, pending: 1, refundsFlagged: 1, duplicatesSkipped: 0, rejected: [] });

    const unmatched = JSON.parse(await ok(['payments', 'unmatched', '--json']));
    expect(unmatched.map((u: { transactionId: string }) => u.transactionId)).toEqual(['1AB23456CD7890123', '6LM78901NP2345678', '8QR90123ST4567890']);
    expect(Object.keys(unmatched[0]).sort()).toEqual(
      ['amount', 'amountCents', 'currency', 'id', 'occurredAt', 'payerEmail', 'payerName', 'reason', 'source', 'status', 'subscriptionId', 'transactionId'].sort(),
    );
    // Paid 12/01/2026 09:15 PST in the original file (17:15 UTC, the same day): before the default payment began,
    // so the payment covers a month from the day it was paid.
    const paidOn = new Date(Date.UTC(2026, 11, 1) + shiftDays * DAY);
    expect(await ok(['payments', 'assign', String(unmatched[0].id), String(SMALL_USERS.unal), '--remember'])).toBe(
      `1AB23456CD7890123 is now a payment of Ünal Çelik: Monthly, ${ymd(paidOn)} to ${ymd(monthLater(paidOn))}\nPayPal email set to alice.smith@example.org\nlater payments of I-JSE05VWSMN55 will match Ünal Çelik\n`,
    );
    const listed = JSON.parse(await ok(['payments', 'list', String(SMALL_USERS.unal), '--json']));
    expect(listed).toMatchObject({ plexId: SMALL_USERS.unal, title: 'Ünal Çelik' });
    expect(listed.payments.map((p: { source: string; transactionId: string | null }) => [p.source, p.transactionId])).toEqual([['paypal', '1AB23456CD7890123'], ['default', null]]);
    expect(await ok(['payments', 'list', String(SMALL_USERS.obrien)])).toMatch(/! refund 7NP89012QR3456789 of 2CD34567EF8901234: 10.00 USD/);
  });

  it('refuses a broken file with its lines and exit code 1, asks for the date format, and names missing settings', async () => {
    await ok(['plans', 'create', '--name', 'Monthly', '--duration', '1m', '--price', '10.00']);
    const broken = await runCli(['payments', 'import', fixture('broken-rows.csv'), '--date-format', 'MDY'], env);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toBe(
      'Nothing was imported: 3 line(s) of the file cannot be read.\n' +
        '  line 4: date "13/45/2026" does not exist as M/D/YYYY\n' +
        '  line 5: amount "ten dollars" in Gross is not an amount like 1,560.00 or 1.560,00\n' +
        '  line 6: time "25:99:00" does not exist\n',
    );
    const ambiguous = await runCli(['payments', 'import', fixture('ambiguous-dates.csv')], env);
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toMatch(/^error: cannot tell whether the dates are M\/D\/YYYY .* --date-format in the CLI, date-format in \/payments import/);
    const wrongFormat = await runCli(['payments', 'import', fixture('us-activity.csv'), '--date-format', 'YMD'], env);
    expect(wrongFormat.code).toBe(2);
    const sync = await runCli(['payments', 'sync'], env);
    expect({ code: sync.code, stderr: sync.stderr }).toEqual({ code: 1, stderr: expect.stringMatching(/^error: no payment API is configured: set PAYPAL_CLIENT_ID/) });
    const missing = await runCli(['payments', 'import', fixture('nope.csv')], env);
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringMatching(/^error: cannot read .*nope\.csv: ENOENT/) });
  });

  it('reads the file as it streams: a UTF-16 copy reads as the UTF-8 file does, a directory is named', async () => {
    await ok(['plans', 'create', '--name', 'Monthly', '--duration', '1m', '--price', '10.00', '--default']);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smb-csv-'));
    const unicode = path.join(dir, 'unicode-text.csv');
    // The fixture starts with a BOM: in UTF-16LE that is FF FE, the mark the reader looks for.
    fs.writeFileSync(unicode, Buffer.from(fs.readFileSync(fixture('us-activity.csv'), 'utf8'), 'utf16le'));
    const preview = (file: string) => ok(['payments', 'import', file, '--date-format', 'MDY', '--dry-run', '--json']).then((out) => ({ ...JSON.parse(out), durationMs: 0 }));
    const fromUtf8 = await preview(fixture('us-activity.csv'));
    expect(fromUtf8).toMatchObject({ imported: 7, rejected: [] });
    expect(await preview(unicode)).toEqual(fromUtf8);
    expect(await runCli(['payments', 'import', dir], env)).toMatchObject({ code: 1, stderr: expect.stringMatching(/^error: cannot read .*: EISDIR/) });
  });
});
