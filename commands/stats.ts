import { AttachmentBuilder, EmbedBuilder, InteractionContextType, MessageFlags, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import { renderStatsChart } from '../src/charts/stats-chart';
import { truncate } from '../src/discord/replies';
import type { SlashCommand } from '../src/discord/types';
import { expiriesLine, moneyList, monthsTable, rulesLine, usersLine } from '../src/services/stats-format';

const CHART_NAME = 'stats.png';

/** The table in a code block; with many currencies the revenue column (also in the chart) is left out to fit a field. */
function monthsField(report: Parameters<typeof monthsTable>[0]): string {
  const full = `\`\`\`\n${monthsTable(report)}\n\`\`\``;
  return full.length <= 1024 ? full : `\`\`\`\n${monthsTable(report, { revenue: false })}\n\`\`\``;
}

export const statsCommand: SlashCommand = {
  audience: 'admin',
  data: new SlashCommandBuilder()
    .setName('stats')
    .setDescription('Users by status, revenue and subscribers over 12 months, with a chart')
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .setContexts(InteractionContextType.Guild)
    .toJSON(),

  async execute(interaction, ctx) {
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const report = await ctx.app.stats.report();
    const png = renderStatsChart(report);
    const current = report.months[report.months.length - 1]!;
    const embed = new EmbedBuilder()
      .setTitle('Stats')
      .setDescription(usersLine(report))
      .addFields(
        { name: 'Revenue, last 12 months', value: truncate(moneyList(report.revenueTotals), 1024), inline: true },
        { name: `This month (${current.month})`, value: truncate(moneyList(current.revenue), 1024), inline: true },
        { name: 'Month by month', value: monthsField(report) },
        { name: 'Expiries', value: truncate(expiriesLine(report), 1024) },
      )
      .setImage(`attachment://${CHART_NAME}`)
      .setFooter({ text: truncate(rulesLine(report), 2048) })
      .setTimestamp(new Date(report.at));
    await interaction.editReply({ content: '', embeds: [embed], files: [new AttachmentBuilder(png, { name: CHART_NAME, description: 'Revenue and active subscribers over 12 months' })] });
  },
};
