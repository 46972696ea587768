import { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { detectDateFormat, parseCsvDate, parseCsvTime, toInstant, type DateFormat, type DateSample } from './csv-dates';
import { isIsoCurrency, parseAmount } from './money';
import { classifyPayPal, normalizePayPalStatus, type Direction } from './paypal-rules';
import { isSubscriptionId } from './subscription-id';
import { validateTransaction, type ImportedTransaction, type RejectedRow } from './transaction';

/** The columns the import reads, by the header names PayPal uses (layouts differ: never by position). */
const COLUMNS = {
  date: ['date'],
  time: ['time'],
  timeZone: ['time zone', 'timezone'],
  name: ['name'],
  type: ['type'],
  status: ['status'],
  currency: ['currency'],
  gross: ['gross'],
  fromEmail: ['from email address', 'from email'],
  toEmail: ['to email address', 'to email'],
  transactionId: ['transaction id'],
  referenceTxnId: ['reference txn id', 'reference transaction id'],
  balanceImpact: ['balance impact'],
} as const;

type Column = keyof typeof COLUMNS;
const REQUIRED: Column[] = ['date', 'type', 'status', 'currency', 'gross', 'transactionId'];
const HEADER_NAMES: Record<Column, string> = {
  date: 'Date', time: 'Time', timeZone: 'Time Zone', name: 'Name', type: 'Type', status: 'Status', currency: 'Currency',
  gross: 'Gross', fromEmail: 'From Email Address', toEmail: 'To Email Address', transactionId: 'Transaction ID',
  referenceTxnId: 'Reference Txn ID', balanceImpact: 'Balance Impact',
};

export interface IgnoredRow {
  line: number;
  transactionId: string;
  reason: string;
}

export interface PayPalCsvResult {
  /** Rows that are money in, refunds or reversals, validated. */
  transactions: ImportedTransaction[];
  /** Rows that are not the subscribers' money (memos, conversions, withdrawals, money sent). */
  ignored: IgnoredRow[];
  /** Rows (or the header) that cannot be read. When not empty, nothing of the file may be applied. */
  rejected: RejectedRow[];
  dateFormat: DateFormat | null;
  rows: number;
}

/**
 * The text of a CSV file's bytes. PayPal writes UTF-8; a spreadsheet that re-saved the file may
 * have written UTF-16 ("Unicode text"), which its byte order mark tells. The CLI and the bot's
 * attachments read files through this, so a file reads the same both ways.
 */
export function decodeCsvBytes(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes);
  return new TextDecoder('utf-8').decode(bytes);
}

/** Text handed to the CSV parser at a time: small enough to parse in a few milliseconds. */
const CHUNK_CHARS = 16 * 1024;
/** The longest the reading holds the event loop before letting other work (Discord interactions) run. */
const SLICE_MS = 10;

/** Answers a function that yields to the event loop once the work since the last yield took SLICE_MS. */
function timeSlicer(): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < SLICE_MS) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    since = performance.now();
  };
}

/**
 * The file in chunks, with one line break kind (so csv-parse's line count is the line an admin sees
 * in an editor), pausing between chunks so a 25 MB file does not hold the event loop. A chunk never
 * ends between \r and \n, nor inside a surrogate pair.
 */
async function* textChunks(body: string): AsyncGenerator<string> {
  for (let at = 0; at < body.length; ) {
    let end = Math.min(body.length, at + CHUNK_CHARS);
    if (end < body.length && (body[end - 1] === '\r' || /[\uD800-\uDBFF]/.test(body[end - 1]!))) end++;
    yield body.slice(at, end).replace(/\r\n?/g, '\n');
    at = end;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

type CsvRecord = { record: string[]; info: { lines: number } };

/**
 * Reads a PayPal activity download (CSV) as the PayPal site produces it: UTF-8 BOM, every cell
 * quoted, commas and line breaks inside cells, CRLF line ends, US or EU dates and amounts, columns
 * in any order. Every row is checked and every bad one named (a row whose cell count differs from
 * the header's would be read with shifted columns, so it is one of them); the caller applies
 * nothing when any row is rejected. Streams, yielding to the event loop, so the bot keeps
 * answering during a big file. Throws CsvFormatError when the date format cannot be told (the
 * admin must choose it).
 */
export async function parsePayPalCsv(text: string, options: { dateFormat?: DateFormat } = {}): Promise<PayPalCsvResult> {
  const body = text.replace(/^\uFEFF/, '');
  const result: PayPalCsvResult = { transactions: [], ignored: [], rejected: [], dateFormat: null, rows: 0 };
  const records: CsvRecord[] = [];
  try {
    // Rows of the wrong width are let through here and named below, all of them, not only the first.
    const parser = Readable.from(textChunks(body)).pipe(
      parse({ delimiter: detectDelimiter(body), info: true, relax_column_count: true, skip_empty_lines: true }),
    );
    for await (const r of parser) records.push(r as CsvRecord);
  } catch (error) {
    const line = error instanceof CsvError ? Number((error as unknown as { lines?: number }).lines ?? 1) : 1;
    result.rejected.push({ line, reason: `not a readable CSV file: ${(error as Error).message}` });
    return result;
  }
  const header = records[0];
  if (!header) {
    result.rejected.push({ line: 1, reason: 'the file is empty: expected a PayPal activity download (CSV)' });
    return result;
  }
  const index = locateColumns(header.record);
  const missing = REQUIRED.filter((c) => index[c] === undefined);
  if (missing.length > 0) {
    result.rejected.push({
      line: startLine(header),
      reason: `not a PayPal activity download: missing column(s) ${missing.map((c) => `"${HEADER_NAMES[c]}"`).join(', ')}`,
    });
    return result;
  }
  const width = header.record.length;
  const rows = records.slice(1).map((r) => ({ line: startLine(r), width: r.record.length, cell: (c: Column) => cellOf(r.record, index[c]) }));
  result.rows = rows.length;
  // A shifted row's "date" is some other cell: it must not sway the format.
  const samples: DateSample[] = rows.filter((r) => r.width === width).map((r) => ({ line: r.line, text: r.cell('date') }));
  result.dateFormat = detectDateFormat(samples, options.dateFormat);

  const pause = timeSlicer();
  for (const row of rows) {
    await pause();
    if (row.width !== width) {
      result.rejected.push({
        line: row.line,
        reason: `the row has ${row.width} cells but the header ${width}: its columns cannot be told apart (a quote or a separator is missing or extra)`,
      });
      continue;
    }
    const problems: string[] = [];
    const transactionId = row.cell('transactionId').trim();
    if (!transactionId) problems.push('no Transaction ID');
    const date = parseCsvDate(row.cell('date'), result.dateFormat);
    if (typeof date === 'string') problems.push(date);
    const time = index.time === undefined ? { hour: 0, minute: 0, second: 0 } : parseCsvTime(row.cell('time'));
    if (typeof time === 'string') problems.push(time);
    let occurredAt: Date | null = null;
    if (typeof date !== 'string' && typeof time !== 'string') {
      const instant = toInstant(date, time, index.timeZone === undefined ? undefined : row.cell('timeZone'));
      if (typeof instant === 'string') problems.push(instant);
      else occurredAt = instant;
    }
    const gross = parseAmount(row.cell('gross'));
    if (gross === null) problems.push(`amount "${row.cell('gross')}" in Gross is not an amount like 1,560.00 or 1.560,00`);
    const currency = row.cell('currency').trim().toUpperCase();
    if (!isIsoCurrency(currency)) problems.push(`currency "${row.cell('currency')}" is not an ISO 4217 code like USD or EUR`);
    const direction = readDirection(index.balanceImpact === undefined ? undefined : row.cell('balanceImpact'), gross);
    if (direction === null) problems.push(`Balance Impact "${row.cell('balanceImpact')}" is not Credit, Debit or Memo`);
    if (problems.length > 0 || occurredAt === null || gross === null || direction === null) {
      result.rejected.push({ line: row.line, reason: problems.join('; ') });
      continue;
    }

    const type = row.cell('type').trim();
    const kind = classifyPayPal(type, direction);
    if (typeof kind !== 'string') {
      result.ignored.push({ line: row.line, transactionId, reason: kind.ignored });
      continue;
    }
    const reference = row.cell('referenceTxnId').trim();
    const subscriptionId = kind === 'payment' && isSubscriptionId(reference, 'paypal') ? reference : null;
    // Money in comes from the payer; a refund goes back to them.
    const counterparty = (direction === 'debit' ? row.cell('toEmail') : row.cell('fromEmail')).trim();
    const checked = validateTransaction({
      source: 'paypal',
      transactionId,
      kind,
      status: normalizePayPalStatus(row.cell('status')),
      occurredAt,
      amountCents: Math.abs(gross),
      currency,
      payerEmail: counterparty || null,
      payerName: row.cell('name').trim() || null,
      subscriptionId,
      referenceTransactionId: subscriptionId === null && reference ? reference : null,
      line: row.line,
    });
    if (checked.ok) result.transactions.push(checked.value);
    else result.rejected.push({ line: row.line, reason: checked.reason });
  }
  return result;
}

/** `,` in PayPal's own files; `;` or a tab after a spreadsheet re-saved it. Read off the header line. */
function detectDelimiter(body: string): string {
  const firstLine = body.slice(0, body.indexOf('\n') === -1 ? body.length : body.indexOf('\n')).replace(/\r$/, '').replace(/"[^"]*"/g, '');
  const counts = [',', ';', '\t'].map((d) => [d, firstLine.split(d).length - 1] as const);
  return counts.reduce((best, c) => (c[1] > best[1] ? c : best))[0];
}

function normalizeHeader(h: string): string {
  return h.replace(/^\uFEFF/, '').trim().toLowerCase().replace(/\s+/g, ' ');
}

function locateColumns(header: string[]): Partial<Record<Column, number>> {
  const found: Partial<Record<Column, number>> = {};
  const normalized = header.map(normalizeHeader);
  for (const column of Object.keys(COLUMNS) as Column[]) {
    const at = normalized.findIndex((h) => (COLUMNS[column] as readonly string[]).includes(h));
    if (at >= 0) found[column] = at;
  }
  return found;
}

function cellOf(record: string[], at: number | undefined): string {
  return at === undefined ? '' : (record[at] ?? '');
}

/** csv-parse counts the line a record ends on; line breaks inside its cells move the start back. */
function startLine(r: { record: string[]; info: { lines: number } }): number {
  let inside = 0;
  for (const cell of r.record) if (cell.includes('\n')) inside += cell.split('\n').length - 1;
  return r.info.lines - inside;
}

/** Balance Impact, or the sign of Gross in layouts without that column. */
function readDirection(cell: string | undefined, gross: number | null): Direction | null {
  if (cell === undefined) return gross === null || gross >= 0 ? 'credit' : 'debit';
  const v = cell.trim().toLowerCase();
  if (v === 'credit') return 'credit';
  if (v === 'debit') return 'debit';
  if (v === 'memo') return 'memo';
  if (v === '') return gross === null || gross >= 0 ? 'credit' : 'debit';
  return null;
}
