import { EmbedBuilder, InteractionContextType, MessageFlags, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import { replyProgress } from '../src/discord/progress';
import { answer, joinLines } from '../src/discord/replies';
import type { SlashCommand } from '../src/discord/types';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export const syncUsersCommand: SlashCommand = {
  audience: 'admin',
  data: new SlashCommandBuilder()
    .setName('sync-users')
    .setDescription('Import and update users from plex.tv')
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .setContexts(InteractionContextType.Guild)
    .addBooleanOption((o) => o.setName('dry-run').setDescription('Show what would change, write nothing'))
    .toJSON(),

  async execute(interaction, ctx) {
    const dryRun = interaction.options.getBoolean('dry-run') ?? false;
    // A sync takes longer than Discord's 3 seconds: acknowledge first.
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const progress = replyProgress(interaction, (e) => `Syncing users… ${e.phase}${e.total ? ` (${e.done}/${e.total})` : ''}`);
    const summary = await ctx.app.usersSync().run({ dryRun, onProgress: progress.listener });
    await progress.flush();
    const review = dryRun ? 0 : await ctx.app.users.countNeedingReview();
    const embed = new EmbedBuilder()
      .setTitle(dryRun ? 'Users sync: dry run, nothing written' : 'Users sync done')
      .addFields(
        { name: 'Created', value: `${summary.created} (standard ${summary.createdStandard}, permanent ${summary.createdPermanent})`, inline: true },
        { name: 'Updated', value: String(summary.updated), inline: true },
        { name: 'Unchanged', value: String(summary.unchanged), inline: true },
        { name: 'Removed', value: String(summary.removed), inline: true },
        { name: 'Default payments', value: String(summary.defaultPayments), inline: true },
        { name: 'Duration', value: seconds(summary.durationMs), inline: true },
      );
    if (dryRun) {
      const lines = [
        ...summary.changes.created.map((c) => `+ ${c.title} (${c.userClass})`),
        ...summary.changes.updated.map((c) => `~ ${c.title}: ${c.fields?.join(', ')}`),
        ...summary.changes.removed.map((c) => `- ${c.title}`),
      ];
      if (lines.length) embed.setDescription(joinLines(lines, 4000));
    } else if (review > 0) {
      embed.setFooter({ text: `${review} user(s) need review (PayPal email, Discord, plan and end date): /users list status:needs-review` });
    }
    await answer(interaction, { content: '', embeds: [embed] });
  },
};
