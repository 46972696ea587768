import type { Config } from '../config/config';
import type { LifecycleService } from '../services/lifecycle.service';
import type { Job } from './job';

/**
 * The lifecycle on a schedule: roles every hour (an admin's edit shows within the hour even if
 * the bot missed it), reminders, expiry and removals once a day. Both post a summary to the admin
 * channel when they did something.
 */
export function lifecycleJobs(lifecycle: LifecycleService, config: Pick<Config, 'LIFECYCLE_ROLES_CRON' | 'LIFECYCLE_DAILY_CRON' | 'CRON_TIMEZONE'>): Job[] {
  return [
    {
      name: 'lifecycle-roles',
      schedule: config.LIFECYCLE_ROLES_CRON,
      timezone: config.CRON_TIMEZONE,
      setting: 'LIFECYCLE_ROLES_CRON',
      run: () => lifecycle.syncRoles({ report: 'roles' }),
    },
    {
      name: 'lifecycle-daily',
      schedule: config.LIFECYCLE_DAILY_CRON,
      timezone: config.CRON_TIMEZONE,
      setting: 'LIFECYCLE_DAILY_CRON',
      run: () => lifecycle.run({ report: 'daily' }),
    },
  ];
}
