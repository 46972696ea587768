import dotenv from 'dotenv';
import { COMMANDS } from '../commands';
import { createApp } from './app';
import { loadConfig, requireDiscord } from './config/config';
import { createLogger } from './config/logger';
import { startBot } from './discord/bot';
import { adminChannelNotifier } from './discord/replies';
import { lifecycleJobs } from './jobs/lifecycle.jobs';
import { paymentsJobs } from './jobs/payments.jobs';
import { startScheduler, STOP_GRACE_MS } from './jobs/scheduler';
import { describeFailure } from './cli';

/** npm start: migrate, log in, register the commands, and serve until stopped. */
async function main(): Promise<void> {
  dotenv.config({ quiet: true });
  const config = loadConfig();
  const discord = requireDiscord(config);
  const logger = createLogger(config.LOG_LEVEL);
  // Signals are taken from the first moment: one that arrives while the bot is still starting (the
  // health check may already answer) stops it as soon as it has started, instead of killing it mid-way.
  let stop: (() => Promise<void>) | null = null;
  let stopRequested = false;
  const onSignal = (): void => {
    if (stop) return void stop();
    if (stopRequested) process.exit(1);
    stopRequested = true;
    logger.info('stop requested while starting: stopping once started');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const app = await createApp(config, { logger });
  let bot;
  try {
    bot = await startBot(app, config, logger, COMMANDS, discord);
  } catch (error) {
    await app.close();
    throw error;
  }
  const jobs = [
    ...(config.DISCORD_SUBSCRIBER_ROLE_ID ? lifecycleJobs(app.lifecycle, config) : []),
    ...paymentsJobs(app, config, { notify: adminChannelNotifier(bot.client, config.DISCORD_ADMIN_CHANNEL_ID, logger), logger }),
  ];
  const stopJobs = startScheduler(jobs, logger);
  if (!config.DISCORD_SUBSCRIBER_ROLE_ID) logger.warn('DISCORD_SUBSCRIBER_ROLE_ID is not set: roles, reminders and expiry are not scheduled');
  // Stop taking new work (no scheduled run starts, interactions are answered "restarting"), let the
  // running job finish (bounded), then go: a job cut short leaves its outbox entries for the next start.
  let stopping = false;
  stop = async () => {
    if (stopping) {
      // A second signal: the operator does not want to wait.
      logger.warn('second stop signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info('stopping');
    bot.drain();
    await stopJobs(STOP_GRACE_MS);
    await bot.stop();
    await app.close();
    logger.info('stopped');
    process.exit(0);
  };
  if (stopRequested) void stop();
}

main().catch((error: unknown) => {
  const { message } = describeFailure(error);
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
});
