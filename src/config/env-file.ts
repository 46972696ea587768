import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import dotenv from 'dotenv';

/**
 * A .env file read and changed line by line: the setup wizard sets a few variables and leaves
 * everything else as the owner wrote it (comments, blank lines, order, `export`, unknown lines).
 * Values are read with dotenv's own parser, so what is written reads back exactly as the bot reads it.
 */

/** One assignment: the lines it spans (a quoted value may span several), its key and `export ` prefix. */
interface Entry {
  kind: 'entry';
  key: string;
  exported: boolean;
  lines: string[];
  /** A comment after the value (`KEY=value # note`), kept when the value changes. */
  trailing: string;
}

interface Other {
  kind: 'other';
  line: string;
}

type Item = Entry | Other;

const ASSIGNMENT = /^(\s*)(export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/;

export class EnvDocument {
  private constructor(
    private readonly items: Item[],
    private readonly eol: string,
    private readonly endsWithNewline: boolean,
  ) {}

  static parse(text: string): EnvDocument {
    const eol = text.includes('\r\n') ? '\r\n' : '\n';
    const lines = text.split(/\r?\n/);
    const endsWithNewline = text.length > 0 && lines[lines.length - 1] === '';
    if (endsWithNewline || text.length === 0) lines.pop();
    const items: Item[] = [];
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const m = ASSIGNMENT.exec(line);
      if (!m || line.trimStart().startsWith('#')) {
        items.push({ kind: 'other', line });
        continue;
      }
      const rest = m[4]!;
      const quote = rest[0];
      const spanned = [line];
      let trailing = '';
      if (quote === '"' || quote === "'" || quote === '`') {
        // A quoted value ends at its closing quote, possibly on a later line (dotenv allows multi-line values).
        let end = closingQuote(rest, quote, 1);
        let j = i;
        let tail = rest;
        while (end < 0 && j + 1 < lines.length) {
          j++;
          spanned.push(lines[j]!);
          tail = lines[j]!;
          end = closingQuote(tail, quote, 0);
        }
        if (end < 0) {
          // Never closed: dotenv reads it as an unquoted value; keep the line as it is.
          spanned.splice(1);
          j = i;
        } else {
          trailing = tail.slice(end + 1);
          i = j;
        }
      } else {
        const comment = /(^|\s+)#.*$/.exec(rest);
        trailing = comment ? (/^\s/.test(comment[0]) ? comment[0] : ` ${comment[0]}`) : '';
      }
      items.push({ kind: 'entry', key: m[3]!, exported: Boolean(m[2]), lines: spanned, trailing });
    }
    return new EnvDocument(items, eol, endsWithNewline);
  }

  /** Every variable as dotenv reads the file (the last assignment of a key wins). */
  values(): Record<string, string> {
    return dotenv.parse(this.toString());
  }

  get(key: string): string | undefined {
    return this.values()[key];
  }

  /**
   * Sets variables: an existing assignment is rewritten in place (keeping `export` and a trailing
   * comment), a new one is appended at the end. An empty string writes `KEY=` (unset for the bot).
   */
  set(updates: Record<string, string>): void {
    const appended: Entry[] = [];
    for (const [key, value] of Object.entries(updates)) {
      if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key)) throw new Error(`"${key}" is not a variable name`);
      const rendered = formatValue(key, value);
      const existing = this.items.filter((item): item is Entry => item.kind === 'entry' && item.key === key);
      for (const entry of existing) {
        const indent = /^\s*/.exec(entry.lines[0]!)![0];
        const trailing = value === '' && entry.trailing ? ` ${entry.trailing.trimStart()}` : entry.trailing;
        entry.lines = [`${indent}${entry.exported ? 'export ' : ''}${key}=${rendered}${trailing}`];
      }
      if (existing.length === 0) appended.push({ kind: 'entry', key, exported: false, lines: [`${key}=${rendered}`], trailing: '' });
    }
    if (appended.length > 0) {
      const last = this.items[this.items.length - 1];
      if (last && !(last.kind === 'other' && last.line.trim() === '')) this.items.push({ kind: 'other', line: '' });
      this.items.push(...appended);
    }
  }

  toString(): string {
    const lines = this.items.flatMap((item) => (item.kind === 'entry' ? item.lines : [item.line]));
    if (lines.length === 0) return '';
    return lines.join(this.eol) + (this.endsWithNewline || this.items.length > 0 ? this.eol : '');
  }
}

function closingQuote(text: string, quote: string, from: number): number {
  for (let k = from; k < text.length; k++) {
    // dotenv's pattern lets a backslash escape the quote (it leaves the backslash in the value).
    if (text[k] === '\\') {
      k++;
      continue;
    }
    if (text[k] === quote) return k;
  }
  return -1;
}

/**
 * A value written so dotenv reads it back unchanged: bare when it is plain, else in the first quote
 * kind it does not contain (dotenv does not unescape quotes; in double quotes it turns \n into a newline).
 */
export function formatValue(key: string, value: string): string {
  if (/^[A-Za-z0-9_./:@,+\-=%*?!~^]*$/.test(value)) return value;
  if (value.includes('\n') || value.includes('\r')) {
    if (!value.includes('"') && !/\\n|\\r/.test(value)) return `"${value.replace(/\r/g, '\\r').replace(/\n/g, '\\n')}"`;
    throw new Error(`${key}: a value with line breaks and double quotes cannot be written to .env`);
  }
  if (!value.includes("'")) return `'${value}'`;
  if (!value.includes('"') && !/\\n|\\r/.test(value)) return `"${value}"`;
  if (!value.includes('`')) return `\`${value}\``;
  throw new Error(`${key}: a value with all three quote kinds cannot be written to .env`);
}

/** The file's text, or null when there is none. */
export function readEnvText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Writes the file at once (a temporary file beside it, renamed over it): a crash leaves the old
 * file or the new one, never half of one. Mode 0600: it holds tokens.
 */
export function writeEnvFileAtomic(file: string, text: string): void {
  const dir = path.dirname(path.resolve(file));
  const temporary = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = fs.openSync(temporary, 'w', 0o600);
  try {
    fs.writeFileSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.chmodSync(temporary, 0o600);
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  }
}
