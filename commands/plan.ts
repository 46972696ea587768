import { EmbedBuilder, InteractionContextType, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import { suggestPlans } from '../src/discord/autocomplete';
import { answer, joinLines } from '../src/discord/replies';
import type { SlashCommand } from '../src/discord/types';
import type { PlanView } from '../src/services/catalog.service';

const describe = (p: PlanView) => `**${p.name}**: ${p.duration}, ${p.price} ${p.currency}${p.default ? ' · default' : ''}`;

export const planCommand: SlashCommand = {
  audience: 'admin',
  data: new SlashCommandBuilder()
    .setName('plan')
    .setDescription('Subscription plans')
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .setContexts(InteractionContextType.Guild)
    .addSubcommand((s) =>
      s
        .setName('create')
        .setDescription('Add a plan (the first one becomes the default)')
        .addStringOption((o) => o.setName('name').setDescription('Plan name').setRequired(true).setMaxLength(100))
        .addStringOption((o) => o.setName('duration').setDescription('30d or 1m').setRequired(true).setMaxLength(20))
        .addStringOption((o) => o.setName('price').setDescription('10.00').setRequired(true).setMaxLength(12))
        .addStringOption((o) => o.setName('currency').setDescription('USD').setMinLength(3).setMaxLength(3))
        .addBooleanOption((o) => o.setName('default').setDescription('Make it the default plan')),
    )
    .addSubcommand((s) => s.setName('list').setDescription('All plans'))
    .addSubcommand((s) =>
      s
        .setName('edit')
        .setDescription('Change a plan')
        .addStringOption((o) => o.setName('plan').setDescription('The plan').setRequired(true).setAutocomplete(true))
        .addStringOption((o) => o.setName('name').setDescription('New name').setMaxLength(100))
        .addStringOption((o) => o.setName('duration').setDescription('30d or 1m').setMaxLength(20))
        .addStringOption((o) => o.setName('price').setDescription('10.00').setMaxLength(12))
        .addStringOption((o) => o.setName('currency').setDescription('USD').setMinLength(3).setMaxLength(3)),
    )
    .addSubcommand((s) =>
      s
        .setName('set-default')
        .setDescription('Make a plan the default for new users')
        .addStringOption((o) => o.setName('plan').setDescription('The plan').setRequired(true).setAutocomplete(true)),
    )
    .toJSON(),

  async execute(interaction, ctx) {
    const o = interaction.options;
    switch (o.getSubcommand()) {
      case 'create': {
        const plan = await ctx.app.catalog.createPlan({
          name: o.getString('name', true),
          duration: o.getString('duration', true),
          price: o.getString('price', true),
          currency: o.getString('currency') ?? undefined,
          makeDefault: o.getBoolean('default') ?? false,
        });
        return answer(interaction, { content: `Plan created: ${describe(plan)}` });
      }
      case 'list': {
        const plans = await ctx.app.catalog.listPlans();
        const embed = new EmbedBuilder().setTitle('Plans').setDescription(joinLines(plans.map(describe), 4096) || 'No plans yet: /plan create.');
        return answer(interaction, { embeds: [embed] });
      }
      case 'edit': {
        const plan = await ctx.app.catalog.editPlan(o.getString('plan', true), {
          name: o.getString('name') ?? undefined,
          duration: o.getString('duration') ?? undefined,
          price: o.getString('price') ?? undefined,
          currency: o.getString('currency') ?? undefined,
        });
        return answer(interaction, { content: `Plan saved: ${describe(plan)}` });
      }
      case 'set-default': {
        const plan = await ctx.app.catalog.setDefaultPlan(o.getString('plan', true));
        return answer(interaction, { content: `Default plan: ${describe(plan)}` });
      }
    }
  },

  autocomplete: suggestPlans,
};
