import { InteractionContextType, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import { suggestServers } from '../src/discord/autocomplete';
import { pageMessage } from '../src/discord/pages';
import { answer } from '../src/discord/replies';
import type { BotContext, ComponentInteraction, SlashCommand } from '../src/discord/types';
import { userCardMessage } from '../src/discord/user-views';
import type { UserListFilters, UserListRow } from '../src/services/user-admin.service';

const EXPIRED_VIEW = 'This list has expired (lists last 15 minutes, and not across a restart of the bot): run /users list again.';

function describeFilters(f: UserListFilters): string {
  const parts = [f.search && `matching "${f.search}"`, f.class, f.status, f.server && `on ${f.server}`].filter(Boolean);
  return parts.length ? `Users (${parts.join(', ')})` : 'Users';
}

function usersPage(rows: UserListRow[], filters: UserListFilters, viewId: string, page: number) {
  return pageMessage({
    title: describeFilters(filters),
    rows,
    page,
    viewId,
    kind: 'users-page',
    empty: 'No user matches.',
    renderRow: (u, n) =>
      `\`${n}.\` **${u.title}**${u.username && u.username !== u.title ? ` (${u.username})` : ''} · ${u.class} · ${u.statusText}` +
      ` · ${u.discordId ? `<@${u.discordId}>` : 'no Discord'}${u.needsReview ? ' · **needs review**' : ''}`,
    open: {
      placeholder: 'Open a user…',
      option: (u) => ({ label: u.title, value: String(u.plexId), description: `${u.class} · ${u.statusText}` }),
    },
  });
}

async function showPage(interaction: ComponentInteraction, viewId: string, page: number, ctx: BotContext) {
  const view = ctx.views.get(viewId);
  if (!view || view.list !== 'users') return answer(interaction, { content: EXPIRED_VIEW });
  const rows = await ctx.app.users.list(view.filters);
  if (interaction.isButton()) return void (await interaction.update(usersPage(rows, view.filters, viewId, page)));
  return answer(interaction, usersPage(rows, view.filters, viewId, page));
}

export const usersCommand: SlashCommand = {
  audience: 'admin',
  data: new SlashCommandBuilder()
    .setName('users')
    .setDescription('The users panel')
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .setContexts(InteractionContextType.Guild)
    .addSubcommand((s) =>
      s
        .setName('list')
        .setDescription('List users with their class, status and Discord link')
        .addStringOption((o) => o.setName('search').setDescription('Part of a name, username or email').setMaxLength(50))
        .addStringOption((o) => o.setName('class').setDescription('User class').addChoices({ name: 'standard', value: 'standard' }, { name: 'permanent', value: 'permanent' }))
        .addStringOption((o) =>
          o
            .setName('status')
            .setDescription('Subscription status')
            .addChoices(
              { name: 'active', value: 'active' },
              { name: 'expired', value: 'expired' },
              { name: 'permanent', value: 'permanent' },
              { name: 'removed from Plex', value: 'removed' },
              { name: 'needs review', value: 'needs-review' },
            ),
        )
        .addStringOption((o) => o.setName('server').setDescription('Only users sharing this server').setAutocomplete(true)),
    )
    .toJSON(),

  async execute(interaction, ctx) {
    const filters: UserListFilters = {
      search: interaction.options.getString('search') ?? undefined,
      class: (interaction.options.getString('class') as UserListFilters['class']) ?? undefined,
      status: (interaction.options.getString('status') as UserListFilters['status']) ?? undefined,
      server: interaction.options.getString('server') ?? undefined,
    };
    // Autocomplete puts the machine identifier in the option: show the server's name instead.
    const server = filters.server && (await ctx.app.catalog.listServers()).find((s) => s.machineIdentifier === filters.server);
    if (server) filters.server = server.name;
    const rows = await ctx.app.users.list(filters);
    const viewId = ctx.views.put({ list: 'users', filters });
    await answer(interaction, usersPage(rows, filters, viewId, 1));
  },

  autocomplete: suggestServers,

  actions: {
    'users-page': (interaction, action, ctx) => showPage(interaction, action.viewId, action.page, ctx),
    'users-open': async (interaction, _action, ctx) => {
      if (!interaction.isStringSelectMenu()) return;
      const plexId = Number(interaction.values[0]);
      await answer(interaction, userCardMessage(await ctx.app.users.card(plexId)));
    },
  },
};
