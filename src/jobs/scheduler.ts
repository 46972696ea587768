import cron from 'node-cron';
import { ConfigError } from '../config/config';
import type { Logger } from '../config/logger';
import { DomainError } from '../services/errors';
import { LifecycleBusyError } from '../services/lifecycle.service';
import type { Job } from './job';

/** How long a stop waits for the running jobs by default: a DM half sent is worth finishing. */
export const STOP_GRACE_MS = 20_000;

/**
 * Starts every job on its schedule (node-cron 4) and answers a function that stops them all:
 * no run starts after it is called, and it resolves once the runs in progress have finished (or
 * after `graceMs`, for a run that hangs). A run never overlaps the previous run of the same job;
 * a failure is logged and the schedule goes on. Expressions are checked first, so a typo stops
 * the start with the variable's name.
 */
export function startScheduler(jobs: Job[], logger: Logger): (graceMs?: number) => Promise<void> {
  for (const job of jobs) {
    if (!cron.validate(job.schedule)) {
      throw new ConfigError(`${job.setting ?? job.name}: "${job.schedule}" is not a cron expression (like "0 * * * *" for every hour)`);
    }
  }
  const running = new Set<Promise<void>>();
  let stopping = false;
  const start = (job: Job): Promise<void> => {
    if (stopping) return Promise.resolve();
    const run = runJob(job, logger).finally(() => running.delete(run));
    running.add(run);
    return run;
  };
  const tasks = jobs.map((job) =>
    cron.schedule(job.schedule, () => start(job), {
      name: job.name,
      timezone: job.timezone ?? 'UTC',
      noOverlap: true,
    }),
  );
  for (const job of jobs) logger.info({ job: job.name, schedule: job.schedule, timezone: job.timezone ?? 'UTC' }, 'scheduler: job scheduled');
  return async (graceMs = STOP_GRACE_MS) => {
    stopping = true;
    for (const task of tasks) await task.destroy();
    if (running.size === 0) return;
    logger.info({ jobs: running.size, graceMs }, 'scheduler: waiting for the running jobs to finish');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), graceMs)));
    const outcome = await Promise.race([Promise.allSettled([...running]).then(() => 'done' as const), timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') logger.warn({ jobs: running.size }, 'scheduler: jobs still running at the stop: what they left unsent is retried by the next run');
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
