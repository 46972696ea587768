import { readDate, sqliteDatetime } from '../../../src/repositories/sql';

/** TypeORM's SQLite datetime text, as the formatter must keep writing it (UTC, milliseconds). */
const reference = (d: Date) => `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 23)}`;

describe('sqliteDatetime', () => {
  it('writes what TypeORM writes, for dates across the calendar, and reads back the same instant', () => {
    const seeds = [0, 1, 999, 951_782_400_000 /* 2000-02-29 */, 1_700_000_000_123, 4_102_444_799_999 /* 2099-12-31 23:59:59.999 */];
    const step = 7_919_113_337; // ~92 days and a bit: walks through months, days, hours and milliseconds
    const dates = [...seeds, ...Array.from({ length: 500 }, (_, i) => 946_684_800_000 + i * step)].map((ms) => new Date(ms));
    for (const d of dates) {
      expect(sqliteDatetime(d)).toBe(reference(d));
      expect(readDate(sqliteDatetime(d))?.getTime()).toBe(d.getTime());
    }
  });

  it('keeps four-digit years only on the fast path: other years are written as toISOString() does', () => {
    const far = new Date(Date.UTC(12000, 0, 1));
    expect(sqliteDatetime(far)).toBe(reference(far));
    const early = new Date(Date.UTC(999, 5, 1, 12));
    expect(sqliteDatetime(early)).toBe(reference(early));
  });
});
