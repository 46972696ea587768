import { readDate, sqliteDatetime } from '../../../src/repositories/sql';

describe('readDate', () => {
  it('reads SQLite datetimes back to the same instant, across month, year and leap-day edges', () => {
    const instants = ['2028-02-29T23:59:59.999Z', '2026-12-31T23:59:59.999Z', '2027-01-01T00:00:00.000Z', '1999-03-01T07:08:09.010Z', '2026-11-25T12:00:00.123Z'];
    for (const iso of instants) expect(readDate(sqliteDatetime(new Date(iso)))!.toISOString()).toBe(iso);
  });

  it('still reads the other shapes: ISO text, a Date, null', () => {
    expect(readDate('2026-11-25T12:00:00.000Z')!.toISOString()).toBe('2026-11-25T12:00:00.000Z');
    expect(readDate('2026-11-25 12:00:00')!.toISOString()).toBe('2026-11-25T12:00:00.000Z');
    const d = new Date();
    expect(readDate(d)).toBe(d);
    expect(readDate(null)).toBeNull();
  });
});
