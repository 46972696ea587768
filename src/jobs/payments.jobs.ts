import type { Config } from '../config/config';
import type { PaymentsImportService } from '../services/payments-import.service';
import type { ImportSummary } from '../services/payments-import/summary';
import type { Job } from './job';

/** Tells the admins what needs their eye after a scheduled import. */
export type AdminNotifier = (text: string) => Promise<void>;

const day = (iso: string) => iso.slice(0, 10);

export function paymentsNeedAttention(s: ImportSummary): string | null {
  const parts = [
    s.unmatched > 0 && `${s.unmatched} unmatched payment(s): assign them with /payments unmatched`,
    s.refundsFlagged > 0 && `${s.refundsFlagged} refund(s) or reversal(s) flagged: see /payments list`,
  ].filter(Boolean);
  const lines: string[] = [];
  if (s.refundsApplied.length > 0) {
    // Said in full: the admin learns who lost which days without opening anything.
    lines.push('Taken back (fully refunded or reversed):');
    for (const r of s.refundsApplied) {
      const moved = r.moved.map((m) => `; ${m.transactionId} moves back to ${day(m.startsAt)} → ${day(m.endsAt)}`).join('');
      lines.push(`- ${r.title} (plex ${r.plexId}) loses ${day(r.takenBack.startsAt)} → ${day(r.takenBack.endsAt)}: ${r.kind} ${r.transactionId} (${r.amount}) of ${r.paymentTransactionId}${moved}`);
    }
  }
  if (s.refundsToReview.length > 0) {
    lines.push('To review (time unchanged):');
    for (const r of s.refundsToReview) lines.push(`- ${r.title} (plex ${r.plexId}): ${r.kind} ${r.transactionId} (${r.amount}) of ${r.paymentTransactionId}, ${r.reason}`);
  }
  if (parts.length === 0 && lines.length === 0) return null;
  return [`**Payments sync**${parts.length ? `: ${parts.join('; ')}.` : ''}`, ...lines].join('\n');
}

/**
 * Hourly fetch of PayPal and Stripe payments, only when their credentials are set. Roles follow
 * new payments at once, and the admins are told about what could not be applied by itself.
 */
export function paymentsJobs(
  payments: PaymentsImportService,
  config: Pick<Config, 'PAYMENTS_SYNC_CRON' | 'CRON_TIMEZONE' | 'PAYPAL_CLIENT_ID' | 'STRIPE_SECRET_KEY'>,
  after: { matched(count: number): Promise<void>; notify: AdminNotifier },
): Job[] {
  if (!config.PAYPAL_CLIENT_ID && !config.STRIPE_SECRET_KEY) return [];
  return [
    {
      name: 'payments-sync',
      schedule: config.PAYMENTS_SYNC_CRON,
      timezone: config.CRON_TIMEZONE,
      setting: 'PAYMENTS_SYNC_CRON',
      run: async () => {
        const summary = await payments.syncApis();
        // Time taken back changes roles as much as time bought.
        await after.matched(summary.matched + summary.refundsApplied.length);
        const attention = paymentsNeedAttention(summary);
        if (attention) await after.notify(attention);
        return summary;
      },
    },
  ];
}
