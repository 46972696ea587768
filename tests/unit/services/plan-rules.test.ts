import { addDuration, formatDuration, parseDuration, parsePrice } from '../../../src/services/plan-rules';

const utc = (s: string) => new Date(s);

describe('addDuration', () => {
  it('adds days as 24-hour days', () => {
    expect(addDuration(utc('2026-01-30T10:00:00Z'), { value: 30, unit: 'day' }).toISOString()).toBe('2026-03-01T10:00:00.000Z');
  });

  it('adds calendar months, keeping the day and time', () => {
    expect(addDuration(utc('2026-03-15T08:30:00.250Z'), { value: 1, unit: 'month' }).toISOString()).toBe('2026-04-15T08:30:00.250Z');
  });

  it("clamps to the end of a shorter month (Jan 31 + 1 month)", () => {
    expect(addDuration(utc('2026-01-31T12:00:00Z'), { value: 1, unit: 'month' }).toISOString()).toBe('2026-02-28T12:00:00.000Z');
    expect(addDuration(utc('2028-01-31T12:00:00Z'), { value: 1, unit: 'month' }).toISOString()).toBe('2028-02-29T12:00:00.000Z');
  });

  it('crosses year ends', () => {
    expect(addDuration(utc('2026-11-30T00:00:00Z'), { value: 3, unit: 'month' }).toISOString()).toBe('2027-02-28T00:00:00.000Z');
    expect(addDuration(utc('2026-12-31T00:00:00Z'), { value: 12, unit: 'month' }).toISOString()).toBe('2027-12-31T00:00:00.000Z');
  });
});

describe('parseDuration', () => {
  it.each([
    ['30d', { value: 30, unit: 'day' }],
    ['1m', { value: 1, unit: 'month' }],
    ['12M', { value: 12, unit: 'month' }],
    ['7 days', { value: 7, unit: 'day' }],
    ['1 month', { value: 1, unit: 'month' }],
  ])('reads %s', (text, expected) => {
    expect(parseDuration(text)).toEqual(expected);
  });

  it.each(['', '0d', '-1m', '1y', 'month', '1.5m'])('refuses %j, naming it', (text) => {
    expect(() => parseDuration(text)).toThrow(`duration "${text}" is not valid`);
  });

  it('formats', () => {
    expect(formatDuration({ value: 1, unit: 'month' })).toBe('1 month');
    expect(formatDuration({ value: 30, unit: 'day' })).toBe('30 days');
  });
});

describe('parsePrice', () => {
  it.each([
    ['10', 1000],
    ['10.5', 1050],
    ['10.00', 1000],
    ['0.99', 99],
    ['15,50', 1550],
  ])('reads %s as %d cents', (text, cents) => {
    expect(parsePrice(text)).toBe(cents);
  });

  it.each(['', 'ten', '10.001', '-5', '1,000.00'])('refuses %j', (text) => {
    expect(() => parsePrice(text)).toThrow(`price "${text}" is not valid`);
  });
});
