import type { Logger as TypeOrmLogger } from 'typeorm';
import type { Clock } from './config/clock';
import { systemClock } from './config/clock';
import { requirePlexToken, type Config } from './config/config';
import { createLogger, type Logger } from './config/logger';
import { openDatabase } from './database/data-source';
import { PlexTvClient, type PlexTvApi } from './plex/plex-tv.client';
import type { PlexHttpOptions } from './plex/plex-http';
import type { PlexSharingApi } from './plex/plex-sharing.client';
import type * as PlexSharing from './plex/plex-sharing.client';
import type { PlexPinApi } from './plex/plex-pin.client';
import type * as PlexPin from './plex/plex-pin.client';
import { MemberService } from './services/member.service';
import { PlanAccessService } from './services/plan-access.service';
import { InviteService } from './services/invite.service';
import { PlexAccessService } from './services/plex-access.service';
import { Store } from './repositories/store';
import { CatalogService } from './services/catalog.service';
import { DirectoryService } from './services/directory.service';
import { LockService } from './services/lock.service';
import { abandonDeadRuns } from './services/sync-common';
import { PaymentsImportService } from './services/payments-import.service';
import type * as ConfiguredSources from './payments/configured-sources';
import type * as StripeCheckout from './payments/stripe-checkout.client';
import { PayService } from './services/pay.service';
import { SharedServersSyncService } from './services/shared-servers-sync.service';
import { StatsService } from './services/stats.service';
import { UserAdminService } from './services/user-admin.service';
import { UsersSyncService } from './services/users-sync.service';
import { STATUS_CHECK_TIMEOUT_MS, SystemStatusService } from './services/system-status.service';
import { version } from '../package.json';
import { buildLifecycle } from './app-lifecycle';
import type { GuildPort } from './services/guild-port';
import type { LifecycleService } from './services/lifecycle.service';
import type { SubscriptionStatusService } from './services/subscription-status.service';

/** Everything the CLI and the bot call, built once from the configuration. */
export interface App {
  config: Config;
  logger: Logger;
  clock: Clock;
  store: Store;
  catalog: CatalogService;
  directory: DirectoryService;
  users: UserAdminService;
  /** Payments import from PayPal CSV files and the PayPal and Stripe APIs (issue 5). */
  payments: PaymentsImportService;
  /** Every user's status in one batched read. */
  subscriptions: SubscriptionStatusService;
  /** Roles, reminders, expiry and removal (issue 4); needs the Discord variables when it talks to Discord. */
  lifecycle: LifecycleService;
  /** Built on first use: only the syncs need a Plex token. */
  usersSync(): UsersSyncService;
  sharedServersSync(): SharedServersSyncService;
  plex(): PlexTvApi;
  /** plex.tv sharing writes (and a server's libraries); built on first use, like plex(). */
  plexSharing(): PlexSharingApi;
  /** Which servers and libraries each plan grants. */
  planAccess: PlanAccessService;
  /** Invites on plex.tv with a plan's access, pending invites, cancelling them. */
  invites: InviteService;
  /** Shares on plex.tv following what users pay for (restores, plan changes). */
  plexAccess: PlexAccessService;
  /** Pay buttons: a plan's pay link, and Stripe Checkout Sessions that name their user. */
  pay: PayService;
  /** A member's own view and their Plex sign-in (needs no owner token). */
  members: MemberService;
  /** The numbers behind /stats and `stats`: users by status, revenue, new and lost subscribers. */
  stats: StatsService;
  /** The last runs, locks, and whether plex.tv and Discord take the tokens (/status, `status`, /healthz). */
  systemStatus: SystemStatusService;
  close(): Promise<void>;
}

export interface AppOverrides {
  clock?: Clock;
  logger?: Logger;
  plex?: PlexTvApi;
  plexSharing?: PlexSharingApi;
  plexPins?: PlexPinApi;
  /** The bot's own Discord access for the lifecycle (default: REST with DISCORD_TOKEN). */
  guild?: GuildPort;
  /** Sees every SQL statement (the benchmark counts them). */
  queryLogger?: TypeOrmLogger;
}

export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const logger = overrides.logger ?? createLogger(config.LOG_LEVEL);
  const clock = overrides.clock ?? systemClock;
  const dataSource = await openDatabase(config.DATABASE_URL, { logger: overrides.queryLogger });
  const store = new Store(dataSource);
  const locks = new LockService(store, config.SYNC_LOCK_TTL_SECONDS * 1000);
  // A sync whose process died (killed, crashed, power cut) would show as running for ever.
  const abandoned = await abandonDeadRuns(store, clock).catch((error: unknown) => {
    logger.warn({ reason: (error as Error).message }, 'could not mark abandoned sync runs');
    return 0;
  });
  if (abandoned > 0) logger.info({ abandoned }, 'marked sync runs left running by a stopped process as abandoned');
  let plex = overrides.plex;
  const getPlex = (): PlexTvApi =>
    (plex ??= new PlexTvClient(plexHttpOptions(config)));
  let plexSharing = overrides.plexSharing;
  const getPlexSharing = (): PlexSharingApi =>
    (plexSharing ??= new (require('./plex/plex-sharing.client') as typeof PlexSharing).PlexSharingClient(plexHttpOptions(config)));
  let plexPins = overrides.plexPins;
  const getPlexPins = (): PlexPinApi => (plexPins ??= new (require('./plex/plex-pin.client') as typeof PlexPin).PlexPinClient(plexPinOptions(config)));
  const members = new MemberService({ store, clock, logger, pins: getPlexPins, pollMs: config.PLEX_PIN_POLL_MS });
  const syncDeps = () => ({ store, plex: getPlex(), clock, locks, defaultImportAs: config.DEFAULT_IMPORT_AS });
  const users = new UserAdminService(store, clock);
  const planAccess = new PlanAccessService(store, getPlexSharing, clock);
  const plexAccess = new PlexAccessService({ store, clock, logger, sharing: getPlexSharing, plexTv: getPlex, planAccess });
  const { discordSide, ...lifecycleParts } = buildLifecycle(config, { store, clock, locks, logger, plex: getPlex, access: plexAccess, guild: overrides.guild });
  return {
    config,
    logger,
    clock,
    store,
    catalog: new CatalogService(store, clock, config.DEFAULT_CURRENCY),
    directory: new DirectoryService(store),
    users,
    payments: new PaymentsImportService({ store, clock, locks, sources: () => loadConfiguredSources().configuredSources(config) }),
    usersSync: () => new UsersSyncService(syncDeps()),
    sharedServersSync: () => new SharedServersSyncService(syncDeps()),
    plex: getPlex,
    plexSharing: getPlexSharing,
    planAccess,
    plexAccess,
    pay: new PayService({
      store,
      clock,
      logger,
      checkout: () => (config.STRIPE_SECRET_KEY ? new (loadStripeCheckout().StripeCheckoutClient)({ secretKey: config.STRIPE_SECRET_KEY, apiUrl: config.STRIPE_API_URL, timeoutMs: config.PAYMENTS_TIMEOUT_MS }) : null),
      successUrl: config.STRIPE_SUCCESS_URL ?? (config.DISCORD_GUILD_ID ? `https://discord.com/channels/${config.DISCORD_GUILD_ID}` : 'https://discord.com/app'),
    }),
    ...lifecycleParts,
    invites: new InviteService({
      store,
      clock,
      planAccess,
      sharing: getPlexSharing,
      plex: getPlex,
      users,
      defaultImportAs: config.DEFAULT_IMPORT_AS,
      reconcileUser: (plexId) => lifecycleParts.lifecycle.reconcileUser(plexId),
      discord: discordSide,
    }),
    members,
    stats: new StatsService(store, clock, config.REMOVE_AFTER_DAYS),
    systemStatus: new SystemStatusService({
      store,
      clock,
      version,
      paymentSources: () => loadConfiguredSources().configuredSources(config).map((s) => s.name),
      // Its own client: one attempt with a short timeout, not the syncs' patient retries.
      plex: () => new PlexTvClient({ ...plexHttpOptions(config), timeoutMs: STATUS_CHECK_TIMEOUT_MS, retries: 0 }),
      discord: config.DISCORD_TOKEN ? discordIdentity(config.DISCORD_API_URL, config.DISCORD_TOKEN) : null,
    }),
    close: () => {
      members.close();
      return store.close();
    },
  };
}

/*
 * The Stripe SDK (a few hundred modules) and axios (behind the sharing, PIN and payment clients)
 * are loaded when a client is first built, not by every CLI run: a sync would pay ~100 ms of
 * start-up for them. The getters above are already lazy; the requires follow them.
 */
const loadConfiguredSources = (): typeof ConfiguredSources => require('./payments/configured-sources') as typeof ConfiguredSources;
const loadStripeCheckout = (): typeof StripeCheckout => require('./payments/stripe-checkout.client') as typeof StripeCheckout;

/** The CLI's Discord check: REST with the bot token (loaded on use, like the lifecycle's REST port). */
function discordIdentity(apiUrl: string, token: string) {
  return () => {
    const { fetchBotIdentity } = require('./discord/rest-port') as typeof import('./discord/rest-port');
    return fetchBotIdentity({ apiUrl, token, timeoutMs: STATUS_CHECK_TIMEOUT_MS });
  };
}

/** The PIN sign-in's plex.tv calls: this install's identity, never the owner's token. */
function plexPinOptions(config: Config) {
  return {
    baseUrl: config.PLEX_TV_URL,
    clientIdentifier: config.PLEX_CLIENT_IDENTIFIER,
    timeoutMs: config.PLEX_TIMEOUT_MS,
    retries: config.PLEX_RETRIES,
    retryDelayMs: config.PLEX_RETRY_DELAY_MS,
    version,
  };
}

/** How both plex.tv clients reach plex.tv; the token is asked for only when a client is built. */
function plexHttpOptions(config: Config): PlexHttpOptions {
  return {
    baseUrl: config.PLEX_TV_URL,
    token: requirePlexToken(config),
    clientIdentifier: config.PLEX_CLIENT_IDENTIFIER,
    timeoutMs: config.PLEX_TIMEOUT_MS,
    retries: config.PLEX_RETRIES,
    retryDelayMs: config.PLEX_RETRY_DELAY_MS,
    version,
  };
}
