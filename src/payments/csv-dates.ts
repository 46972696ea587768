import { CsvFormatError } from './errors';

/** How the slash dates of a PayPal export are ordered; it follows the account's country, not the header. */
export type DateFormat = 'MDY' | 'DMY';

export interface DateSample {
  line: number;
  text: string;
}

const SLASH = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
const DOTS = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * The format of the file's slash dates: the admin's choice, or what impossible values prove
 * (a first number above 12 can only be a day). Never a silent guess: when every date reads both
 * ways, or the dates contradict each other, the import stops and asks for --date-format.
 * Answers null when the file has no slash dates (DD.MM.YYYY and ISO dates need no choice).
 */
export function detectDateFormat(samples: DateSample[], given?: DateFormat): DateFormat | null {
  const detector = new DateFormatDetector(given);
  for (const sample of samples) detector.add(sample);
  return detector.conclude();
}

/**
 * detectDateFormat one sample at a time, for a file read as a stream: `decided` answers the format
 * as soon as the samples so far prove it (only a later contradiction, which `conclude` reports,
 * could change that), and `conclude` answers what detectDateFormat answers for all of them.
 */
export class DateFormatDetector {
  private dayFirst: DateSample | null = null;
  private monthFirst: DateSample | null = null;
  private firstSlash: DateSample | null = null;

  constructor(private readonly given?: DateFormat) {}

  add(sample: DateSample): void {
    if (this.given || (this.dayFirst && this.monthFirst)) return;
    const m = SLASH.exec(sample.text.trim());
    if (!m) return;
    this.firstSlash ??= sample;
    const a = Number(m[1]);
    const b = Number(m[2]);
    if (a > 12 && b <= 12) this.dayFirst ??= sample;
    if (b > 12 && a <= 12) this.monthFirst ??= sample;
  }

  /** The format the samples so far prove (or the admin's), undefined while it is open. */
  get decided(): DateFormat | undefined {
    if (this.given) return this.given;
    if (this.dayFirst && !this.monthFirst) return 'DMY';
    if (this.monthFirst && !this.dayFirst) return 'MDY';
    return undefined;
  }

  /** After the last sample: the format, null without slash dates; throws when it cannot be told. */
  conclude(): DateFormat | null {
    if (this.given) return this.given;
    if (!this.firstSlash) return null;
    const { dayFirst, monthFirst } = this;
    if (dayFirst && monthFirst) {
      throw new CsvFormatError(
        `the dates contradict each other: "${dayFirst.text}" (line ${dayFirst.line}) can only be DD/MM/YYYY but "${monthFirst.text}" ` +
          `(line ${monthFirst.line}) only M/D/YYYY. Check the file; nothing was imported.`,
      );
    }
    if (dayFirst) return 'DMY';
    if (monthFirst) return 'MDY';
    throw new CsvFormatError(
      `cannot tell whether the dates are M/D/YYYY (US accounts) or DD/MM/YYYY (UK/EU accounts): every date reads both ways ` +
        `(e.g. "${this.firstSlash.text}"). Import it again choosing the date format (MDY for month first, DMY for day first: --date-format in the CLI, date-format in /payments import). Nothing was imported.`,
    );
  }
}

export interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

/** One date cell in the file's format; a reason when it is not a date. */
export function parseCsvDate(text: string, format: DateFormat | null): CalendarDate | string {
  const t = text.trim();
  let date: CalendarDate | null = null;
  let m = SLASH.exec(t);
  if (m) {
    const [a, b] = [Number(m[1]), Number(m[2])];
    // Without a format the file had no slash dates to detect from: this cannot happen.
    date = format === 'DMY' ? { day: a, month: b, year: Number(m[3]) } : { month: a, day: b, year: Number(m[3]) };
  } else if ((m = DOTS.exec(t))) {
    // DD.MM.YYYY (German exports); an explicit MDY choice is honoured.
    const [a, b] = [Number(m[1]), Number(m[2])];
    date = format === 'MDY' ? { month: a, day: b, year: Number(m[3]) } : { day: a, month: b, year: Number(m[3]) };
  } else if ((m = ISO.exec(t))) {
    date = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  }
  const expected = format === 'DMY' ? 'DD/MM/YYYY' : format === 'MDY' ? 'M/D/YYYY' : 'a date';
  if (!date) return `date "${text}" is not ${expected}`;
  const probe = new Date(Date.UTC(date.year, date.month - 1, date.day));
  if (date.month < 1 || date.month > 12 || probe.getUTCDate() !== date.day || probe.getUTCMonth() !== date.month - 1) {
    return `date "${text}" does not exist as ${expected}`;
  }
  return date;
}

export interface ClockTime {
  hour: number;
  minute: number;
  second: number;
}

/** "14:07:02", "9:05", "2:07:02 PM". */
export function parseCsvTime(text: string): ClockTime | string {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?$/.exec(text.trim());
  if (!m) return `time "${text}" is not HH:MM:SS`;
  let hour = Number(m[1]);
  const minute = Number(m[2]);
  const second = Number(m[3] ?? 0);
  if (m[4]) {
    if (hour < 1 || hour > 12) return `time "${text}" is not a valid 12-hour time`;
    hour = (hour % 12) + (m[4].toUpperCase() === 'PM' ? 12 : 0);
  }
  if (hour > 23 || minute > 59 || second > 59) return `time "${text}" does not exist`;
  return { hour, minute, second };
}

/** The abbreviations PayPal writes in Time Zone, as minutes east of UTC. IST and other ambiguous ones are left out on purpose. */
const ABBREVIATIONS: Record<string, number> = {
  UTC: 0, GMT: 0, Z: 0, WET: 0, WEST: 60, BST: 60,
  CET: 60, CEST: 120, MET: 60, MEST: 120, EET: 120, EEST: 180, MSK: 180,
  HST: -600, AKST: -540, AKDT: -480, PST: -480, PDT: -420, MST: -420, MDT: -360,
  CST: -360, CDT: -300, EST: -300, EDT: -240, AST: -240, ADT: -180, NST: -210, NDT: -150,
  BRT: -180, ART: -180, JST: 540, KST: 540, HKT: 480, SGT: 480, AWST: 480,
  ACST: 570, ACDT: 630, AEST: 600, AEDT: 660, NZST: 720, NZDT: 780,
};

const zoneFormatters = new Map<string, Intl.DateTimeFormat | null>();

function ianaFormatter(zone: string): Intl.DateTimeFormat | null {
  if (!zoneFormatters.has(zone)) {
    let formatter: Intl.DateTimeFormat | null = null;
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
      });
    } catch {
      formatter = null;
    }
    zoneFormatters.set(zone, formatter);
  }
  return zoneFormatters.get(zone)!;
}

/** The offset of an IANA zone at an instant, in minutes east of UTC. */
function ianaOffset(formatter: Intl.DateTimeFormat, instant: number): number {
  const parts: Record<string, number> = {};
  for (const p of formatter.formatToParts(new Date(instant))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const asUtc = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return Math.round((asUtc - Math.floor(instant / 1000) * 1000) / 60_000);
}

/**
 * The offset, in minutes east of UTC, of a Time Zone cell that names one offset whatever the date:
 * no zone (UTC), an abbreviation (PST, CEST) or an offset (GMT+01:00, UTC-8, +0100). Null for
 * anything else (an IANA name, whose offset depends on the date, or an unknown zone).
 */
export function fixedOffset(zone: string | undefined): number | null {
  const z = (zone ?? '').trim();
  if (z === '') return 0;
  const abbreviation = ABBREVIATIONS[z.toUpperCase()];
  if (abbreviation !== undefined) return abbreviation;
  const offset = /^(?:GMT|UTC)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(z);
  if (offset) {
    const minutes = (Number(offset[2]) * 60 + Number(offset[3] ?? 0)) * (offset[1] === '-' ? -1 : 1);
    if (Math.abs(minutes) <= 14 * 60) return minutes;
  }
  return null;
}

/**
 * The instant of a local date and time in PayPal's Time Zone cell: an abbreviation (PST, CEST),
 * an offset (GMT+01:00, UTC-8, +0100) or an IANA name (Europe/Berlin). A file without the
 * column is read as UTC. Answers a reason when the zone is unknown.
 */
export function toInstant(date: CalendarDate, time: ClockTime, zone: string | undefined): Date | string {
  const local = Date.UTC(date.year, date.month - 1, date.day, time.hour, time.minute, time.second);
  const fixed = fixedOffset(zone);
  if (fixed !== null) return new Date(local - fixed * 60_000);
  const z = (zone ?? '').trim();
  const formatter = z.includes('/') ? ianaFormatter(z) : null;
  if (!formatter) return `time zone "${zone}" is not known: use an abbreviation such as PST or CET, an offset such as GMT+01:00, or a name such as Europe/Berlin`;
  // The offset at the local time read as UTC, then corrected once for a DST change in between.
  let instant = local - ianaOffset(formatter, local) * 60_000;
  instant = local - ianaOffset(formatter, instant) * 60_000;
  return new Date(instant);
}
