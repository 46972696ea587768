import { detectDateFormat, parseCsvDate, parseCsvTime, toInstant } from '../../../src/payments/csv-dates';
import { CsvFormatError } from '../../../src/payments/errors';

const samples = (...texts: string[]) => texts.map((text, i) => ({ line: i + 2, text }));

describe('date format detection', () => {
  it('takes the admin\'s choice as it is', () => {
    expect(detectDateFormat(samples('03/04/2026'), 'DMY')).toBe('DMY');
    expect(detectDateFormat(samples('13/04/2026'), 'MDY')).toBe('MDY');
  });

  it('proves the format from impossible values', () => {
    expect(detectDateFormat(samples('03/04/2026', '25/12/2026'))).toBe('DMY');
    expect(detectDateFormat(samples('3/4/2026', '12/25/2026'))).toBe('MDY');
  });

  it('never guesses: every date reading both ways is an error asking for --date-format', () => {
    expect(() => detectDateFormat(samples('03/04/2026', '05/06/2026'))).toThrow(CsvFormatError);
    expect(() => detectDateFormat(samples('03/04/2026'))).toThrow(/--date-format in the CLI, date-format in \/payments import/);
  });

  it('refuses dates that contradict each other, naming their lines', () => {
    expect(() => detectDateFormat(samples('25/12/2026', '12/25/2026'))).toThrow(/line 2.*line 3/);
  });

  it('needs no choice without slash dates', () => {
    expect(detectDateFormat(samples('24.12.2026', '2026-12-24'))).toBeNull();
  });
});

describe('dates, times and time zones', () => {
  it('reads each format and refuses dates that do not exist', () => {
    expect(parseCsvDate('1/31/2026', 'MDY')).toEqual({ year: 2026, month: 1, day: 31 });
    expect(parseCsvDate('31/01/2026', 'DMY')).toEqual({ year: 2026, month: 1, day: 31 });
    expect(parseCsvDate('31.01.2026', null)).toEqual({ year: 2026, month: 1, day: 31 });
    expect(parseCsvDate('2026-01-31', null)).toEqual({ year: 2026, month: 1, day: 31 });
    expect(parseCsvDate('2/30/2026', 'MDY')).toMatch(/does not exist/);
    expect(parseCsvDate('31/01/26', 'DMY')).toMatch(/is not DD\/MM\/YYYY/);
  });

  it('reads 24-hour and 12-hour times', () => {
    expect(parseCsvTime('14:07:02')).toEqual({ hour: 14, minute: 7, second: 2 });
    expect(parseCsvTime('2:07:02 PM')).toEqual({ hour: 14, minute: 7, second: 2 });
    expect(parseCsvTime('12:00:00 AM')).toEqual({ hour: 0, minute: 0, second: 0 });
    expect(parseCsvTime('25:00:00')).toMatch(/does not exist/);
  });

  it('turns local times into instants by abbreviation, offset or IANA name', () => {
    const d = { year: 2026, month: 7, day: 1 };
    const t = { hour: 12, minute: 0, second: 0 };
    expect((toInstant(d, t, 'PDT') as Date).toISOString()).toBe('2026-07-01T19:00:00.000Z');
    expect((toInstant(d, t, 'CEST') as Date).toISOString()).toBe('2026-07-01T10:00:00.000Z');
    expect((toInstant(d, t, 'GMT+01:00') as Date).toISOString()).toBe('2026-07-01T11:00:00.000Z');
    expect((toInstant(d, t, 'Europe/Berlin') as Date).toISOString()).toBe('2026-07-01T10:00:00.000Z');
    expect((toInstant({ year: 2026, month: 1, day: 1 }, t, 'America/Los_Angeles') as Date).toISOString()).toBe('2026-01-01T20:00:00.000Z');
    expect((toInstant(d, t, undefined) as Date).toISOString()).toBe('2026-07-01T12:00:00.000Z');
    expect(toInstant(d, t, 'IST')).toMatch(/time zone "IST" is not known/);
  });
});
