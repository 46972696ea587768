import { InteractionContextType, MessageFlags, SlashCommandBuilder, type ButtonInteraction, type ChatInputCommandInteraction } from 'discord.js';
import { linkAdminAlert, linkOutcomeText, signInMessage, SIGN_IN_CANCELLED } from '../src/discord/member-views';
import { adminChannelNotifier, answer } from '../src/discord/replies';
import type { BotContext, SlashCommand } from '../src/discord/types';
import { PLEX_PRODUCT, plexSignInUrl } from '../src/plex/plex-pin.client';

/**
 * A member links their own Discord account by signing in with Plex: the reply shows the sign-in
 * link, then changes as the sign-in goes (linked, refused, expired, cancelled). Everything the
 * member needs is in this ephemeral reply: nothing depends on their DMs being open.
 */
async function beginLink(interaction: ChatInputCommandInteraction | ButtonInteraction, ctx: BotContext): Promise<void> {
  const member = { id: interaction.user.id, username: interaction.user.username };
  ctx.app.members.allowUse(member.id);
  // Creating the PIN is a call to plex.tv, which may take longer than Discord's 3 s.
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const config = ctx.app.config;
  const { pin, outcome } = await ctx.app.members.startLink(member);
  const url = plexSignInUrl(config.PLEX_AUTH_URL, pin, config.PLEX_CLIENT_IDENTIFIER, PLEX_PRODUCT);
  await answer(interaction, signInMessage(url, new Date(Date.now() + pin.expiresIn * 1000)));
  const result = await outcome;
  // The role follows the link at once, before the member reads that it is done.
  if (result.kind === 'linked') await ctx.lifecycle.afterEdit(result.plexId);
  await answer(interaction, { content: linkOutcomeText(result) });
  const alert = linkAdminAlert(result, member);
  if (alert) {
    await adminChannelNotifier(interaction.client, config.DISCORD_ADMIN_CHANNEL_ID, ctx.logger)(alert).catch((error: unknown) =>
      ctx.logger.warn({ err: { message: (error as Error).message } }, 'could not tell the admin channel about a Plex sign-in'),
    );
  }
}

export const linkCommand: SlashCommand = {
  audience: 'member',
  data: new SlashCommandBuilder()
    .setName('link')
    .setDescription('Link your Discord account to your Plex account by signing in with Plex')
    .setContexts(InteractionContextType.Guild)
    .toJSON(),

  execute: (interaction, ctx) => beginLink(interaction, ctx),

  actions: {
    'member-link': async (interaction, _action, ctx) => {
      if (interaction.isButton()) await beginLink(interaction, ctx);
    },
    'member-link-cancel': async (interaction, _action, ctx) => {
      if (!interaction.isButton()) return;
      // Only the member's own sign-in: the button carries no id to tamper with.
      const cancelled = ctx.app.members.cancelLink(interaction.user.id);
      await interaction.update({ content: cancelled ? SIGN_IN_CANCELLED : 'This sign-in has already ended.', components: [] });
    },
  },
};
