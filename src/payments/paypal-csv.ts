import { Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import { CsvError, parse } from 'csv-parse';
import { DateFormatDetector, fixedOffset, parseCsvDate, parseCsvTime, toInstant, type CalendarDate, type ClockTime, type DateFormat } from './csv-dates';
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
 * have written UTF-16 ("Unicode text"), which its byte order mark tells. The bot's attachments
 * read files through this, and the CLI through decodeCsvStream, so a file reads the same both ways.
 */
export function decodeCsvBytes(bytes: Uint8Array): string {
  return decoderFor(bytes).decode(bytes);
}

/**
 * decodeCsvBytes for a file read as a stream of byte chunks: the same text, in pieces, without
 * ever holding the whole file (a decoder in stream mode keeps a character split between chunks).
 */
export async function* decodeCsvStream(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  let decoder: TextDecoder | null = null;
  let head: Uint8Array = new Uint8Array(0);
  for await (const chunk of chunks) {
    let bytes = chunk;
    if (!decoder) {
      // The byte order mark is the first two bytes, which may come in two chunks.
      head = concatBytes(head, chunk);
      if (head.length < 2) continue;
      decoder = decoderFor(head);
      bytes = head;
    }
    const text = decoder.decode(bytes, { stream: true });
    if (text) yield text;
  }
  // A file of fewer than two bytes never chose a decoder.
  const rest = decoder ? decoder.decode() : decoderFor(head).decode(head);
  if (rest) yield rest;
}

/** The decoder a file's first bytes call for; it drops the byte order mark itself. */
function decoderFor(bytes: Uint8Array): TextDecoder {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be');
  return new TextDecoder('utf-8');
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

/**
 * Text handed to the CSV parser at a time: parsed in a few milliseconds, so the event loop is never
 * held long, and small enough (even as two-byte text) to stay out of V8's large-object space, where
 * every chunk would wait for a full collection.
 */
const CHUNK_CHARS = 32 * 1024;

/** A text that is already in memory, in chunks, pausing between them so a 25 MB file does not hold the event loop. */
async function* textChunks(body: string): AsyncGenerator<string> {
  for (let at = 0; at < body.length; at += CHUNK_CHARS) {
    yield body.slice(at, at + CHUNK_CHARS);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/**
 * The text with one line break kind (so line numbers are the lines an admin sees in an editor),
 * in chunks that never end between \r and \n, nor inside a surrogate pair (csv-parse reads each
 * chunk as UTF-8 bytes: half a pair would become U+FFFD). The byte order mark is dropped.
 */
async function* normalizedChunks(source: AsyncIterable<string>): AsyncGenerator<string> {
  let carry = '';
  let first = true;
  for await (const piece of source) {
    let text = carry + piece;
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    const last = text.charCodeAt(text.length - 1);
    const keep = text.length > 0 && (last === 0x0d || (last >= 0xd800 && last <= 0xdbff)) ? 1 : 0;
    carry = keep ? text.slice(-1) : '';
    const chunk = keep ? text.slice(0, -1) : text;
    if (chunk) yield chunk.includes('\r') ? chunk.replace(/\r\n?/g, '\n') : chunk;
  }
  if (carry) yield carry.replace(/\r/g, '\n');
}

/** The chunks, with the text up to the first line break read ahead (it tells the separator). */
async function withFirstLine(chunks: AsyncIterable<string>): Promise<{ firstLine: string; all: AsyncGenerator<string> }> {
  const iterator = chunks[Symbol.asyncIterator]();
  const ahead: string[] = [];
  let text = '';
  while (!text.includes('\n')) {
    const next = await iterator.next();
    if (next.done) break;
    ahead.push(next.value);
    text += next.value;
  }
  const newline = text.indexOf('\n');
  async function* all(): AsyncGenerator<string> {
    try {
      yield* ahead;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    } finally {
      // Stopped early: the source (a file being read) is told, and closes.
      await iterator.return?.();
    }
  }
  return { firstLine: newline === -1 ? text : text.slice(0, newline), all: all() };
}

/**
 * Reads a PayPal activity download (CSV) as the PayPal site produces it: UTF-8 BOM, every cell
 * quoted, commas and line breaks inside cells, CRLF line ends, US or EU dates and amounts, columns
 * in any order. Every row is checked and every bad one named (a row whose cell count differs from
 * the header's would be read with shifted columns, so it is one of them); the caller applies
 * nothing when any row is rejected. Throws CsvFormatError when the date format cannot be told (the
 * admin must choose it).
 *
 * One streaming pass that keeps only what the import needs of each row (never every row's cells),
 * yielding to the event loop between chunks so the bot keeps answering during a big file. Rows
 * wait, as cells, only while the date format is still open (until a day above 12 shows it).
 */
export async function parsePayPalCsv(source: string | AsyncIterable<string>, options: { dateFormat?: DateFormat } = {}): Promise<PayPalCsvResult> {
  const result: PayPalCsvResult = { transactions: [], ignored: [], rejected: [], dateFormat: null, rows: 0 };
  const detector = new DateFormatDetector(options.dateFormat);
  let columns: { index: ColumnIndex; width: number } | null = null;
  let headerProblem: RejectedRow | null = null;
  let reader: RowReader | null = null;
  /** Rows read before the date format is known, with their lines. */
  let waiting: Array<{ record: string[]; line: number }> = [];
  // csv-parse's per-record info (line numbers) costs a third of its time: lines are counted here.
  let nextLine = 1;
  const { firstLine, all } = await withFirstLine(normalizedChunks(typeof source === 'string' ? textChunks(source) : source));
  const input = Readable.from(all);
  // A file that cannot be read (not one that cannot be parsed) fails the import as it is.
  let inputError: unknown = null;
  input.on('error', (error) => (inputError = error));
  try {
    // Rows of the wrong width are let through here and named below, all of them, not only the first.
    // Empty lines come through as one empty cell and are skipped below, where the lines are counted.
    const parser = input.pipe(parse({ delimiter: detectDelimiter(firstLine), relax_column_count: true }));
    input.on('error', (error) => parser.destroy(error));
    for await (const r of parser) {
      const record = r as string[];
      const line = nextLine;
      nextLine += 1 + lineBreaksIn(record);
      if (record.length === 1 && record[0] === '') continue;
      if (headerProblem) continue; // read on only to report an unreadable file first, as before
      if (!columns) {
        const index = locateColumns(record);
        const missing = REQUIRED.filter((c) => index[c] === undefined);
        if (missing.length > 0) {
          headerProblem = { line, reason: `not a PayPal activity download: missing column(s) ${missing.map((c) => `"${HEADER_NAMES[c]}"`).join(', ')}` };
        }
        columns = { index, width: record.length };
        continue;
      }
      result.rows++;
      if (record.length !== columns.width) {
        result.rejected.push({
          line,
          reason: `the row has ${record.length} cells but the header ${columns.width}: its columns cannot be told apart (a quote or a separator is missing or extra)`,
        });
        continue;
      }
      // A shifted row's "date" is some other cell: only rows of the right width sway the format.
      detector.add({ line, text: cellAt(record, columns.index.date) });
      if (!reader) {
        const format = detector.decided;
        if (format === undefined) {
          waiting.push({ record, line });
          continue;
        }
        reader = new RowReader(columns.index, format, result);
        for (const w of waiting) reader.read(w.record, w.line);
        waiting = [];
      }
      reader.read(record, line);
    }
  } catch (error) {
    if (inputError !== null) throw inputError;
    const line = error instanceof CsvError ? Number((error as unknown as { lines?: number }).lines ?? 1) : 1;
    return { transactions: [], ignored: [], rejected: [{ line, reason: `not a readable CSV file: ${(error as Error).message}` }], dateFormat: null, rows: 0 };
  } finally {
    // Stopped early (a CSV error): the file is closed rather than left half read.
    input.destroy();
  }
  if (headerProblem) return { transactions: [], ignored: [], rejected: [headerProblem], dateFormat: null, rows: 0 };
  if (!columns) {
    result.rejected.push({ line: 1, reason: 'the file is empty: expected a PayPal activity download (CSV)' });
    return result;
  }
  // Throws when the dates contradict each other or every one reads both ways.
  result.dateFormat = detector.conclude();
  if (!reader) {
    reader = new RowReader(columns.index, result.dateFormat, result);
    const pause = timeSlicer();
    for (const w of waiting) {
      await pause();
      reader.read(w.record, w.line);
    }
  }
  // Rows of the wrong width were named as they came: the report goes by line.
  result.rejected.sort((a, b) => a.line - b.line);
  return result;
}

/** The longest a loop over waiting rows holds the event loop before letting other work (Discord interactions) run. */
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

type ColumnIndex = Partial<Record<Column, number>>;

/** Line breaks inside a record's cells: the next record starts that many lines further down. */
function lineBreaksIn(record: string[]): number {
  let breaks = 0;
  for (const cell of record) {
    for (let at = cell.indexOf('\n'); at !== -1; at = cell.indexOf('\n', at + 1)) breaks++;
  }
  return breaks;
}

function cellAt(record: string[], at: number | undefined): string {
  return at === undefined ? '' : (record[at] ?? '');
}

/** A pure function of one text cell, remembered: a file repeats its dates, amounts, currencies and types thousands of times. */
function remembered<T>(read: (text: string) => T, limit = 10_000): (text: string) => T {
  const seen = new Map<string, T>();
  return (text) => {
    let value = seen.get(text);
    if (value === undefined && !seen.has(text)) {
      value = read(text);
      if (seen.size >= limit) seen.clear();
      seen.set(text, value);
    }
    return value as T;
  };
}

const MIDNIGHT: ClockTime = { hour: 0, minute: 0, second: 0 };

/**
 * Turns one row of the right width into a transaction, an ignored row or a rejected one, once the
 * date format is known. Each cell is read by the same functions as always; what a file repeats
 * (dates, zones, amounts, currencies, types and statuses) is read once.
 */
class RowReader {
  private readonly date: (text: string) => { date: CalendarDate; dayMs: number } | string;
  private readonly offset = remembered(fixedOffset, 1_000);
  private readonly amount = remembered(parseAmount);
  private readonly currency = remembered((text) => {
    const code = text.trim().toUpperCase();
    return isIsoCurrency(code) ? code : null;
  }, 1_000);
  private readonly status = remembered(normalizePayPalStatus, 1_000);
  // Subscribers pay month after month: one string per payer kept, not one per row.
  private readonly email = remembered((text: string) => text, 50_000);
  private readonly name = remembered((text: string) => text.trim(), 50_000);
  private readonly kinds = new Map<string, ReturnType<typeof classifyPayPal>>();

  constructor(
    private readonly index: ColumnIndex,
    private readonly format: DateFormat | null,
    private readonly result: PayPalCsvResult,
  ) {
    this.date = remembered((text) => {
      const date = parseCsvDate(text, format);
      return typeof date === 'string' ? date : { date, dayMs: Date.UTC(date.year, date.month - 1, date.day) };
    });
  }

  read(record: string[], line: number): void {
    const { index, result } = this;
    const cell = (c: Column) => cellAt(record, index[c]);
    const transactionId = cell('transactionId').trim();
    const date = this.date(cell('date'));
    const time = index.time === undefined ? MIDNIGHT : parseCsvTime(cell('time'));
    const zone = index.timeZone === undefined ? undefined : cell('timeZone');
    const gross = this.amount(cell('gross'));
    const currency = this.currency(cell('currency'));
    const direction = readDirection(index.balanceImpact === undefined ? undefined : cell('balanceImpact'), gross);
    const offset = zone === undefined ? 0 : this.offset(zone);
    let occurredAt: Date | null = null;
    if (typeof date !== 'string' && typeof time !== 'string') {
      if (offset !== null) occurredAt = new Date(date.dayMs + ((time.hour * 60 + time.minute) * 60 + time.second) * 1000 - offset * 60_000);
      else {
        const instant = toInstant(date.date, time, zone);
        if (typeof instant !== 'string') occurredAt = instant;
      }
    }
    if (!transactionId || occurredAt === null || gross === null || currency === null || direction === null) {
      result.rejected.push({ line, reason: this.problems(record, date, time, zone, gross, direction).join('; ') });
      return;
    }

    const type = cell('type').trim();
    const kindKey = `${direction}:${type}`;
    let kind = this.kinds.get(kindKey);
    if (kind === undefined) {
      kind = classifyPayPal(type, direction);
      if (this.kinds.size < 1_000) this.kinds.set(kindKey, kind);
    }
    if (typeof kind !== 'string') {
      result.ignored.push({ line, transactionId, reason: kind.ignored });
      return;
    }
    const reference = cell('referenceTxnId').trim();
    const subscriptionId = kind === 'payment' && isSubscriptionId(reference, 'paypal') ? reference : null;
    // Money in comes from the payer; a refund goes back to them.
    const counterparty = (direction === 'debit' ? cell('toEmail') : cell('fromEmail')).trim();
    const checked = validateTransaction({
      source: 'paypal',
      transactionId,
      kind,
      status: this.status(cell('status')),
      occurredAt,
      amountCents: Math.abs(gross),
      currency,
      payerEmail: counterparty || null,
      payerName: this.name(cell('name')) || null,
      subscriptionId,
      referenceTransactionId: subscriptionId === null && reference ? reference : null,
      line,
    });
    if (checked.ok) {
      const tx = checked.value;
      if (tx.payerEmail) tx.payerEmail = this.email(tx.payerEmail);
      result.transactions.push(tx);
    }
    else result.rejected.push({ line, reason: checked.reason });
  }

  /** Every problem of a row that cannot be read, in the order the admin reads the row. */
  private problems(
    record: string[],
    date: { date: CalendarDate } | string,
    time: ClockTime | string,
    zone: string | undefined,
    gross: number | null,
    direction: Direction | null,
  ): string[] {
    const cell = (c: Column) => cellAt(record, this.index[c]);
    const problems: string[] = [];
    if (!cell('transactionId').trim()) problems.push('no Transaction ID');
    if (typeof date === 'string') problems.push(date);
    if (typeof time === 'string') problems.push(time);
    if (typeof date !== 'string' && typeof time !== 'string') {
      const instant = toInstant(date.date, time, zone);
      if (typeof instant === 'string') problems.push(instant);
    }
    if (gross === null) problems.push(`amount "${cell('gross')}" in Gross is not an amount like 1,560.00 or 1.560,00`);
    if (this.currency(cell('currency')) === null) problems.push(`currency "${cell('currency')}" is not an ISO 4217 code like USD or EUR`);
    if (direction === null) problems.push(`Balance Impact "${cell('balanceImpact')}" is not Credit, Debit or Memo`);
    return problems;
  }
}

/** `,` in PayPal's own files; `;` or a tab after a spreadsheet re-saved it. Read off the header line. */
function detectDelimiter(headerLine: string): string {
  const unquoted = headerLine.replace(/"[^"]*"/g, '');
  const counts = [',', ';', '\t'].map((d) => [d, unquoted.split(d).length - 1] as const);
  return counts.reduce((best, c) => (c[1] > best[1] ? c : best))[0];
}

function normalizeHeader(h: string): string {
  return h.replace(/^\uFEFF/, '').trim().toLowerCase().replace(/\s+/g, ' ');
}

function locateColumns(header: string[]): ColumnIndex {
  const found: ColumnIndex = {};
  const normalized = header.map(normalizeHeader);
  for (const column of Object.keys(COLUMNS) as Column[]) {
    const at = normalized.findIndex((h) => (COLUMNS[column] as readonly string[]).includes(h));
    if (at >= 0) found[column] = at;
  }
  return found;
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
