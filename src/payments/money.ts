/**
 * Amounts as PayPal writes them, in either convention: US `1,560.00` and EU `1.560,00`
 * (also `1 560,00` and `1'560.00`). Answers signed hundredths, or null when the text is not
 * an amount. A lone separator followed by exactly three digits is a thousands separator
 * (`1,560` JPY), by one or two digits a decimal one.
 */
export function parseAmount(text: string): number | null {
  let s = text.trim().replace(/[\s\u00a0\u202f']/g, '');
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (!/^\d[\d.,]*$/.test(s) || /[.,]$/.test(s)) return null;
  const lastDot = s.lastIndexOf('.');
  const lastComma = s.lastIndexOf(',');
  let integer: string;
  let fraction = '';
  if (lastDot >= 0 && lastComma >= 0) {
    const decimal = lastDot > lastComma ? '.' : ',';
    const thousands = decimal === '.' ? ',' : '.';
    const at = s.lastIndexOf(decimal);
    integer = s.slice(0, at);
    fraction = s.slice(at + 1);
    if (integer.includes(decimal) || !isGrouped(integer, thousands)) return null;
    integer = integer.split(thousands).join('');
  } else if (lastDot >= 0 || lastComma >= 0) {
    const sep = lastDot >= 0 ? '.' : ',';
    const parts = s.split(sep);
    if (parts.length === 2 && parts[1]!.length <= 2) {
      integer = parts[0]!;
      fraction = parts[1]!;
    } else {
      if (!isGrouped(s, sep)) return null;
      integer = parts.join('');
    }
  } else {
    integer = s;
  }
  if (fraction.length > 2 || !/^\d*$/.test(fraction) || !/^\d+$/.test(integer)) return null;
  const cents = Number(integer) * 100 + Number(fraction.padEnd(2, '0'));
  return Number.isSafeInteger(cents) ? sign * cents : null;
}

/** `1,560,000`: a first group of 1 to 3 digits, then groups of exactly 3. */
function isGrouped(text: string, sep: string): boolean {
  const groups = text.split(sep);
  return /^\d{1,3}$/.test(groups[0]!) && groups.slice(1).every((g) => /^\d{3}$/.test(g));
}

/** The ISO 4217 codes of current currencies, as the runtime's ICU data knows them. */
const ISO_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

/** True for an ISO 4217 code (USD, EUR, JPY), false for a typo like UDS. */
export function isIsoCurrency(code: string): boolean {
  return ISO_CURRENCIES.has(code);
}

/** Currencies Stripe counts in whole units (no minor unit): its amount 1560 JPY is ¥1,560. */
const ZERO_DECIMAL = new Set(['BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF']);
/** Currencies Stripe counts in thousandths. */
const THREE_DECIMAL = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);

/** A provider's amount in the currency's minor unit → our hundredths. */
export function minorUnitsToCents(amount: number, currency: string): number {
  const code = currency.toUpperCase();
  if (ZERO_DECIMAL.has(code)) return amount * 100;
  if (THREE_DECIMAL.has(code)) return Math.round(amount / 10);
  return amount;
}

/** Our hundredths → the provider's minor unit (the inverse of minorUnitsToCents). */
export function centsToMinorUnits(cents: number, currency: string): number {
  const code = currency.toUpperCase();
  if (ZERO_DECIMAL.has(code)) return Math.round(cents / 100);
  if (THREE_DECIMAL.has(code)) return cents * 10;
  return cents;
}

/** PayPal API amounts: a decimal string like "-1560.00". */
export function decimalToCents(value: string): number | null {
  const m = /^\s*([-+]?)(\d+)(?:\.(\d{1,3}))?\s*$/.exec(value);
  if (!m) return null;
  const fraction = (m[3] ?? '').padEnd(3, '0');
  const cents = Number(m[2]) * 100 + Math.round(Number(fraction) / 10);
  return m[1] === '-' ? -cents : cents;
}

export function formatCents(cents: number, currency: string): string {
  return `${(cents / 100).toFixed(2)} ${currency}`;
}
