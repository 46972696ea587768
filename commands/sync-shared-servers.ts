import { EmbedBuilder, InteractionContextType, MessageFlags, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import { replyProgress } from '../src/discord/progress';
import { answer, joinLines } from '../src/discord/replies';
import type { SlashCommand } from '../src/discord/types';

export const syncSharedServersCommand: SlashCommand = {
  audience: 'admin',
  data: new SlashCommandBuilder()
    .setName('sync-shared-servers')
    .setDescription('Record which users share which of your servers')
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .setContexts(InteractionContextType.Guild)
    .toJSON(),

  async execute(interaction, ctx) {
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const progress = replyProgress(interaction, (e) => `Syncing shared servers… ${e.phase}${e.total ? ` (${e.done}/${e.total})` : ''}`);
    const summary = await ctx.app.sharedServersSync().run({ onProgress: progress.listener });
    await progress.flush();
    const perServer = summary.servers.map(
      (s) => `**${s.serverName}**: +${s.created} ~${s.updated} =${s.unchanged} −${s.removed}${s.pending ? `, ${s.pending} pending` : ''}`,
    );
    const embed = new EmbedBuilder()
      .setTitle('Shared servers sync done')
      .setDescription(joinLines(perServer, 4000) || 'No enabled servers.')
      .addFields(
        { name: 'Created', value: String(summary.created), inline: true },
        { name: 'Updated', value: String(summary.updated), inline: true },
        { name: 'Unchanged', value: String(summary.unchanged), inline: true },
        { name: 'Removed', value: String(summary.removed), inline: true },
        { name: 'Duration', value: `${(summary.durationMs / 1000).toFixed(1)} s`, inline: true },
      );
    const review = await ctx.app.users.countNeedingReview();
    const footer = [
      summary.skippedUnknownUsers > 0 && `${summary.skippedUnknownUsers} share(s) of users not imported yet were skipped: run /sync-users first.`,
      review > 0 && `${review} user(s) need review: /users list status:needs-review`,
    ].filter(Boolean);
    if (footer.length) embed.setFooter({ text: footer.join(' ') });
    await answer(interaction, { content: '', embeds: [embed] });
  },
};
