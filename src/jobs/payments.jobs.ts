import type { App } from '../app';
import type { Config } from '../config/config';
import type { Logger } from '../config/logger';
import type { ImportSummary } from '../services/payments-import/summary';
import type { Job } from './job';

/** Tells the admins what needs their eye after a scheduled import; throws with the reason when it cannot. */
export type AdminNotifier = (text: string) => Promise<void>;

export function paymentsNeedAttention(s: ImportSummary): string | null {
  const parts = [
    s.unmatched > 0 && `${s.unmatched} unmatched payment(s): assign them with /payments unmatched`,
    s.refundsFlagged > 0 && `${s.refundsFlagged} refund(s) or reversal(s) flagged: see /payments list`,
  ].filter(Boolean);
  return parts.length ? `**Payments sync**: ${parts.join('; ')}.` : null;
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
        if (summary.matched > 0 && config.DISCORD_SUBSCRIBER_ROLE_ID) {
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
