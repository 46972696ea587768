import { InteractionContextType, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import { suggestServers } from '../src/discord/autocomplete';
import { pageMessage } from '../src/discord/pages';
import { answer } from '../src/discord/replies';
import type { SlashCommand } from '../src/discord/types';
import type { SharedServerView } from '../src/services/directory.service';

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : '—');

function sharesPage(rows: SharedServerView[], server: string | undefined, viewId: string, page: number) {
  return pageMessage({
    title: server ? `Shared servers: ${rows[0]?.serverName ?? server}` : 'Shared servers',
    rows,
    page,
    viewId,
    kind: 'shares-page',
    empty: 'No shares recorded: run /sync-shared-servers.',
    renderRow: (s, n) =>
      `\`${n}.\` **${s.serverName}** · ${s.username ?? `managed user ${s.plexUserId}`} · invited ${day(s.invitedAt)} · ` +
      `${s.pending ? '**pending**' : `accepted ${day(s.acceptedAt)}`} · ${s.allLibraries ? 'all libraries' : s.libraries.join(', ') || 'no libraries'}`,
  });
}

async function rowsFor(server: string | undefined, list: () => Promise<SharedServerView[]>) {
  const all = await list();
  if (!server) return all;
  const wanted = server.toLowerCase();
  return all.filter((s) => s.machineIdentifier.toLowerCase() === wanted || s.serverName.toLowerCase() === wanted);
}

export const sharedServersCommand: SlashCommand = {
  audience: 'admin',
  data: new SlashCommandBuilder()
    .setName('shared-servers')
    .setDescription('The shared servers panel')
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .setContexts(InteractionContextType.Guild)
    .addSubcommand((s) =>
      s
        .setName('list')
        .setDescription('Which users share which server, since when, and which libraries')
        .addStringOption((o) => o.setName('server').setDescription('Only this server').setAutocomplete(true)),
    )
    .toJSON(),

  async execute(interaction, ctx) {
    const server = interaction.options.getString('server') ?? undefined;
    const rows = await rowsFor(server, () => ctx.app.directory.listSharedServers());
    const viewId = ctx.views.put({ list: 'shares', server });
    const page = sharesPage(rows, server, viewId, 1);
    // Invites plex.tv has no account for yet have no share row: listed apart, so none is forgotten.
    const waiting = (await ctx.app.invites.pending()).filter((p) => p.status === 'awaiting-account');
    const note = waiting.map((p) => `Invite pending (no Plex account yet): **${p.invitedAs}** · plan ${p.plan} · ${p.servers.join(', ')} · invited ${day(p.invitedAt.toISOString())}`);
    await answer(interaction, note.length > 0 ? { ...page, content: [page.content, ...note].filter(Boolean).join('\n') } : page);
  },

  autocomplete: suggestServers,

  actions: {
    'shares-page': async (interaction, action, ctx) => {
      const view = ctx.views.get(action.viewId);
      if (!view || view.list !== 'shares') {
        return answer(interaction, { content: 'This list has expired (lists last 15 minutes, and not across a restart of the bot): run /shared-servers list again.' });
      }
      const rows = await rowsFor(view.server, () => ctx.app.directory.listSharedServers());
      const message = sharesPage(rows, view.server, action.viewId, action.page);
      if (interaction.isButton()) return void (await interaction.update(message));
      await answer(interaction, message);
    },
  },
};
