import { decimalToCents, minorUnitsToCents, parseAmount } from '../../../src/payments/money';

describe('parseAmount (PayPal CSV amounts)', () => {
  it.each([
    ['10.00', 1000],
    ['-10.00', -1000],
    ['1,560.00', 156000],
    ['-1,560.00', -156000],
    ['1.560,00', 156000],
    ['-1.560,00', -156000],
    ['9,00', 900],
    ['-0,61', -61],
    ['1 560,00', 156000],
    ['1\u00a0560,00', 156000],
    ["1'560.00", 156000],
    ['1,234,567.89', 123456789],
    ['1.234.567,89', 123456789],
    ['1,560', 156000], // JPY: a lone separator before three digits groups thousands
    ['1.560', 156000],
    ['10.5', 1050],
    ['0.00', 0],
    ['25', 2500],
  ])('%s → %d', (text, cents) => {
    expect(parseAmount(text)).toBe(cents);
  });

  it.each(['', 'ten dollars', '1,56,0.00', '10.00.00', '1.560,00,00', '12,3456', '10.', '--5', '1,5600'])('refuses %j', (text) => {
    expect(parseAmount(text)).toBeNull();
  });
});

describe('provider amounts', () => {
  it('reads the API decimal strings', () => {
    expect(decimalToCents('10.00')).toBe(1000);
    expect(decimalToCents('-1560.00')).toBe(-156000);
    expect(decimalToCents('7')).toBe(700);
    expect(decimalToCents('abc')).toBeNull();
  });

  it('turns Stripe minor units into hundredths, zero-decimal currencies included', () => {
    expect(minorUnitsToCents(1000, 'usd')).toBe(1000);
    expect(minorUnitsToCents(1560, 'jpy')).toBe(156000);
    expect(minorUnitsToCents(10500, 'kwd')).toBe(1050);
  });
});
