import { monitorEventLoopDelay } from 'node:perf_hooks';
import { MAX_CSV_BYTES } from '../../../src/discord/attachments';
import { decodeCsvBytes, decodeCsvStream, parsePayPalCsv } from '../../../src/payments/paypal-csv';

/** A PayPal download as big as Discord lets an admin attach: 41 quoted columns, like the site's. */
function bigPayPalCsv(): { text: string; rows: number } {
  const header =
    '\uFEFF"Date","Time","TimeZone","Name","Type","Status","Currency","Gross","Fee","Net","From Email Address","To Email Address","Transaction ID","Shipping Address","Address Status","Item Title","Item ID","Shipping and Handling Amount","Insurance Amount","Sales Tax","Option 1 Name","Option 1 Value","Option 2 Name","Option 2 Value","Reference Txn ID","Invoice Number","Custom Number","Quantity","Receipt ID","Balance","Address Line 1","Address Line 2/District/Neighborhood","Town/City","State/Province/Region/County/Territory/Prefecture/Republic","Zip/Postal Code","Country","Contact Phone Number","Subject","Note","Country Code","Balance Impact"\r\n';
  const lines = [header];
  let size = header.length;
  let rows = 0;
  // Long notes keep the row count (and the test's run time) down; the parser's work per byte is the same.
  const note = `thanks, see you next month. ${'Merci pour tout, à bientôt ! '.repeat(20)}`;
  while (size < MAX_CSV_BYTES - 1024) {
    const day = (rows % 28) + 1;
    const line =
      `"12/${day}/2026","09:15:02","PST","Subscriber ${rows}","Subscription Payment","Completed","USD","10.00","-0.59","9.41",` +
      `"user${rows}@example.com","owner@example.com","${String(rows).padStart(17, '0')}","","Non-Confirmed","Plex Monthly","","","","","","","","",` +
      `"I-JSE05VWSMN55","","","1","","1,629.79","","","","","","","","","${note}","US","Credit"\r\n`;
    lines.push(line);
    size += line.length;
    rows++;
  }
  return { text: lines.join(''), rows };
}

describe('reading a 25 MB PayPal download', () => {
  it('never holds the event loop long, so the bot keeps answering interactions during an import', async () => {
    const { text, rows } = bigPayPalCsv();
    expect(text.length).toBeGreaterThan(24 * 1024 * 1024);
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    // The monitor records from its second sample on: let it take its first before the parse starts.
    await new Promise((resolve) => setTimeout(resolve, 30));
    const result = await parsePayPalCsv(text, { dateFormat: 'MDY' });
    // The monitor's timer must fire once more to record a block that lasted until the end of the parse.
    await new Promise((resolve) => setTimeout(resolve, 30));
    delay.disable();
    expect(result.rejected).toEqual([]);
    expect(result.rows).toBe(rows);
    expect(result.transactions).toHaveLength(rows);
    const maxMs = delay.max / 1e6;
    // A synchronous parse of this file holds the loop for seconds. The streamed one yields every ~10 ms of
    // work; the bound is generous because a test machine shared by other processes stretches each slice.
    expect(maxMs).toBeLessThan(500);
  }, 120_000);
});

/** The chunks of a text or bytes cut every `size` units, as a file read in pieces gives them. */
async function* piecesOf<T extends string | Uint8Array>(whole: T, size: number): AsyncGenerator<T> {
  for (let at = 0; at < whole.length; at += size) yield whole.slice(at, at + size) as T;
}

describe('reading a file as it streams', () => {
  // Every awkward spot: BOM, CRLF and lone CR line ends, a quoted cell with a line break, blank
  // lines, a character outside the BMP (a surrogate pair in the text, four bytes in UTF-8).
  const text =
    '\uFEFF"Date","Time","Time Zone","Name","Type","Status","Currency","Gross","From Email Address","Transaction ID","Balance Impact"\r\n' +
    '"12/01/2026","10:00:00","PST","Ünal 😀 Çelik","General Payment","Completed","USD","10.00","unal@example.com","S1","Credit"\r\n' +
    '\r\n' +
    '"12/13/2026","10:00:00","PST","Two\r\nlines","General Payment","Completed","USD","1,560.00","two@example.com","S2","Credit"\r' +
    '"12/14/2026","10:00:00","PST","Bad","General Payment","Completed","USD","ten","bad@example.com","S3","Credit"\n' +
    '\n\n' +
    '"12/15/2026","10:00:00","PST","Last","General Payment","Completed","USD","5.00","last@example.com","S4","Credit"\r\n';

  it('decodes UTF-8 and UTF-16 bytes cut anywhere to the text decodeCsvBytes gives for the whole file', async () => {
    const utf16le = Buffer.from(text, 'utf16le');
    for (const bytes of [Buffer.from(text, 'utf8'), Buffer.from(text.slice(1), 'utf8'), utf16le, Buffer.from(utf16le).swap16(), Buffer.from([0x41])]) {
      for (const size of [1, 2, 3, 5, 64, bytes.length]) {
        let decoded = '';
        for await (const piece of decodeCsvStream(piecesOf(new Uint8Array(bytes), size))) decoded += piece;
        expect([size, decoded]).toEqual([size, decodeCsvBytes(bytes)]);
      }
    }
  });

  it('reads text given in chunks exactly as the same text given whole: cells, line numbers, rejections', async () => {
    const whole = await parsePayPalCsv(text);
    expect(whole.dateFormat).toBe('MDY');
    expect(whole.transactions.map((t) => [t.transactionId, t.line, t.payerName, t.amountCents])).toEqual([
      ['S1', 2, 'Ünal 😀 Çelik', 1000],
      ['S2', 4, 'Two\nlines', 156000],
      ['S4', 9, 'Last', 500],
    ]);
    expect(whole.rejected).toEqual([{ line: 6, reason: 'amount "ten" in Gross is not an amount like 1,560.00 or 1.560,00' }]);
    for (const size of [1, 2, 3, 7, 100]) expect(await parsePayPalCsv(piecesOf(text, size))).toEqual(whole);
  });

  it('reads the rows before the first day above 12 in the format that day proves', async () => {
    const header = 'Date,Type,Status,Currency,Gross,Transaction ID,From Email Address';
    const rows = Array.from({ length: 40 }, (_, i) => `${String((i % 12) + 1).padStart(2, '0')}/03/2026,General Payment,Completed,EUR,9.00,D${i},d${i}@example.com`);
    const result = await parsePayPalCsv([header, ...rows, '25/03/2026,General Payment,Completed,EUR,9.00,LAST,l@example.com'].join('\n'));
    expect(result.dateFormat).toBe('DMY');
    expect(result.transactions).toHaveLength(41);
    expect(result.transactions[4]!.occurredAt.toISOString()).toBe('2026-03-05T00:00:00.000Z');
    // A later row that can only be month first contradicts the file, wherever it comes.
    const contradicted = [header, ...rows, '25/03/2026,General Payment,Completed,EUR,9.00,DAY,a@example.com', '03/25/2026,General Payment,Completed,EUR,9.00,MONTH,b@example.com'];
    await expect(parsePayPalCsv(contradicted.join('\n'))).rejects.toThrow(/"25\/03\/2026" \(line 42\) can only be DD\/MM\/YYYY but "03\/25\/2026" \(line 43\)/);
  });
});
