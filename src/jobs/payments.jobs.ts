import type { App } from '../app';
import type { Config } from '../config/config';
import type { Logger } from '../config/logger';
import type { ImportSummary } from '../services/payments-import/summary';
import type { Job } from './job';

/** Tells the admins what needs their eye after a scheduled import; throws with the reason when it cannot. */
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
 * Hourly fetch of PayPal and Stripe payments, only when their credentials are set. The admins are
 * told about what could not be applied by itself, then roles follow the new payments.
 */
export function paymentsJobs(
  app: Pick<App, 'payments' | 'lifecycle'>,
  config: Pick<Config, 'PAYMENTS_SYNC_CRON' | 'CRON_TIMEZONE' | 'PAYPAL_CLIENT_ID' | 'STRIPE_SECRET_KEY' | 'DISCORD_SUBSCRIBER_ROLE_ID'>,
  after: { notify: AdminNotifier; logger: Logger },
): Job[] {
  if (!config.PAYPAL_CLIENT_ID && !config.STRIPE_SECRET_KEY) return [];
  const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));
  return [
    {
      name: 'payments-sync',
      schedule: config.PAYMENTS_SYNC_CRON,
      timezone: config.CRON_TIMEZONE,
      setting: 'PAYMENTS_SYNC_CRON',
      run: async () => {
        const summary = await app.payments.syncApis();
        // The alert goes first and on its own: the next sync sees these payments as duplicates and
        // would never mention them again, so neither a failing role sync nor a failing post may lose it.
        const attention = paymentsNeedAttention(summary);
        if (attention) {
          await after.notify(attention).catch((error: unknown) =>
            after.logger.error({ reason: reason(error), alert: attention }, 'payments sync: cannot post the alert to the admin channel'),
          );
        }
        // Time taken back changes roles as much as time bought.
        if (summary.matched + summary.refundsApplied.length > 0 && config.DISCORD_SUBSCRIBER_ROLE_ID) {
          // The payments are saved: a busy or failing role sync is caught up by the hourly roles job.
          await app.lifecycle.syncRoles().catch((error: unknown) =>
            after.logger.warn({ reason: reason(error) }, 'payments sync: roles did not follow the new payments yet (the hourly role sync will)'),
          );
        }
        return summary;
      },
    },
  ];
}
