import { readDate } from './sql';

/**
 * readDate for the rows of one big read, one Date per instant: renewals stack (a payment starts
 * when the one before ends) and the default payments of a sync share their dates, so tens of
 * thousands of payments need far fewer Dates than two each. Safe because nothing in the app
 * changes a Date in place.
 */
export function sharedInstants(): (v: unknown) => Date | null {
  const seen = new Map<number | string, Date>();
  return (v) => {
    if (v === null || v === undefined) return null;
    const key = v instanceof Date ? v.getTime() : String(v);
    let date = seen.get(key);
    if (!date) seen.set(key, (date = readDate(v) as Date));
    return date;
  };
}
