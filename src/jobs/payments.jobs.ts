import type { Config } from '../config/config';
import type { PaymentsImportService } from '../services/payments-import.service';
import type { ImportSummary } from '../services/payments-import/summary';
import type { Job } from './job';

/** Tells the admins what needs their eye after a scheduled import. */
export type AdminNotifier = (text: string) => Promise<void>;

export function paymentsNeedAttention(s: ImportSummary): string | null {
  const parts = [
    s.unmatched > 0 && `${s.unmatched} unmatched payment(s): assign them with /payments unmatched`,
    s.refundsFlagged > 0 && `${s.refundsFlagged} refund(s) or reversal(s) flagged: see /payments list`,
  ].filter(Boolean);
  return parts.length ? `**Payments sync**: ${parts.join('; ')}.` : null;
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
        await after.matched(summary.matched);
        const attention = paymentsNeedAttention(summary);
        if (attention) await after.notify(attention);
        return summary;
      },
    },
  ];
}
