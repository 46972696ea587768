import type { Logger as TypeOrmLogger } from 'typeorm';
import type { Clock } from './config/clock';
import { systemClock } from './config/clock';
import { requirePlexToken, type Config } from './config/config';
import { createLogger, type Logger } from './config/logger';
import { openDatabase } from './database/data-source';
import { PlexTvClient, type PlexTvApi } from './plex/plex-tv.client';
import { Store } from './repositories/store';
import { CatalogService } from './services/catalog.service';
import { DirectoryService } from './services/directory.service';
import { LockService } from './services/lock.service';
import { SharedServersSyncService } from './services/shared-servers-sync.service';
import { UserAdminService } from './services/user-admin.service';
import { UsersSyncService } from './services/users-sync.service';
import { version } from '../package.json';

/** Everything the CLI and the bot call, built once from the configuration. */
export interface App {
  config: Config;
  logger: Logger;
  clock: Clock;
  store: Store;
  catalog: CatalogService;
  directory: DirectoryService;
  users: UserAdminService;
  /** Built on first use: only the syncs need a Plex token. */
  usersSync(): UsersSyncService;
  sharedServersSync(): SharedServersSyncService;
  plex(): PlexTvApi;
  close(): Promise<void>;
}

export interface AppOverrides {
  clock?: Clock;
  logger?: Logger;
  plex?: PlexTvApi;
  /** Sees every SQL statement (the benchmark counts them). */
  queryLogger?: TypeOrmLogger;
}

export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const logger = overrides.logger ?? createLogger(config.LOG_LEVEL);
  const clock = overrides.clock ?? systemClock;
  const dataSource = await openDatabase(config.DATABASE_URL, { logger: overrides.queryLogger });
  const store = new Store(dataSource);
  const locks = new LockService(store, clock, config.SYNC_LOCK_TTL_SECONDS * 1000);
  let plex = overrides.plex;
  const getPlex = (): PlexTvApi =>
    (plex ??= new PlexTvClient({
      baseUrl: config.PLEX_TV_URL,
      token: requirePlexToken(config),
      clientIdentifier: config.PLEX_CLIENT_IDENTIFIER,
      timeoutMs: config.PLEX_TIMEOUT_MS,
      retries: config.PLEX_RETRIES,
      retryDelayMs: config.PLEX_RETRY_DELAY_MS,
      version,
    }));
  const syncDeps = () => ({ store, plex: getPlex(), clock, locks, defaultImportAs: config.DEFAULT_IMPORT_AS });
  return {
    config,
    logger,
    clock,
    store,
    catalog: new CatalogService(store, clock, config.DEFAULT_CURRENCY),
    directory: new DirectoryService(store),
    users: new UserAdminService(store, clock),
    usersSync: () => new UsersSyncService(syncDeps()),
    sharedServersSync: () => new SharedServersSyncService(syncDeps()),
    plex: getPlex,
    close: () => store.close(),
  };
}
