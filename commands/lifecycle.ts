import { EmbedBuilder, InteractionContextType, MessageFlags, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import { answer, joinLines } from '../src/discord/replies';
import type { SlashCommand } from '../src/discord/types';
import { summaryLine } from '../src/services/lifecycle/report';

export const lifecycleCommand: SlashCommand = {
  audience: 'admin',
  data: new SlashCommandBuilder()
    .setName('lifecycle')
    .setDescription('Roles, reminders, expiry and removal from Plex')
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .setContexts(InteractionContextType.Guild)
    .addSubcommand((s) =>
      s
        .setName('run')
        .setDescription('Run the lifecycle jobs now')
        .addBooleanOption((o) => o.setName('dry-run').setDescription('Show what they would do, change nothing')),
    )
    .toJSON(),

  async execute(interaction, ctx) {
    const dryRun = interaction.options.getBoolean('dry-run') ?? false;
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const result = await ctx.app.lifecycle.run({ dryRun });
    const steps = result.steps.map((s) => `${s.action}: ${s.title ?? `plex ${s.plexId}`}${s.detail ? ` (${s.detail})` : ''}`);
    const titles = new Map(result.steps.map((s) => [s.plexId, s.title]));
    const failures = result.failures.map((f) => `⚠ ${f.plexId === null ? 'all users' : (titles.get(f.plexId) ?? `plex ${f.plexId}`)} ${f.action}: ${f.reason}`);
    const embed = new EmbedBuilder()
      .setTitle(dryRun ? 'Lifecycle: dry run, nothing changed' : 'Lifecycle run done')
      .setDescription(joinLines([`${summaryLine(result)}.`, ...steps, ...failures], 4000));
    await answer(interaction, { content: '', embeds: [embed] });
  },
};

export const expiringCommand: SlashCommand = {
  audience: 'admin',
  data: new SlashCommandBuilder()
    .setName('expiring')
    .setDescription('Users whose access ends soon, and users due for removal from Plex')
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .setContexts(InteractionContextType.Guild)
    .addIntegerOption((o) => o.setName('days').setDescription('Within how many days (default 7)').setMinValue(0).setMaxValue(366))
    .toJSON(),

  async execute(interaction, ctx) {
    const days = interaction.options.getInteger('days') ?? 7;
    const report = await ctx.app.lifecycle.expiring(days);
    const expiring = report.expiring.map(
      (u) => `**${u.title}** · ${u.plan ?? 'no plan'} · ends ${u.endsAt.slice(0, 10)} (${u.daysLeft} day${u.daysLeft === 1 ? '' : 's'})${u.recurring ? ' · recurring' : ''}${u.discordId ? ` · <@${u.discordId}>` : ''}`,
    );
    const removal = report.dueForRemoval.map(
      (u) => `**${u.title}** · ended ${u.endedAt.slice(0, 10)} · ${u.overdue ? 'removal overdue' : `removal ${u.removeAt.slice(0, 10)}`}${u.lastError ? ` · last attempt failed: ${u.lastError}` : ''}`,
    );
    const embed = new EmbedBuilder()
      .setTitle(`Expiring within ${days} day${days === 1 ? '' : 's'}`)
      .addFields(
        { name: `Access ends (${expiring.length})`, value: joinLines(expiring, 1024) || 'nobody' },
        { name: `Due for removal from Plex (${removal.length})`, value: joinLines(removal, 1024) || 'nobody' },
      );
    await answer(interaction, { embeds: [embed] });
  },
};
