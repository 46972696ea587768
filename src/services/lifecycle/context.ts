import type { Logger } from '../../config/logger';
import type { Store } from '../../repositories/store';
import { GuildPortError, type GuildPort } from '../guild-port';
import type { RunReport } from './report';

/** The Discord side of the lifecycle, built on first use (the CLI's `expiring` needs none of it). */
export interface DiscordSide {
  port: GuildPort;
  subscriberRoleId: string;
  permanentRoleId: string | null;
  adminChannelId: string | null;
}

/** What every step of one run shares. */
export interface RunContext {
  now: Date;
  dryRun: boolean;
  report: RunReport;
  store: Store;
  logger: Logger;
  /** Raised when the run's lease on the lifecycle lock is lost: steps stop between users. */
  signal?: AbortSignal;
}

export function asGuildError(error: unknown): GuildPortError {
  if (error instanceof GuildPortError) return error;
  return new GuildPortError('rejected', error instanceof Error ? error.message : String(error));
}
