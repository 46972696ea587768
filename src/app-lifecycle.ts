import { requireDiscord, requireSubscriberRole, type Config } from './config/config';
import type { Clock } from './config/clock';
import type { Logger } from './config/logger';
import type { PlexTvApi } from './plex/plex-tv.client';
import type { Store } from './repositories/store';
import type { GuildPort } from './services/guild-port';
import { DEFAULT_EXPIRED_TEMPLATE, DEFAULT_REMINDER_TEMPLATE } from './services/lifecycle/messages';
import { LifecycleService, type DiscordSide } from './services/lifecycle.service';
import type { LockService } from './services/lock.service';
import type { PlexAccessService } from './services/plex-access.service';
import { SubscriptionStatusService } from './services/subscription-status.service';

export interface LifecycleParts {
  subscriptions: SubscriptionStatusService;
  lifecycle: LifecycleService;
  /** The bot's Discord side, built on first use (invites send their welcome DM through it). */
  discordSide: () => DiscordSide;
}

/**
 * The lifecycle's share of the composition root. Discord is reached over REST unless the bot
 * hands in its own GuildPort; either way the variables are only required when Discord is used.
 */
export function buildLifecycle(
  config: Config,
  deps: { store: Store; clock: Clock; locks: LockService; logger: Logger; plex: () => PlexTvApi; access: PlexAccessService; guild?: GuildPort },
): LifecycleParts {
  const subscriptions = new SubscriptionStatusService(deps.store, deps.clock, config.REMOVE_AFTER_DAYS);
  let side: DiscordSide | undefined;
  const discord = (): DiscordSide => {
    if (side) return side;
    const subscriberRoleId = requireSubscriberRole(config);
    let port = deps.guild;
    if (!port) {
      const { token, guildId } = requireDiscord(config);
      // Loaded here, not at the top: @discordjs/rest adds ~0.4 s to the start of every CLI command.
      const { RestGuildPort } = require('./discord/rest-port') as typeof import('./discord/rest-port');
      port = new RestGuildPort({ apiUrl: config.DISCORD_API_URL, token, guildId });
    }
    side = {
      port,
      subscriberRoleId,
      permanentRoleId: config.DISCORD_PERMANENT_ROLE_ID ?? null,
      adminChannelId: config.DISCORD_ADMIN_CHANNEL_ID ?? null,
    };
    return side;
  };
  const lifecycle = new LifecycleService({
    store: deps.store,
    clock: deps.clock,
    locks: deps.locks,
    logger: deps.logger,
    statuses: subscriptions,
    discord,
    plex: deps.plex,
    access: deps.access,
    settings: {
      reminderDays: config.REMINDER_DAYS,
      removeAfterDays: config.REMOVE_AFTER_DAYS,
      reminderTemplate: config.REMINDER_TEMPLATE ?? DEFAULT_REMINDER_TEMPLATE,
      expiredTemplate: config.EXPIRED_TEMPLATE ?? DEFAULT_EXPIRED_TEMPLATE,
      payByCard: !!config.STRIPE_SECRET_KEY,
      timeZone: config.CRON_TIMEZONE,
    },
  });
  return { subscriptions, lifecycle, discordSide: discord };
}
