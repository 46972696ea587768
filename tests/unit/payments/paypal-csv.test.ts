import fs from 'node:fs';
import path from 'node:path';
import { CsvFormatError } from '../../../src/payments/errors';
import { decodeCsvBytes, parsePayPalCsv } from '../../../src/payments/paypal-csv';

const fixture = (name: string) => fs.readFileSync(path.join(__dirname, '../../fixtures/paypal', name), 'utf8');

describe('PayPal activity download (CSV)', () => {
  it('reads a US 41-column export: BOM, quoted cells with commas and line breaks, M/D/YYYY, 1,560.00', async () => {
    const result = await parsePayPalCsv(fixture('us-activity.csv'));
    expect(result.rejected).toEqual([]);
    expect(result.dateFormat).toBe('MDY');
    expect(result.rows).toBe(11);
    const byId = new Map(result.transactions.map((t) => [t.transactionId, t]));
    expect(byId.get('1AB23456CD7890123')).toEqual({
      source: 'paypal',
      transactionId: '1AB23456CD7890123',
      kind: 'payment',
      status: 'completed',
      occurredAt: new Date('2026-12-01T17:15:02.000Z'),
      amountCents: 1000,
      currency: 'USD',
      payerEmail: 'alice.smith@example.org',
      payerName: 'Smith, Alice',
      subscriptionId: 'I-JSE05VWSMN55',
      referenceTransactionId: null,
      line: 3,
    });
    // The row after the cell with a line break starts two lines further down.
    expect(byId.get('2CD34567EF8901234')).toMatchObject({ payerEmail: 'obrien@example.com', line: 4, subscriptionId: null });
    expect(byId.get('3EF45678GH9012345')).toMatchObject({ line: 6, currency: 'EUR', amountCents: 900 });
    expect(byId.get('6LM78901NP2345678')).toMatchObject({ amountCents: 156000, kind: 'payment' });
    expect(byId.get('7NP89012QR3456789')).toMatchObject({ kind: 'refund', amountCents: 1000, referenceTransactionId: '2CD34567EF8901234', payerEmail: 'obrien@example.com' });
    expect(byId.get('8QR90123ST4567890')).toMatchObject({ status: 'pending', subscriptionId: 'I-PENDING001AB' });
    // Conversions, the memo (an authorization) and the withdrawal are not subscribers' money.
    expect(result.ignored.map((i) => i.transactionId).sort()).toEqual(['0UV12345WX6789012', '4GH56789JK0123456', '5JK67890LM1234567', '9ST01234UV5678901']);
    expect(result.ignored.find((i) => i.transactionId === '9ST01234UV5678901')!.reason).toMatch(/Memo/);
  });

  it('reads an EU export: DD/MM/YYYY, 1.560,00, Time Zone and a trailing empty column', async () => {
    const result = await parsePayPalCsv(fixture('eu-activity.csv'));
    expect(result.rejected).toEqual([]);
    expect(result.dateFormat).toBe('DMY');
    const byId = new Map(result.transactions.map((t) => [t.transactionId, t]));
    expect(byId.get('1EU00000000000001')).toMatchObject({ occurredAt: new Date('2026-12-02T09:00:00.000Z'), amountCents: 900, subscriptionId: 'I-EU0000000001', payerEmail: 'lonely@example.com' });
    expect(byId.get('2EU00000000000002')).toMatchObject({ amountCents: 156000, currency: 'EUR' });
    expect(byId.get('3EU00000000000003')).toMatchObject({ kind: 'reversal', referenceTransactionId: '1EU00000000000001' });
    expect(byId.get('4EU00000000000004')).toMatchObject({ status: 'denied', occurredAt: new Date('2026-12-16T08:45:00.000Z') });
  });

  it('asks for the date format when every date reads both ways, and uses it when given', async () => {
    await expect(parsePayPalCsv(fixture('ambiguous-dates.csv'))).rejects.toThrow(CsvFormatError);
    const dmy = await parsePayPalCsv(fixture('ambiguous-dates.csv'), { dateFormat: 'DMY' });
    expect(dmy.transactions.map((t) => t.occurredAt.toISOString())).toEqual(['2026-04-03T10:00:00.000Z', '2026-06-05T09:00:00.000Z']);
    const mdy = await parsePayPalCsv(fixture('ambiguous-dates.csv'), { dateFormat: 'MDY' });
    expect(mdy.transactions[0]!.occurredAt.toISOString()).toBe('2026-03-04T10:00:00.000Z');
  });

  it('lists every unreadable row with its line and reason', async () => {
    const result = await parsePayPalCsv(fixture('broken-rows.csv'), { dateFormat: 'MDY' });
    expect(result.rejected).toEqual([
      { line: 4, reason: 'date "13/45/2026" does not exist as M/D/YYYY' },
      { line: 5, reason: 'amount "ten dollars" in Gross is not an amount like 1,560.00 or 1.560,00' },
      { line: 6, reason: 'time "25:99:00" does not exist' },
    ]);
  });

  it('refuses a file that is not a PayPal download, naming the missing columns', async () => {
    const result = await parsePayPalCsv(fixture('not-paypal.csv'));
    expect(result.rejected).toEqual([
      { line: 1, reason: 'not a PayPal activity download: missing column(s) "Date", "Type", "Status", "Currency", "Gross", "Transaction ID"' },
    ]);
    expect((await parsePayPalCsv('')).rejected[0]!.reason).toMatch(/empty/);
  });

  it('finds columns by name in any order, with ; as separator and without Balance Impact', async () => {
    const text = 'Transaction ID;Gross;Currency;Status;Type;Date;From Email Address\n"X1";"-5,00";"EUR";"Completed";"Payment Refund";"24.12.2026";"a@b.c"\nX2;12,50;EUR;Completed;Mobile Payment;24.12.2026;a@b.c\n';
    const result = await parsePayPalCsv(text);
    expect(result.rejected).toEqual([]);
    expect(result.transactions.map((t) => [t.transactionId, t.kind, t.amountCents])).toEqual([
      ['X1', 'refund', 500],
      ['X2', 'payment', 1250],
    ]);
  });
});

describe('CSV bytes to text', () => {
  const text = '\uFEFFDate,Name\n12/01/2026,Ünal Çelik\n';
  it('reads UTF-8 and UTF-16 with either byte order the same, by the byte order mark', async () => {
    const le = Buffer.from(text, 'utf16le');
    const be = Buffer.from(le).swap16();
    for (const bytes of [Buffer.from(text, 'utf8'), Buffer.from(text.slice(1), 'utf8'), le, be]) {
      expect(decodeCsvBytes(bytes)).toBe(text.slice(1));
    }
  });
});

describe('strict reading', () => {
  const header = 'Date,Time,Time Zone,Name,Type,Status,Currency,Gross,From Email Address,Transaction ID,Reference Txn ID,Balance Impact';
  const row = (id: string, overrides: { currency?: string; date?: string; extra?: string; drop?: boolean } = {}) =>
    [overrides.date ?? '12/01/2026', '10:00:00', 'PST', '"Smith, Alice"', 'General Payment', 'Completed', overrides.currency ?? 'USD', '10.00', 'a@example.com', id, '', 'Credit']
      .slice(0, overrides.drop ? -1 : undefined)
      .concat(overrides.extra === undefined ? [] : [overrides.extra])
      .join(',');

  it('names every bad row of a file in one report: wrong cell counts, a currency that is not ISO 4217, a bad date', async () => {
    const text = [
      header,
      row('OK1'),
      // A missing quote around "Smith, Alice" splits the name: every later cell would shift one column right.
      row('SHIFT1').replace('"Smith, Alice"', 'Smith, Alice'),
      row('SHORT1', { drop: true }),
      row('CUR1', { currency: 'UDS' }),
      row('DATE1', { date: '02/30/2026', currency: 'XYZ' }),
      row('OK2'),
    ].join('\n');
    const result = await parsePayPalCsv(text, { dateFormat: 'MDY' });
    expect(result.rejected).toEqual([
      { line: 3, reason: 'the row has 13 cells but the header 12: its columns cannot be told apart (a quote or a separator is missing or extra)' },
      { line: 4, reason: 'the row has 11 cells but the header 12: its columns cannot be told apart (a quote or a separator is missing or extra)' },
      { line: 5, reason: 'currency "UDS" is not an ISO 4217 code like USD or EUR' },
      { line: 6, reason: 'date "02/30/2026" does not exist as M/D/YYYY; currency "XYZ" is not an ISO 4217 code like USD or EUR' },
    ]);
    expect(result.transactions.map((t) => t.transactionId)).toEqual(['OK1', 'OK2']);
  });

  it('keeps a row of the wrong width out of the date format detection', async () => {
    // Read anyway, the short row's 25/12/2026 would contradict the file's month-first 12/25/2026 and stop the import.
    const text = [header, row('A', { date: '12/25/2026' }), row('B', { date: '25/12/2026', drop: true })].join('\n');
    const result = await parsePayPalCsv(text);
    expect(result.dateFormat).toBe('MDY');
    expect(result.rejected).toEqual([{ line: 3, reason: expect.stringMatching(/^the row has 11 cells but the header 12/) }]);
  });
});
