import { EmbedBuilder, InteractionContextType, MessageFlags, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import { connectedClientCheck } from '../src/discord/gateway-state';
import { answer, joinLines, truncate } from '../src/discord/replies';
import type { SlashCommand } from '../src/discord/types';
import { countsLine, type CheckResult, type RunView, type SystemStatus } from '../src/services/system-status.service';

/** `/status`: what `streams-manager status` prints, with Discord's own view of the bot's connection. */
export const statusCommand: SlashCommand = {
  audience: 'admin',
  data: new SlashCommandBuilder()
    .setName('status')
    .setDescription('Last syncs and runs, locks, and whether plex.tv and Discord take the tokens')
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .setContexts(InteractionContextType.Guild)
    .toJSON(),

  async execute(interaction, ctx) {
    // The plex.tv check may take a few seconds: past Discord's 3 s to acknowledge.
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const status = await ctx.app.systemStatus.report({ discord: connectedClientCheck(interaction.client) });
    await answer(interaction, { content: '', embeds: [statusEmbed(status)] });
  },
};

export function statusEmbed(s: SystemStatus): EmbedBuilder {
  const field = (name: string, lines: string[]) => ({ name, value: joinLines(lines, 1024) || '-' });
  return new EmbedBuilder()
    .setTitle('Status')
    .setDescription(`Version ${s.version} · database ${s.database.kind}`)
    .addFields(
      { name: 'plex.tv', value: checkLine(s.plex), inline: true },
      { name: 'Discord', value: checkLine(s.discord), inline: true },
      field('Users sync', [runLine(s.syncs.users)]),
      field('Shared servers sync', [runLine(s.syncs.sharedServers)]),
      field('Lifecycle', [`Full run: ${runLine(s.lifecycle.full)}`, `Roles: ${runLine(s.lifecycle.roles)}`]),
      field('Payments', [
        `API sync: ${runLine(s.payments.lastSync)}`,
        `CSV import: ${runLine(s.payments.lastCsvImport)}`,
        ...(s.payments.problem ? [`⚠️ ${s.payments.problem}`] : []),
        ...s.payments.sources.map(
          (p) =>
            `**${p.source}**${p.configured ? '' : ' (not configured)'}: ${p.syncedThrough ? `imported through ${time(p.syncedThrough)}, last import ${time(p.lastImportAt!)}` : 'never imported'}`,
        ),
      ]),
      field(
        'Locks',
        s.locks.length === 0
          ? ['none held']
          : s.locks.map((l) => `**${l.name}** · ${l.holder.split(':').slice(0, 2).join(':')} · since ${time(l.since)}${l.live ? '' : ' · lease ran out (free)'}`),
      ),
    );
}

const ICONS: Record<CheckResult['state'], string> = { ok: '✅', rejected: '❌', unreachable: '⚠️', 'not-configured': '➖', failed: '❌' };

function checkLine(c: CheckResult): string {
  return truncate(`${ICONS[c.state]} ${c.state}: ${c.detail}`, 1024);
}

function runLine(r: RunView | null): string {
  if (!r) return 'never run';
  switch (r.state) {
    case 'running':
      return `⏳ running since ${time(r.startedAt)}`;
    case 'succeeded':
      return `✅ succeeded ${time(r.finishedAt ?? r.startedAt)} · ${countsLine(r.counts)}`;
    case 'failed':
      return `❌ failed ${time(r.finishedAt ?? r.startedAt)} · ${truncate(r.error ?? 'no reason recorded', 300)}`;
    case 'abandoned':
      return `⚠️ abandoned (started ${time(r.startedAt)}) · ${r.error ?? ''}`;
  }
}

/** Relative and absolute, in each reader's own time zone: "<t:…:R> (<t:…:f>)". */
function time(iso: string): string {
  const seconds = Math.floor(new Date(iso).getTime() / 1000);
  return `<t:${seconds}:R> (<t:${seconds}:f>)`;
}
