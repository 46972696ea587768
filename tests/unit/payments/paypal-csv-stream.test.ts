import { monitorEventLoopDelay } from 'node:perf_hooks';
import { MAX_CSV_BYTES } from '../../../src/discord/attachments';
import { parsePayPalCsv } from '../../../src/payments/paypal-csv';

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
