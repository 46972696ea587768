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
  refundsFlagged: number;
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
    pending: 0,
    ignored: 0,
    rejected: [],
    notices: [],
    durationMs: 0,
  };
}
