import { InteractionContextType, MessageFlags, SlashCommandBuilder } from 'discord.js';
import { memberViewMessage } from '../src/discord/member-views';
import { answer } from '../src/discord/replies';
import type { SlashCommand } from '../src/discord/types';

export const subscriptionCommand: SlashCommand = {
  audience: 'member',
  data: new SlashCommandBuilder()
    .setName('subscription')
    .setDescription('Your plan, status, servers and last payments (only you see the answer)')
    .setContexts(InteractionContextType.Guild)
    .toJSON(),

  async execute(interaction, ctx) {
    ctx.app.members.allowUse(interaction.user.id);
    // A busy database (an import, a sync) may hold the read past Discord's 3 s.
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    // Found by the Discord ID of who asked, never by anything they typed: a member sees only themselves.
    const view = await ctx.app.members.view(interaction.user.id);
    const expiringDays = Math.max(0, ...ctx.app.config.REMINDER_DAYS);
    // Permanent users never pay; a Checkout Session is made per showing (they expire), so only here.
    const pay = view.linked && view.status.kind !== 'permanent' ? await ctx.app.pay.payOptions(view.plexId) : [];
    await answer(interaction, memberViewMessage(view, ctx.app.clock.now(), expiringDays, pay));
  },
};
