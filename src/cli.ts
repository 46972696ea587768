#!/usr/bin/env node
import { parseArgs } from 'node:util';
import dotenv from 'dotenv';
import { createApp, type App } from './app';
import { ConfigError, loadConfig } from './config/config';
import { openDatabase } from './database/data-source';
import { PlexError } from './plex/errors';
import { PaymentSourceError } from './payments/errors';
import { runPaymentsCommand } from './cli-payments';
import { DomainError } from './services/errors';
import type { ProgressListener } from './services/progress';
import { formatAccess, formatSharesSummary, formatUsersSummary, formatTable } from './cli-format';
import type { AccessChoice } from './services/plan-access.service';
import { formatExpiring, formatLifecycleRun } from './cli-lifecycle-format';

const USAGE = `Usage: streams-manager <command>

  migrate                                   apply database migrations
  sync users [--dry-run] [--json]           import/update users from plex.tv
  sync shared-servers [--json]              record who shares which server
  users list [--json]
  shared-servers list [--json]
  plans create --name N --duration 30d|1m --price 10.00 [--currency USD] [--default]
  plans list [--json]
  plans set-access <plan> --server <machineIdentifier> (--all | --libraries "Movies,TV Shows" | --none) [--json]
                                            what the plan shares on that server (repeat per server;
                                            --none stops sharing it); titles are checked on plex.tv
  plans set-default <name>
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

Configuration comes from the environment and .env (see .env.example).`;

class UsageError extends Error {}

export async function main(argv: string[]): Promise<number> {
  dotenv.config({ quiet: true });
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
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [group, action, ...rest] = positionals;
  if (values.help || !group) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
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

type Values = Record<string, string | boolean | undefined>;

async function run(app: App, group: string, action: string | undefined, rest: string[], values: Values): Promise<number> {
  const json = values.json === true;
  const print = (data: unknown) => process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  const key = `${group} ${action ?? ''}`.trim();
  switch (key) {
    case 'payments import':
    case 'payments sync':
    case 'payments unmatched':
    case 'payments assign':
    case 'payments list':
      return runPaymentsCommand(app, action!, rest, values, (message) => new UsageError(message), progressBar(json));
    case 'sync users': {
      const summary = await app.usersSync().run({ dryRun: values['dry-run'] === true, onProgress: progressBar(json) });
      if (json) print(summary);
      else process.stdout.write(formatUsersSummary(summary));
      return 0;
    }
    case 'sync shared-servers': {
      const summary = await app.sharedServersSync().run({ onProgress: progressBar(json) });
      if (json) print(summary);
      else process.stdout.write(formatSharesSummary(summary));
      return 0;
    }
    case 'users list': {
      const users = await app.directory.listUsers();
      if (json) print(users);
      else
        process.stdout.write(
          formatTable(
            ['plex id', 'title', 'username', 'class', 'servers', 'default payment ends', 'removed'],
            users.map((u) => [u.plexId, u.title, u.username ?? '(managed)', u.class, u.servers.length, u.defaultPayment?.endsAt.slice(0, 10) ?? '-', u.removedAt ? u.removedAt.slice(0, 10) : '']),
          ),
        );
      return 0;
    }
    case 'shared-servers list': {
      const shares = await app.directory.listSharedServers();
      if (json) print(shares);
      else
        process.stdout.write(
          formatTable(
            ['server', 'plex user', 'username', 'invited', 'accepted', 'libraries'],
            shares.map((s) => [s.serverName, s.plexUserId, s.username ?? '(managed)', s.invitedAt?.slice(0, 10) ?? '-', s.pending ? 'pending' : (s.acceptedAt?.slice(0, 10) ?? '-'), s.allLibraries ? 'all' : s.libraries.join(', ')]),
          ),
        );
      return 0;
    }
    case 'plans create': {
      for (const required of ['name', 'duration', 'price']) {
        if (typeof values[required] !== 'string') throw new UsageError(`plans create needs --${required}`);
      }
      const plan = await app.catalog.createPlan({
        name: values.name as string,
        duration: values.duration as string,
        price: values.price as string,
        currency: values.currency as string | undefined,
        makeDefault: values.default === true,
      });
      if (json) print(plan);
      else process.stdout.write(`plan "${plan.name}" created: ${plan.duration}, ${plan.price} ${plan.currency}${plan.default ? ', default' : ''}\n`);
      return 0;
    }
    case 'plans list': {
      const plans = await app.planAccess.listPlans();
      if (json) print(plans);
      else process.stdout.write(formatTable(['name', 'duration', 'price', 'default', 'access'], plans.map((p) => [p.name, p.duration, `${p.price} ${p.currency}`, p.default ? 'yes' : '', formatAccess(p.access)])));
      return 0;
    }
    case 'plans set-access': {
      if (!rest[0]) throw new UsageError('plans set-access needs the plan name');
      if (typeof values.server !== 'string') throw new UsageError('plans set-access needs --server <machineIdentifier> (see servers list)');
      const chosen = [values.all === true, typeof values.libraries === 'string', values.none === true].filter(Boolean).length;
      if (chosen !== 1) throw new UsageError('plans set-access needs exactly one of --all, --libraries "A,B" or --none');
      const choice: AccessChoice =
        values.all === true ? { kind: 'all' } : values.none === true ? { kind: 'none' } : { kind: 'libraries', titles: String(values.libraries).split(',') };
      const plan = await app.planAccess.setAccess(rest[0], values.server, choice);
      if (json) print(plan);
      else process.stdout.write(`plan "${plan.name}" grants: ${formatAccess(plan.access) || 'nothing (the bot leaves its users\' shares alone)'}\n`);
      return 0;
    }
    case 'plans set-default': {
      if (!rest[0]) throw new UsageError('plans set-default needs the plan name');
      const plan = await app.catalog.setDefaultPlan(rest[0]);
      if (json) print(plan);
      else process.stdout.write(`"${plan.name}" is now the default plan\n`);
      return 0;
    }
    case 'servers list': {
      const servers = await app.catalog.listServers();
      if (json) print(servers);
      else process.stdout.write(formatTable(['machine identifier', 'name', 'import as', 'enabled'], servers.map((s) => [s.machineIdentifier, s.name, s.importAs, s.enabled ? 'yes' : 'no'])));
      return 0;
    }
    case 'servers set': {
      const machineIdentifier = rest[0];
      if (!machineIdentifier) throw new UsageError('servers set needs the machine identifier (see servers list)');
      const importAs = values['import-as'];
      if (importAs !== undefined && importAs !== 'standard' && importAs !== 'permanent') {
        throw new UsageError('--import-as must be standard or permanent');
      }
      const enabled = values.enabled;
      if (enabled !== undefined && enabled !== 'true' && enabled !== 'false') throw new UsageError('--enabled must be true or false');
      if (importAs === undefined && enabled === undefined) throw new UsageError('servers set needs --import-as or --enabled');
      const server = await app.catalog.updateServer(machineIdentifier, {
        importAs: importAs as 'standard' | 'permanent' | undefined,
        enabled: enabled === undefined ? undefined : enabled === 'true',
      });
      if (json) print(server);
      else process.stdout.write(`${server.name}: new users import as ${server.importAs}, ${server.enabled ? 'enabled' : 'disabled'}\n`);
      return 0;
    }
    case 'lifecycle run': {
      const dryRun = values['dry-run'] === true;
      let at: Date | undefined;
      if (values.at !== undefined) {
        if (!dryRun) throw new UsageError('--at only works with --dry-run: a real run always happens now');
        at = new Date(String(values.at));
        if (Number.isNaN(at.getTime())) throw new UsageError(`--at "${String(values.at)}" is not a date: use ISO 8601, like 2026-12-25 or 2026-12-25T10:00:00Z`);
      }
      const result = await app.lifecycle.run({ dryRun, at });
      if (json) print(result);
      else process.stdout.write(formatLifecycleRun(result));
      return 0;
    }
    case 'expiring': {
      const days = String(values.days ?? '7');
      if (!/^\d{1,4}$/.test(days)) throw new UsageError('--days must be a whole number of days, like 7');
      const report = await app.lifecycle.expiring(Number(days));
      if (json) print(report);
      else process.stdout.write(formatExpiring(report));
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${key}"`);
  }
}

/** A one-line progress bar on a terminal; nothing when piped or printing JSON. */
function progressBar(json: boolean): ProgressListener | undefined {
  if (json || !process.stderr.isTTY) return undefined;
  let last = '';
  return ({ phase, done, total }) => {
    const width = 24;
    const filled = total > 0 ? Math.round((done / total) * width) : 0;
    const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${phase} ${total > 0 ? `${done}/${total}` : ''}`;
    if (line === last) return;
    last = line;
    process.stderr.write(`\r\x1b[2K${line}${done >= total && total > 0 ? '\n' : ''}`);
  };
}

/** Every failure ends as one line that says what failed, and a non-zero exit code. */
export function describeFailure(error: unknown): { message: string; code: number } {
  if (error instanceof UsageError) return { message: `${error.message}\n\n${USAGE}`, code: 2 };
  if (error instanceof Error && String((error as { code?: unknown }).code ?? '').startsWith('ERR_PARSE_ARGS')) {
    return { message: `${error.message}\n\n${USAGE}`, code: 2 };
  }
  if (error instanceof ConfigError || error instanceof PlexError || error instanceof DomainError || error instanceof PaymentSourceError) return { message: error.message, code: 1 };
  const message = error instanceof Error ? error.message : String(error);
  return { message: `unexpected failure: ${message.split('\n')[0]}`, code: 1 };
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      const { message, code } = describeFailure(error);
      process.stderr.write(`error: ${message}\n`);
      process.exitCode = code;
    },
  );
}
