import { InteractionContextType, MessageFlags, PermissionFlagsBits, SlashCommandBuilder, type ChatInputCommandInteraction, type ModalSubmitInteraction } from 'discord.js';
import { resolveUser, suggestUsers } from '../src/discord/autocomplete';
import { answer } from '../src/discord/replies';
import type { BotContext, ComponentInteraction, SlashCommand } from '../src/discord/types';
import { paymentFormValues, paymentModal, profileFormValues, profileModal, refusedFormMessage, userCardMessage } from '../src/discord/user-views';
import type { EditResult, PaymentInput, ProfileInput } from '../src/services/user-admin.service';

const userOption = (o: import('discord.js').SlashCommandStringOption) =>
  o.setName('user').setDescription('Plex username, email, title or Discord username').setRequired(true).setAutocomplete(true);

const data = new SlashCommandBuilder()
  .setName('user')
  .setDescription('Look up and edit one user')
  .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
  .setContexts(InteractionContextType.Guild)
  .addSubcommand((s) => s.setName('view').setDescription("Show a user's card").addStringOption(userOption))
  .addSubcommand((s) => s.setName('edit-profile').setDescription('Edit PayPal email and Discord link').addStringOption(userOption))
  .addSubcommand((s) => s.setName('edit-payment').setDescription('Edit the default payment: plan, dates, subscription ID').addStringOption(userOption));

async function openProfileForm(interaction: ChatInputCommandInteraction | ComponentInteraction, plexId: number, ctx: BotContext, values?: ProfileInput) {
  const card = await ctx.app.users.card(plexId);
  if (interaction.isModalSubmit()) throw new Error('a form cannot open another form');
  await interaction.showModal(profileModal(plexId, card.title, values ?? profileFormValues(card)));
}

async function openPaymentForm(interaction: ChatInputCommandInteraction | ComponentInteraction, plexId: number, ctx: BotContext, values?: PaymentInput) {
  const card = await ctx.app.users.card(plexId);
  const form = await ctx.app.users.paymentForm(plexId);
  if (form.plans.length === 0) return answer(interaction, { content: 'There are no plans yet: create one with /plan create first.' });
  if (interaction.isModalSubmit()) throw new Error('a form cannot open another form');
  await interaction.showModal(paymentModal(plexId, card.title, form.plans, values ?? paymentFormValues(form.current, form.defaultPlan)));
}

/**
 * Saved: the updated card, then the user's roles follow (after the answer: Discord may be slow).
 * Refused: every reason, and Try again with what was typed (a button may open a modal again).
 */
async function reportEdit(interaction: ModalSubmitInteraction, result: EditResult, draft: () => string, ctx: BotContext) {
  if (!result.ok) return answer(interaction, refusedFormMessage(result.errors, draft()));
  await answer(interaction, userCardMessage(result.card, 'Saved.'));
  await ctx.lifecycle.afterEdit(result.card.plexId);
}

/**
 * A form is acknowledged before anything else: validating and saving may wait behind a long
 * import or sync (SQLite serializes all work), and Discord drops an answer after 3 seconds.
 */
function acknowledgeForm(interaction: ModalSubmitInteraction): Promise<unknown> {
  return interaction.deferReply({ flags: MessageFlags.Ephemeral });
}

function modalValue(interaction: ModalSubmitInteraction, id: string): string {
  try {
    return interaction.fields.getTextInputValue(id);
  } catch {
    // The plan comes from a select menu when there are 25 plans or fewer.
    return interaction.fields.getStringSelectValues(id)[0] ?? '';
  }
}

export const userCommand: SlashCommand = {
  audience: 'admin',
  data: data.toJSON(),

  async execute(interaction, ctx) {
    const plexId = await resolveUser(interaction.options.getString('user', true), ctx, 'pick one from the list as you type');
    switch (interaction.options.getSubcommand()) {
      case 'view':
        return answer(interaction, userCardMessage(await ctx.app.users.card(plexId), undefined, await ctx.app.invites.pendingFor(plexId)));
      case 'edit-profile':
        return openProfileForm(interaction, plexId, ctx);
      case 'edit-payment':
        return openPaymentForm(interaction, plexId, ctx);
    }
  },

  autocomplete: suggestUsers,

  actions: {
    'user-view': async (interaction, action, ctx) =>
      answer(interaction, userCardMessage(await ctx.app.users.card(action.plexId), undefined, await ctx.app.invites.pendingFor(action.plexId))),
    'user-edit-profile': (interaction, action, ctx) => openProfileForm(interaction, action.plexId, ctx),
    'user-edit-payment': (interaction, action, ctx) => openPaymentForm(interaction, action.plexId, ctx),
    'user-unlink-discord': async (interaction, action, ctx) => {
      const before = await ctx.app.users.card(action.plexId);
      const card = await ctx.app.users.unlinkDiscord(action.plexId);
      if (!before.discordId) return answer(interaction, userCardMessage(card, `${card.title} was not linked to Discord.`));
      // The lifecycle only looks at linked members: the roles this link gave are taken back here.
      const roles = [ctx.app.config.DISCORD_SUBSCRIBER_ROLE_ID, ctx.app.config.DISCORD_PERMANENT_ROLE_ID].filter((r): r is string => Boolean(r));
      const kept: string[] = [];
      for (const role of roles) {
        await interaction.guild?.members.removeRole({ user: before.discordId, role, reason: `unlinked from ${card.title}` }).catch((error: unknown) => {
          kept.push(`<@&${role}>`);
          ctx.logger.warn({ err: { message: (error as Error).message } }, 'could not take a role back after an unlink');
        });
      }
      const note = kept.length ? ` Could not take back ${kept.join(', ')}: remove it by hand.` : '';
      await answer(interaction, userCardMessage(card, `${card.title} is no longer linked to <@${before.discordId}>.${note}`));
    },
    'user-set-class': async (interaction, action, ctx) => {
      const card = await ctx.app.users.setClass(action.plexId, action.userClass);
      await ctx.lifecycle.afterEdit(action.plexId);
      await answer(interaction, userCardMessage(card, `${card.title} is now ${card.class}.`));
    },
    'user-profile-modal': async (interaction, action, ctx) => {
      if (!interaction.isModalSubmit()) return;
      await acknowledgeForm(interaction);
      const values: ProfileInput = {
        paypalEmail: modalValue(interaction, 'paypalEmail'),
        discordId: modalValue(interaction, 'discordId'),
        discordUsername: modalValue(interaction, 'discordUsername'),
      };
      const result = await ctx.app.users.updateProfile(action.plexId, values, ctx.members(interaction.guild));
      await reportEdit(interaction, result, () => ctx.drafts.put({ form: 'profile', plexId: action.plexId, values }), ctx);
    },
    'user-payment-modal': async (interaction, action, ctx) => {
      if (!interaction.isModalSubmit()) return;
      await acknowledgeForm(interaction);
      const values: PaymentInput = {
        plan: modalValue(interaction, 'plan'),
        startsAt: modalValue(interaction, 'startsAt'),
        endsAt: modalValue(interaction, 'endsAt'),
        subscriptionId: modalValue(interaction, 'subscriptionId'),
      };
      const result = await ctx.app.users.updateDefaultPayment(action.plexId, values);
      await reportEdit(interaction, result, () => ctx.drafts.put({ form: 'payment', plexId: action.plexId, values }), ctx);
    },
    'user-retry': async (interaction, action, ctx) => {
      const draft = ctx.drafts.get(action.draftId);
      if (!draft) return answer(interaction, { content: 'This form has expired (they last 15 minutes, and not across a restart of the bot): open it again from /user.' });
      if (draft.form === 'profile') return openProfileForm(interaction, draft.plexId, ctx, draft.values);
      return openPaymentForm(interaction, draft.plexId, ctx, draft.values);
    },
  },
};
