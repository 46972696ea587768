import type { RejectedRow } from '../../payments/transaction';

export type NoticeKind =
  | 'unmatched'
  | 'pending'
  | 'refund'
  | 'reversal'
  | 'currency'
  | 'plan-fallback'
  | 'ambiguous'
  | 'closed'
  | 'profile'
  | 'reference'
  | 'source';

/** Something the admin should look at; not a failure. */
export interface ImportNotice {
  kind: NoticeKind;
  transactionId: string | null;
  /** The CSV line, for file imports. */
  line?: number;
  message: string;
}

export interface SourceReport {
  source: string;
  since: string;
  syncedThrough: string;
  fetched: number;
}

/** A full refund or reversal that took a payment's time back. Dates are ISO-8601 UTC strings. */
export interface RefundApplied {
  kind: 'refund' | 'reversal';
  /** The refund's own ID (or the payment's, when the payment itself came back reversed). */
  transactionId: string;
  /** The payment it takes back. */
  paymentTransactionId: string;
  plexId: number;
  title: string;
  /** What this refund gave back, "10.00 USD". */
  amount: string;
  /** The period that no longer counts. */
  takenBack: { startsAt: string; endsAt: string };
  /** Later payments that moved back into the time freed. */
  moved: Array<{ transactionId: string; from: { startsAt: string; endsAt: string }; startsAt: string; endsAt: string }>;
}

/** A refund or reversal of a known payment that did not change its time: partial, or not comparable. */
export interface RefundToReview {
  kind: 'refund' | 'reversal';
  transactionId: string;
  paymentTransactionId: string;
  plexId: number;
  title: string;
  amount: string;
  reason: string;
}

/**
 * What an import did. `imported` counts transactions newly recorded in any form: payments created
 * (`matched`), kept as unmatched, refunds/reversals flagged, pending ones held.
 */
export interface ImportSummary {
  dryRun: boolean;
  imported: number;
  matched: number;
  unmatched: number;
  duplicatesSkipped: number;
  /** Refunds and reversals newly recorded (applied, to review, or of payments not imported). */
  refundsFlagged: number;
  /** Full refunds and reversals: the time they took back. */
  refundsApplied: RefundApplied[];
  /** Partial refunds (and ones that cannot be compared): time unchanged, for the admin to review. */
  refundsToReview: RefundToReview[];
  pending: number;
  /** Rows that are not subscribers' money: memos, conversions, withdrawals, money sent, denied payments. */
  ignored: number;
  /** Rows that cannot be read; when any, nothing was applied. */
  rejected: RejectedRow[];
  notices: ImportNotice[];
  /** API syncs: how far each source got. */
  sources?: SourceReport[];
  durationMs: number;
}

export function emptySummary(dryRun: boolean): ImportSummary {
  return {
    dryRun,
    imported: 0,
    matched: 0,
    unmatched: 0,
    duplicatesSkipped: 0,
    refundsFlagged: 0,
    refundsApplied: [],
    refundsToReview: [],
    pending: 0,
    ignored: 0,
    rejected: [],
    notices: [],
    durationMs: 0,
  };
}
