import { randomUUID } from 'node:crypto';
import {
  DiscordAPIError,
  MessageFlags,
  type ActionRowBuilder,
  type Client,
  type EmbedBuilder,
  type Interaction,
  type MessageActionRowComponentBuilder,
  type RepliableInteraction,
} from 'discord.js';
import { ConfigError } from '../config/config';
import type { Logger } from '../config/logger';
import { PaymentSourceError } from '../payments/errors';
import { PlexError } from '../plex/errors';
import { DomainError } from '../services/errors';

export interface ReplyBody {
  content?: string;
  embeds?: EmbedBuilder[];
  components?: Array<ActionRowBuilder<MessageActionRowComponentBuilder>>;
}

/** Discord's limit on message content. */
export const MAX_CONTENT = 2000;

/**
 * Answers an admin, always ephemerally: a first reply, or the edit of a deferred one,
 * or a follow-up after a reply already sent.
 */
export async function answer(interaction: RepliableInteraction, body: ReplyBody): Promise<void> {
  // An empty content is sent as such: it clears the progress text of a deferred reply.
  const payload = { content: body.content !== undefined ? truncate(body.content, MAX_CONTENT) : undefined, embeds: body.embeds ?? [], components: body.components ?? [] };
  // A deferred reply is edited even after progress edits (discord.js then says `replied`): the summary replaces the progress.
  if (interaction.deferred) {
    await interaction.editReply(payload);
  } else if (interaction.replied) {
    await interaction.followUp({ ...payload, flags: MessageFlags.Ephemeral });
  } else {
    await interaction.reply({ ...payload, flags: MessageFlags.Ephemeral });
  }
}

/**
 * Posts alerts to the admin channel, throwing with Discord's reason when it cannot (the caller
 * logs it). Without a channel configured the alert goes to the log, so it is never dropped unseen.
 */
export function adminChannelNotifier(client: Client, channelId: string | undefined, logger: Logger): (text: string) => Promise<void> {
  return async (text) => {
    if (!channelId) {
      logger.warn({ alert: text }, 'admin alert (set DISCORD_ADMIN_CHANNEL_ID to get it in Discord)');
      return;
    }
    const channel = await client.channels.fetch(channelId);
    if (!channel?.isSendable()) throw new Error(`DISCORD_ADMIN_CHANNEL_ID=${channelId} is not a channel the bot can post to`);
    await channel.send({ content: truncate(text, MAX_CONTENT) });
  };
}

/** What an admin reads when something fails: the error itself when it is meant for them, else a reference to the log. */
export function describeForAdmin(error: unknown, logger: Logger, context: Record<string, unknown>): string {
  // A payment source's failures (PayPal refused, a CSV it cannot read) are written for the admin, like Plex's.
  if (error instanceof DomainError || error instanceof PlexError || error instanceof PaymentSourceError || error instanceof ConfigError) return error.message;
  const id = randomUUID().slice(0, 8);
  logger.error({ err: serializeError(error), errorId: id, ...context }, 'interaction failed');
  return `Something went wrong, logged as ${id}.`;
}

/** The one place every failure of an interaction is answered: nothing is left unanswered. */
export async function answerFailure(interaction: Interaction, error: unknown, logger: Logger): Promise<void> {
  const context = { interaction: interaction.type, user: interaction.user.id, command: interaction.isCommand() ? interaction.commandName : undefined, customId: 'customId' in interaction ? interaction.customId : undefined };
  const message = describeForAdmin(error, logger, context);
  try {
    if (interaction.isAutocomplete()) {
      if (!interaction.responded) await interaction.respond([]);
      return;
    }
    if (interaction.isRepliable()) await answer(interaction, { content: message });
  } catch (replyError) {
    // The interaction may have expired (10062): nothing more can be said to the admin.
    logger.warn({ err: serializeError(replyError), ...context }, 'could not answer an interaction');
  }
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Lines joined by newlines within `max` characters: the lines that do not fit are left out and
 * counted on a last line, so a long list keeps to Discord's limits and says what it hides.
 */
export function joinLines(lines: string[], max: number, more: (left: number) => string = (left) => `… and ${left} more`): string {
  const all = lines.join('\n');
  if (all.length <= max) return all;
  let kept = 0;
  let length = 0;
  for (; kept < lines.length; kept++) {
    const withLine = length + (kept > 0 ? 1 : 0) + lines[kept]!.length;
    if (withLine + 1 + more(lines.length - kept - 1).length > max) break;
    length = withLine;
  }
  return truncate([...lines.slice(0, kept), more(lines.length - kept)].join('\n'), max);
}

function serializeError(error: unknown): Record<string, unknown> {
  if (error instanceof DiscordAPIError) return { name: error.name, code: error.code, status: error.status, message: error.message, method: error.method, url: error.url.replace(/\/interactions\/\d+\/[^/]+/, '/interactions/…').replace(/\/webhooks\/(\d+)\/[^/]+/, '/webhooks/$1/…') };
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { value: String(error) };
}
