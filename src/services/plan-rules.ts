import type { DurationUnit } from '../../entities';
import { DomainError } from './errors';

export interface Duration {
  value: number;
  unit: DurationUnit;
}

/** "30d", "1m", "12m" (also "30 days", "1 month"). */
export function parseDuration(text: string): Duration {
  const m = /^\s*(\d{1,4})\s*(d|days?|m|months?)\s*$/i.exec(text);
  const value = m ? Number(m[1]) : NaN;
  if (!m || value < 1) throw new DomainError(`duration "${text}" is not valid: use a number of days or months, like 30d or 1m`);
  return { value, unit: m[2]!.toLowerCase().startsWith('d') ? 'day' : 'month' };
}

export function formatDuration(d: Duration): string {
  return `${d.value} ${d.unit}${d.value === 1 ? '' : 's'}`;
}

/** "10", "10.5", "10.00" → cents. */
export function parsePrice(text: string): number {
  const m = /^\s*(\d{1,7})(?:[.,](\d{1,2}))?\s*$/.exec(text);
  if (!m) throw new DomainError(`price "${text}" is not valid: use an amount like 10.00`);
  return Number(m[1]) * 100 + Number((m[2] ?? '0').padEnd(2, '0'));
}

export function formatPrice(cents: number, currency: string): string {
  return `${(cents / 100).toFixed(2)} ${currency}`;
}

/**
 * The end of a period that starts at `start`. Months are calendar months, clamped to the end of
 * a shorter month (Jan 31 + 1 month = Feb 28/29); days are 24-hour days. All in UTC.
 */
export function addDuration(start: Date, duration: Duration): Date {
  if (duration.unit === 'day') return new Date(start.getTime() + duration.value * 86_400_000);
  const year = start.getUTCFullYear();
  const month = start.getUTCMonth() + duration.value;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(start.getUTCDate(), lastDay);
  return new Date(
    Date.UTC(year, month, day, start.getUTCHours(), start.getUTCMinutes(), start.getUTCSeconds(), start.getUTCMilliseconds()),
  );
}
