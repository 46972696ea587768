import type { ImportedTransaction } from './transaction';

/** What one fetch from a payment provider's API brought back. */
export interface SourceFetch {
  transactions: ImportedTransaction[];
  /** Provider records that are not subscribers' money (conversions, fees, payouts…). */
  ignored: number;
  /** Everything before this instant has been fetched: where the next sync starts. */
  syncedThrough: Date;
  /** Things the admin should know that are not failures ("PayPal has data up to …"). */
  notes: string[];
}

/** A provider API the sync reads from (an interface, so a test or another provider can stand in). */
export interface TransactionSource {
  /** Also the key of its cursor in import_cursors. */
  readonly name: 'paypal-api' | 'stripe';
  fetch(since: Date, until: Date): Promise<SourceFetch>;
}
