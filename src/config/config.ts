import { z } from 'zod';

/** A variable that is missing or malformed; the message names the variable. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const intFromEnv = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);
const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const snowflake = z
  .string()
  .trim()
  .regex(/^\d{17,20}$/, 'must be a Discord ID (17 to 20 digits)')
  .optional();

/** "7,3,1": days before the end of a payment when a reminder is due; sorted, largest first. */
const dayList = z
  .string()
  .trim()
  .regex(/^\d+(\s*,\s*\d+)*$/, 'must be a comma-separated list of whole days, like 7,3,1')
  .transform((v) => [...new Set(v.split(',').map((d) => Number(d.trim())))].filter((d) => d > 0).sort((a, b) => b - a));

/** A DM template: only the placeholders the lifecycle fills in, so a typo is caught at start. */
const LIFECYCLE_PLACEHOLDERS = ['name', 'plan', 'endsAt', 'daysLeft', 'removeAt'];
const template = z
  .string()
  .refine((v) => [...v.matchAll(/\{(\w+)\}/g)].every((m) => LIFECYCLE_PLACEHOLDERS.includes(m[1]!)), {
    message: `may only use the placeholders ${LIFECYCLE_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
  })
  .refine((v) => v.length <= 1800, { message: 'must be at most 1800 characters (a Discord message holds 2000)' })
  .optional();

const timeZone = z
  .string()
  .trim()
  .refine(
    (v) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: v });
        return true;
      } catch {
        return false;
      }
    },
    { message: 'must be an IANA time zone, like Europe/Paris or UTC' },
  )
  .default('UTC');

const schema = z.object({
  DATABASE_URL: z
    .string()
    .trim()
    .default('sqlite:./data/streams-manager.sqlite')
    .refine((v) => /^(sqlite:.+|mysql:\/\/.+|mariadb:\/\/.+)$/.test(v), {
      message: 'must be sqlite:PATH or mysql://user:pass@host:port/db',
    }),
  PLEX_TV_URL: z.string().trim().url().default('https://plex.tv'),
  PLEX_TOKEN: optionalString,
  PLEX_CLIENT_IDENTIFIER: z.string().trim().min(1).default('streams-manager-bot'),
  PLEX_TIMEOUT_MS: intFromEnv(30_000, 1),
  PLEX_RETRIES: intFromEnv(3),
  PLEX_RETRY_DELAY_MS: intFromEnv(500),
  /** Plex's sign-in page a member opens to link their account (a test points it elsewhere). */
  PLEX_AUTH_URL: z.string().trim().url().default('https://app.plex.tv/auth'),
  /** How often a member's sign-in PIN is polled; plex.tv asks for no faster than every second. */
  PLEX_PIN_POLL_MS: intFromEnv(2_000, 10),
  DEFAULT_IMPORT_AS: z.enum(['standard', 'permanent']).default('standard'),
  DEFAULT_CURRENCY: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{3}$/, 'must be a 3-letter currency code')
    .transform((v) => v.toUpperCase())
    .default('USD'),
  SYNC_LOCK_TTL_SECONDS: intFromEnv(60, 2),
  DISCORD_TOKEN: optionalString,
  DISCORD_GUILD_ID: snowflake,
  DISCORD_API_URL: z.string().trim().url().default('https://discord.com/api'),
  DISCORD_ADMIN_ROLE_ID: snowflake,
  DISCORD_SUBSCRIBER_ROLE_ID: snowflake,
  DISCORD_PERMANENT_ROLE_ID: snowflake,
  DISCORD_ADMIN_CHANNEL_ID: snowflake,
  REMINDER_DAYS: dayList.default([7, 3, 1]),
  REMOVE_AFTER_DAYS: intFromEnv(7),
  REMINDER_TEMPLATE: template,
  EXPIRED_TEMPLATE: template,
  LIFECYCLE_ROLES_CRON: z.string().trim().default('0 * * * *'),
  LIFECYCLE_DAILY_CRON: z.string().trim().default('0 10 * * *'),
  CRON_TIMEZONE: timeZone,
  PAYMENTS_SYNC_CRON: z.string().trim().default('15 * * * *'),
  PAYPAL_CLIENT_ID: optionalString,
  PAYPAL_CLIENT_SECRET: optionalString,
  PAYPAL_API_URL: z.string().trim().url().default('https://api-m.paypal.com'),
  STRIPE_SECRET_KEY: optionalString,
  STRIPE_API_URL: z.string().trim().url().optional(),
  /** Where Stripe's hosted page sends the member after a card payment; default the Discord server. */
  STRIPE_SUCCESS_URL: z.string().trim().url().optional(),
  PAYMENTS_TIMEOUT_MS: intFromEnv(30_000, 1),
  PAYMENTS_RETRIES: intFromEnv(3),
  PAYMENTS_RETRY_DELAY_MS: intFromEnv(500),
  /** When set, the bot serves GET /healthz on 127.0.0.1 at this port (systemd, container health checks). */
  HEALTH_PORT: z.coerce.number().int('must be a whole number').min(1, 'must be a port from 1 to 65535').max(65535, 'must be a port from 1 to 65535').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof schema>;

/** Parses the environment once; every problem names its variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const blanksRemoved: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== '') blanksRemoved[key] = value;
  }
  const parsed = schema.safeParse(blanksRemoved);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** For the bot: the variables it cannot start without. */
export function requireDiscord(config: Config): { token: string; guildId: string } {
  if (!config.DISCORD_TOKEN) throw new ConfigError('DISCORD_TOKEN is not set: put the bot token from the Discord developer portal in .env');
  if (!config.DISCORD_GUILD_ID) throw new ConfigError('DISCORD_GUILD_ID is not set: put the ID of your Discord server in .env');
  return { token: config.DISCORD_TOKEN, guildId: config.DISCORD_GUILD_ID };
}

/** For the lifecycle's role sync: without the subscriber role there is nothing to give or take. */
export function requireSubscriberRole(config: Config): string {
  if (!config.DISCORD_SUBSCRIBER_ROLE_ID) {
    throw new ConfigError('DISCORD_SUBSCRIBER_ROLE_ID is not set: put the ID of the role paying users get in .env (Server Settings > Roles > right-click > Copy Role ID)');
  }
  return config.DISCORD_SUBSCRIBER_ROLE_ID;
}

/** For the commands that talk to plex.tv: the token is only needed there. */
export function requirePlexToken(config: Config): string {
  if (!config.PLEX_TOKEN) {
    throw new ConfigError('PLEX_TOKEN is not set: put the Plex owner account token in .env (see .env.example)');
  }
  return config.PLEX_TOKEN;
}
