import cron from 'node-cron';
import { ConfigError } from '../config/config';
import type { Logger } from '../config/logger';
import { DomainError } from '../services/errors';
import { LifecycleBusyError } from '../services/lifecycle.service';
import type { Job } from './job';

/**
 * Starts every job on its schedule (node-cron 4) and answers a function that stops them all.
 * A run never overlaps the previous run of the same job; a failure is logged and the schedule
 * goes on. Expressions are checked first, so a typo stops the start with the variable's name.
 */
export function startScheduler(jobs: Job[], logger: Logger): () => Promise<void> {
  for (const job of jobs) {
    if (!cron.validate(job.schedule)) {
      throw new ConfigError(`${job.setting ?? job.name}: "${job.schedule}" is not a cron expression (like "0 * * * *" for every hour)`);
    }
  }
  const tasks = jobs.map((job) =>
    cron.schedule(job.schedule, () => runJob(job, logger), {
      name: job.name,
      timezone: job.timezone ?? 'UTC',
      noOverlap: true,
    }),
  );
  for (const job of jobs) logger.info({ job: job.name, schedule: job.schedule, timezone: job.timezone ?? 'UTC' }, 'scheduler: job scheduled');
  return async () => {
    for (const task of tasks) await task.destroy();
  };
}

/** Runs one job and never throws: the scheduler must outlive any one run. */
export async function runJob(job: Job, logger: Logger): Promise<void> {
  const started = Date.now();
  try {
    await job.run();
    logger.info({ job: job.name, ms: Date.now() - started }, 'scheduler: job done');
  } catch (error) {
    if (error instanceof LifecycleBusyError) {
      logger.info({ job: job.name, reason: error.message }, 'scheduler: job skipped');
      return;
    }
    const reason = error instanceof ConfigError || error instanceof DomainError ? error.message : error instanceof Error ? error.message : String(error);
    logger.error({ job: job.name, reason }, 'scheduler: job failed');
  }
}
