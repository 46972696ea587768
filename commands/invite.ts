import { InteractionContextType, MessageFlags, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import { suggestPlans } from '../src/discord/autocomplete';
import { answer } from '../src/discord/replies';
import type { SlashCommand } from '../src/discord/types';
import { describeInvite } from '../src/cli/invites';
import { DomainError } from '../src/services/errors';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function parseUntil(text: string | null): Date | null {
  if (text === null) return null;
  const m = DATE.exec(text.trim());
  const date = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
  if (!date || date.toISOString().slice(0, 10) !== text.trim()) throw new DomainError(`until "${text}" is not a date: use YYYY-MM-DD`);
  return date;
}

export const inviteCommand: SlashCommand = {
  audience: 'admin',
  data: new SlashCommandBuilder()
    .setName('invite')
    .setDescription("Invite a friend on Plex with a plan's servers and libraries")
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .setContexts(InteractionContextType.Guild)
    .addStringOption((o) => o.setName('email').setDescription('Their Plex e-mail or username').setRequired(true).setMaxLength(255))
    .addStringOption((o) => o.setName('plan').setDescription('The plan (its access settings say what is shared)').setRequired(true).setAutocomplete(true))
    .addUserOption((o) => o.setName('member').setDescription('Their Discord account: role and a welcome DM'))
    .addStringOption((o) => o.setName('until').setDescription('Paid until YYYY-MM-DD (default: the plan duration)').setMaxLength(10))
    .toJSON(),

  async execute(interaction, ctx) {
    const until = parseUntil(interaction.options.getString('until'));
    // plex.tv may take longer than the 3 s Discord gives a first answer.
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const result = await ctx.app.invites.invite(interaction.options.getString('email', true), interaction.options.getString('plan', true), {
      discordId: interaction.options.getUser('member')?.id ?? null,
      until,
    });
    await answer(interaction, { content: describeInvite(result) });
  },

  autocomplete: suggestPlans,

  actions: {
    'invite-cancel': async (interaction, action, ctx) => {
      const result = await ctx.app.invites.cancel(String(action.plexId));
      await answer(interaction, { content: `Invite of ${result.invitedAs} cancelled${result.unshared.length > 0 ? `: unshared ${result.unshared.join(', ')}` : ''}.` });
    },
  },
};
