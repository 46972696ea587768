import { EmbedBuilder, InteractionContextType, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import { suggestPlans } from '../src/discord/autocomplete';
import { accessLines, choiceFromPicks, libraryPicker, planAccessMessage } from '../src/discord/plan-access-views';
import { answer, joinLines } from '../src/discord/replies';
import type { BotContext, ComponentInteraction, SlashCommand } from '../src/discord/types';
import type { PlanView } from '../src/services/catalog.service';
import type { PlanWithAccess } from '../src/services/plan-access.service';

const describe = (p: PlanView) => `**${p.name}**: ${p.duration}, ${p.price} ${p.currency}${p.default ? ' · default' : ''}`;
/** A plan without access settings shows no access lines: the footer of the list says what that means. */
const describeWithAccess = (p: PlanWithAccess) => [describe(p), ...(p.access.length > 0 ? accessLines(p.access).map((l) => `  ${l}`) : [])].join('\n');

const EXPIRED = 'This menu has expired (menus last 15 minutes, and not across a restart of the bot): run /plan edit-access again.';

/** The plan's access with the server select; `note` says what was just saved. */
async function showPlanAccess(interaction: Parameters<typeof answer>[0], plan: string, ctx: BotContext, note?: string) {
  const [access, servers] = [await ctx.app.planAccess.getAccess(plan), await ctx.app.catalog.listServers()];
  return answer(interaction, planAccessMessage(plan, access, servers, ctx.views.put({ list: 'plan-access', plan }), note));
}

/** A select on the reply is answered by editing that reply; reading plex.tv may take a while, so acknowledge first. */
async function acknowledgeSelect(interaction: ComponentInteraction) {
  if (interaction.isStringSelectMenu()) await interaction.deferUpdate();
}

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
        .setName('edit-access')
        .setDescription('Pick the servers and libraries a plan shares on Plex')
        .addStringOption((o) => o.setName('plan').setDescription('The plan').setRequired(true).setAutocomplete(true)),
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
        const plans = await ctx.app.planAccess.listPlans();
        const embed = new EmbedBuilder().setTitle('Plans').setDescription(joinLines(plans.map(describeWithAccess), 4096) || 'No plans yet: /plan create.');
        if (plans.length > 0) embed.setFooter({ text: 'A plan with no servers listed leaves its users\' Plex shares as they are. /plan edit-access picks servers and libraries.' });
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
      case 'edit-access':
        return showPlanAccess(interaction, o.getString('plan', true), ctx);
      case 'set-default': {
        const plan = await ctx.app.catalog.setDefaultPlan(o.getString('plan', true));
        return answer(interaction, { content: `Default plan: ${describe(plan)}` });
      }
    }
  },

  autocomplete: suggestPlans,

  actions: {
    'plan-access-server': async (interaction, action, ctx) => {
      const view = ctx.views.get(action.viewId);
      if (!view || view.list !== 'plan-access' || !interaction.isStringSelectMenu()) return answer(interaction, { content: EXPIRED });
      await acknowledgeSelect(interaction);
      const machineIdentifier = interaction.values[0] ?? '';
      const choices = await ctx.app.planAccess.serverChoices(view.plan, machineIdentifier);
      const viewId = ctx.views.put({ list: 'plan-access', plan: view.plan, server: { machineIdentifier, name: choices.serverName, libraries: choices.libraries } });
      return answer(interaction, libraryPicker(view.plan, choices.serverName, choices.libraries, choices.current, viewId));
    },
    'plan-access-libraries': async (interaction, action, ctx) => {
      const view = ctx.views.get(action.viewId);
      if (!view || view.list !== 'plan-access' || !view.server || !interaction.isStringSelectMenu()) return answer(interaction, { content: EXPIRED });
      const choice = choiceFromPicks(interaction.values, view.server.libraries);
      await acknowledgeSelect(interaction);
      if (typeof choice === 'string') return showPlanAccess(interaction, view.plan, ctx, `Nothing saved: ${choice}`);
      await ctx.app.planAccess.setAccess(view.plan, view.server.machineIdentifier, choice);
      return showPlanAccess(interaction, view.plan, ctx, `Saved: ${view.server.name}.`);
    },
  },
};
