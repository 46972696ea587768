#!/usr/bin/env node
import { parseArgs } from 'node:util';
import dotenv from 'dotenv';
import { createApp, type App } from '../app';
import { progressBar, UsageError, type CliArea, type Values } from './common';
import { invitesArea } from './invites';
import { lifecycleArea } from './lifecycle';
import { paymentsArea } from './payments';
import { plansArea } from './plans';
import { serversArea } from './servers';
import { statusArea } from './status';
import { syncArea } from './sync';
import { sharedServersArea, usersArea } from './users';
import { statsArea } from './stats';
import type * as SetupCli from './setup';
import { ConfigError, loadConfig } from '../config/config';
import { openDatabase } from '../database/data-source';
import { PlexError } from '../plex/errors';
import { PaymentSourceError } from '../payments/errors';
import { DomainError } from '../services/errors';
import type { SetupMissingValuesError } from '../services/setup.service';

const USAGE = `Usage: streams-manager <command>

  migrate                                   apply database migrations
  sync users [--dry-run] [--json]           import/update users from plex.tv
  sync shared-servers [--json]              record who shares which server
  users list [--json]
  users edit-profile <plexId> [--paypal-email E] [--discord-id ID] [--discord-username U] [--json]
  users edit-payment <plexId> [--plan P] [--starts YYYY-MM-DD] [--ends YYYY-MM-DD] [--subscription-id ID] [--json]
  users set-class <plexId> standard|permanent [--json]
                                            the same checks as the bot's forms; options not given
                                            keep their value, "" clears one; roles follow when
                                            Discord is configured
  shared-servers list [--json]
  plans create --name N --duration 30d|1m --price 10.00 [--currency USD] [--default]
  plans list [--json]
  plans set-access <plan> --server <machineIdentifier> (--all | --libraries "Movies,TV Shows" | --none) [--json]
                                            what the plan shares on that server (repeat per server;
                                            --none stops sharing it); titles are checked on plex.tv
  plans set-renew <plan> --server <machineIdentifier> --libraries "How to renew" [--days N] [--json]
  plans set-renew <plan> [--server <machineIdentifier>] --none [--json]
                                            staged expiry: after the grace days an expired user keeps
                                            only these libraries for N days, then is removed; --none
                                            drops a server (or, without --server, the whole stage)
  plans set-default <name>
  plans set-pay <plan> [--url TEMPLATE] [--stripe-price price_…] [--none] [--json]
                                            pay buttons: a link ({plexId} {amount} {currency} {email}
                                            are filled in), and/or a Stripe price for card
                                            subscriptions (card needs STRIPE_SECRET_KEY); --none clears
  servers list [--json]
  servers set <machineIdentifier> [--import-as standard|permanent] [--enabled true|false]
  lifecycle run [--dry-run] [--at <ISO date>] [--json]
                                            roles, reminders, expiry notices, removal from Plex
                                            (--at: preview on that date, only with --dry-run)
  expiring [--days N] [--json]              access ending within N days (default 7), due for removal
  payments import <file.csv> [--date-format MDY|DMY] [--dry-run] [--json]
                                            import a PayPal activity download (CSV)
  payments sync [--since <date>] [--json]   import from the PayPal and Stripe APIs
  payments unmatched [--json]               payments no user matched, and pending ones
  payments assign <unmatchedId> <plexId> [--remember]
                                            give an unmatched payment to a user (--remember:
                                            their PayPal email and subscription, for next time)
  payments list <plexId> [--json]           a user's payments, refunds and reversals
  invite <email-or-username> --plan <name> [--discord-id ID] [--until YYYY-MM-DD] [--dry-run] [--json]
                                            share the plan's servers on plex.tv and add the user
                                            with a payment on that plan
  invite list [--json]                      invites not accepted yet
  invite cancel <plexId-or-email> [--json]  unshare a pending invite
  stats [--json] [--png FILE]               users by status, revenue per month and currency, new and
                                            lost subscribers, expiries in the next 30 days; --png
                                            writes the chart (revenue and active subscribers)
  status [--json]                           last syncs, lifecycle and payments runs, locks, whether
                                            plex.tv and Discord take the tokens, version, database
  setup [--env-path PATH]                   the first-run wizard (also npm run setup): Plex sign-in
                                            with a code, bot token, server, roles and channel picked
                                            by name, the first plan; writes .env, keeping the rest
  setup --non-interactive [--plex-token T] [--discord-token T] [--guild NAME|ID]
        [--subscriber-role NAME|ID] [--permanent-role NAME|ID|none] [--admin-role NAME|ID|none]
        [--admin-channel NAME|ID|none] [--import-as standard|permanent]
        [--plan-name N --plan-duration 1m --plan-price 10.00 [--plan-currency USD]] [--env-path PATH]
                                            the same without questions; each value may come from
                                            its variable instead (PLEX_TOKEN, DISCORD_TOKEN,
                                            DISCORD_GUILD_ID, DISCORD_SUBSCRIBER_ROLE_ID, …)

Configuration comes from the environment and .env (see .env.example).`;

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      'dry-run': { type: 'boolean' },
      json: { type: 'boolean' },
      name: { type: 'string' },
      duration: { type: 'string' },
      price: { type: 'string' },
      currency: { type: 'string' },
      default: { type: 'boolean' },
      'import-as': { type: 'string' },
      enabled: { type: 'string' },
      at: { type: 'string' },
      days: { type: 'string' },
      'date-format': { type: 'string' },
      remember: { type: 'boolean' },
      since: { type: 'string' },
      server: { type: 'string' },
      all: { type: 'boolean' },
      libraries: { type: 'string' },
      none: { type: 'boolean' },
      'paypal-email': { type: 'string' },
      'discord-id': { type: 'string' },
      'discord-username': { type: 'string' },
      plan: { type: 'string' },
      starts: { type: 'string' },
      ends: { type: 'string' },
      'subscription-id': { type: 'string' },
      until: { type: 'string' },
      url: { type: 'string' },
      'stripe-price': { type: 'string' },
      png: { type: 'string' },
      'non-interactive': { type: 'boolean' },
      'env-path': { type: 'string' },
      'plex-token': { type: 'string' },
      'discord-token': { type: 'string' },
      guild: { type: 'string' },
      'subscriber-role': { type: 'string' },
      'permanent-role': { type: 'string' },
      'admin-role': { type: 'string' },
      'admin-channel': { type: 'string' },
      'plan-name': { type: 'string' },
      'plan-duration': { type: 'string' },
      'plan-price': { type: 'string' },
      'plan-currency': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [group, action, ...rest] = positionals;
  if (values.help || !group) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  // setup reads (and writes) the .env file itself, possibly another one (--env-path).
  if (group === 'setup') {
    if (action !== undefined) throw new UsageError(`setup takes no "${action}": see the options below`);
    // Required here: the wizard's prompts, Discord and plex.tv sign-in clients are ~700 modules
    // that every other command (a sync is a short process) would otherwise load at start.
    const { runSetup } = require('./setup') as typeof SetupCli;
    return runSetup(values);
  }
  dotenv.config({ quiet: true });
  const config = loadConfig();
  if (group === 'migrate') {
    const dataSource = await openDatabase(config.DATABASE_URL);
    await dataSource.destroy();
    process.stdout.write('migrations applied\n');
    return 0;
  }
  const app = await createApp(config);
  try {
    return await run(app, group, action, rest, values);
  } finally {
    await app.close();
  }
}

/** Each first word of a command and the area of the CLI that runs it (the same areas as commands/). */
const AREAS: Record<string, CliArea> = {
  sync: syncArea,
  users: usersArea,
  'shared-servers': sharedServersArea,
  plans: plansArea,
  servers: serversArea,
  lifecycle: lifecycleArea,
  expiring: lifecycleArea,
  payments: paymentsArea,
  invite: invitesArea,
  stats: statsArea,
  status: statusArea,
};

async function run(app: App, group: string, action: string | undefined, rest: string[], values: Values): Promise<number> {
  const area = AREAS[group];
  if (!area) throw new UsageError(`unknown command "${`${group} ${action ?? ''}`.trim()}"`);
  const json = values.json === true;
  return area(
    {
      app,
      values,
      json,
      print: (data) => process.stdout.write(`${JSON.stringify(data, null, 2)}\n`),
      write: (text) => process.stdout.write(text),
      progress: progressBar(json),
    },
    group,
    action,
    rest,
  );
}

/** By name: the setup service is loaded only by `setup`, the one command that can throw this. */
function isSetupMissingValues(error: unknown): error is SetupMissingValuesError {
  return error instanceof DomainError && error.name === 'SetupMissingValuesError';
}

/** Every failure ends as one line that says what failed, and a non-zero exit code. */
export function describeFailure(error: unknown): { message: string; code: number } {
  // Setup without questions and a value missing: the message names each one; the usage would bury it.
  if (isSetupMissingValues(error)) return { message: error.message, code: 2 };
  if (error instanceof UsageError) return { message: `${error.message}\n\n${USAGE}`, code: 2 };
  if (error instanceof Error && String((error as { code?: unknown }).code ?? '').startsWith('ERR_PARSE_ARGS')) {
    return { message: `${error.message}\n\n${USAGE}`, code: 2 };
  }
  if (error instanceof ConfigError || error instanceof PlexError || error instanceof DomainError || error instanceof PaymentSourceError) return { message: error.message, code: 1 };
  const message = error instanceof Error ? error.message : String(error);
  return { message: `unexpected failure: ${message.split('\n')[0]}`, code: 1 };
}

/** Runs a command line the way the `streams-manager` command does: its exit code, or one line on stderr. */
export function runMain(argv: string[]): void {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', dropOutputNobodyReads);
  main(argv).then(
    (code) => exitOnceWritten(code),
    (error: unknown) => {
      const { message, code } = describeFailure(error);
      process.stderr.write(`error: ${message}\n`);
      exitOnceWritten(code);
    },
  );
}

/**
 * A reader that went away (`streams-manager users list --json | head`) fails the next write with
 * EPIPE. That is not the command's failure: what it did is done (a sync has committed by the time
 * it prints), so the rest of the output is dropped and the command ends with its own exit code,
 * instead of Node's stack trace for an unhandled 'error' event and exit code 1.
 */
function dropOutputNobodyReads(error: NodeJS.ErrnoException): void {
  if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
}

/**
 * Ends the process as soon as the command is done and its output has left: main() has closed the
 * database and everything else it opened, and pino flushes its log on exit. Left to wind down on
 * its own, Node frees the whole heap first: 15-20 ms more per run here, for a sync's 100 MB.
 * stdout or stderr to a pipe may still hold output a full pipe did not take (POSIX pipes are
 * asynchronous): the process waits for it to drain.
 */
export function exitOnceWritten(code: number, streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  process.exitCode = code;
  // A stream closed under its writes (a reader gone) will take nothing more: nothing to wait for.
  const pending = streams.filter((stream) => stream.writableLength > 0 && !stream.destroyed);
  if (pending.length === 0) process.exit(code);
  let left = pending.length;
  for (const stream of pending) {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      if (--left === 0) process.exit(code);
    };
    stream.on('drain', done);
    stream.on('close', done);
  }
}

// `node dist/src/cli/index.js` still runs the unbundled CLI; the command itself is launcher.ts.
if (require.main === module) runMain(process.argv.slice(2));
