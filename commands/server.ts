import { EmbedBuilder, InteractionContextType, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import { suggestServers } from '../src/discord/autocomplete';
import { answer, joinLines } from '../src/discord/replies';
import type { SlashCommand } from '../src/discord/types';
import type { ServerView } from '../src/services/catalog.service';

const describe = (s: ServerView) => `**${s.name}**: new users import as ${s.importAs} · ${s.enabled ? 'enabled' : 'disabled'}`;

export const serverCommand: SlashCommand = {
  audience: 'admin',
  data: new SlashCommandBuilder()
    .setName('server')
    .setDescription('Your Plex servers and their settings')
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .setContexts(InteractionContextType.Guild)
    .addSubcommand((s) => s.setName('list').setDescription('Your servers (they appear after the first sync)'))
    .addSubcommand((s) =>
      s
        .setName('settings')
        .setDescription("Change a server's settings")
        .addStringOption((o) => o.setName('server').setDescription('The server').setRequired(true).setAutocomplete(true))
        .addStringOption((o) =>
          o.setName('import-as').setDescription('Class of users first imported from it').addChoices({ name: 'standard', value: 'standard' }, { name: 'permanent', value: 'permanent' }),
        )
        .addBooleanOption((o) => o.setName('enabled').setDescription('Disabled servers are skipped by the shares sync')),
    )
    .toJSON(),

  async execute(interaction, ctx) {
    if (interaction.options.getSubcommand() === 'list') {
      const servers = await ctx.app.catalog.listServers();
      const embed = new EmbedBuilder()
        .setTitle('Servers')
        .setDescription(joinLines(servers.map(describe), 4096) || 'No servers yet: run /sync-users or /sync-shared-servers.');
      return answer(interaction, { embeds: [embed] });
    }
    const importAs = interaction.options.getString('import-as') as ServerView['importAs'] | null;
    const enabled = interaction.options.getBoolean('enabled');
    if (importAs === null && enabled === null) return answer(interaction, { content: 'Nothing to change: give import-as or enabled.' });
    const server = await ctx.app.catalog.updateServer(interaction.options.getString('server', true), {
      importAs: importAs ?? undefined,
      enabled: enabled ?? undefined,
    });
    await answer(interaction, { content: `Saved: ${describe(server)}` });
  },

  autocomplete: suggestServers,
};
