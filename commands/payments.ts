import {
  ActionRowBuilder,
  EmbedBuilder,
  InteractionContextType,
  LabelBuilder,
  MessageFlags,
  ModalBuilder,
  PermissionFlagsBits,
  SlashCommandBuilder,
  StringSelectMenuBuilder,
  TextInputBuilder,
  TextInputStyle,
  type MessageActionRowComponentBuilder,
} from 'discord.js';
import { downloadCsv } from '../src/discord/attachments';
import { resolveUser, suggestUsers } from '../src/discord/autocomplete';
import { encodeAction } from '../src/discord/custom-id';
import { replyProgress } from '../src/discord/progress';
import { answer, joinLines, truncate } from '../src/discord/replies';
import type { SlashCommand } from '../src/discord/types';
import type { ImportSummary } from '../src/services/payments-import/summary';

function summaryEmbed(title: string, s: ImportSummary): EmbedBuilder {
  const embed = new EmbedBuilder()
    .setTitle(title)
    .addFields(
      { name: 'Imported', value: String(s.imported), inline: true },
      { name: 'Matched', value: String(s.matched), inline: true },
      { name: 'Unmatched', value: String(s.unmatched), inline: true },
      { name: 'Duplicates skipped', value: String(s.duplicatesSkipped), inline: true },
      { name: 'Refunds flagged', value: String(s.refundsFlagged), inline: true },
      { name: 'Pending', value: String(s.pending), inline: true },
    );
  const lines = [
    ...s.rejected.map((r) => `line ${r.line}: ${r.reason}`),
    ...s.notices.map((n) => `${n.line ? `line ${n.line}: ` : ''}${n.message}`),
  ];
  if (s.rejected.length > 0) embed.setDescription(joinLines([`**Nothing was applied: ${s.rejected.length} row(s) cannot be read.**`, ...lines], 4000));
  else if (lines.length > 0) embed.setDescription(joinLines(lines, 4000));
  if (s.unmatched > 0) embed.setFooter({ text: 'Assign unmatched payments with /payments unmatched.' });
  return embed;
}

export const paymentsCommand: SlashCommand = {
  audience: 'admin',
  data: new SlashCommandBuilder()
    .setName('payments')
    .setDescription('Import PayPal and Stripe payments and match them to users')
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .setContexts(InteractionContextType.Guild)
    .addSubcommand((s) =>
      s
        .setName('import')
        .setDescription('Import a PayPal activity export (CSV)')
        .addAttachmentOption((o) => o.setName('file').setDescription('The CSV downloaded from PayPal > Activity > Statements').setRequired(true))
        .addStringOption((o) =>
          o
            .setName('date-format')
            .setDescription("The export's date format (asked for when the file cannot tell)")
            .addChoices({ name: 'M/D/YYYY (US)', value: 'MDY' }, { name: 'D/M/YYYY', value: 'DMY' }),
        )
        .addBooleanOption((o) => o.setName('dry-run').setDescription('Check and count, write nothing')),
    )
    .addSubcommand((s) => s.setName('sync').setDescription('Fetch new payments from the PayPal and Stripe APIs'))
    .addSubcommand((s) => s.setName('unmatched').setDescription('Payments that matched no user: assign them'))
    .addSubcommand((s) =>
      s
        .setName('list')
        .setDescription("A user's payments")
        .addStringOption((o) => o.setName('user').setDescription('Plex username, email or title').setRequired(true).setAutocomplete(true)),
    )
    .toJSON(),

  async execute(interaction, ctx) {
    switch (interaction.options.getSubcommand()) {
      case 'import': {
        await interaction.deferReply({ flags: MessageFlags.Ephemeral });
        const text = await downloadCsv(interaction.options.getAttachment('file', true));
        const progress = replyProgress(interaction, (e) => `Importing… ${e.phase}${e.total ? ` (${e.done}/${e.total})` : ''}`);
        const summary = await ctx.app.payments.importCsv(text, {
          dateFormat: (interaction.options.getString('date-format') as 'MDY' | 'DMY' | null) ?? undefined,
          dryRun: interaction.options.getBoolean('dry-run') ?? false,
          onProgress: progress.listener,
        });
        await progress.flush();
        // A dry run changes nothing anywhere: no role follows payments it only counted.
        if (!summary.dryRun) await ctx.lifecycle.afterPayments(summary.matched + summary.refundsApplied.length);
        return answer(interaction, { content: '', embeds: [summaryEmbed(summary.dryRun ? 'PayPal import: dry run, nothing written' : 'PayPal import done', summary)] });
      }
      case 'sync': {
        await interaction.deferReply({ flags: MessageFlags.Ephemeral });
        const progress = replyProgress(interaction, (e) => `Fetching payments… ${e.phase}`);
        const summary = await ctx.app.payments.syncApis({ onProgress: progress.listener });
        await progress.flush();
        await ctx.lifecycle.afterPayments(summary.matched + summary.refundsApplied.length);
        const embed = summaryEmbed('Payments sync done', summary);
        for (const s of summary.sources ?? []) embed.addFields({ name: s.source, value: `${s.fetched} fetched, through ${s.syncedThrough.slice(0, 16).replace('T', ' ')}`, inline: true });
        return answer(interaction, { content: '', embeds: [embed] });
      }
      case 'unmatched': {
        const open = await ctx.app.payments.listUnmatched();
        const lines = open.map((u) => `\`#${u.id}\` ${u.occurredAt.slice(0, 10)} · ${u.amount} ${u.currency} · ${u.payerName ?? '?'} <${u.payerEmail ?? 'no email'}>${u.subscriptionId ? ` · ${u.subscriptionId}` : ''} · ${u.reason}`);
        const embed = new EmbedBuilder().setTitle(`Unmatched payments (${open.length})`).setDescription(joinLines(lines, 4000) || 'None: every payment found its user.');
        const components: Array<ActionRowBuilder<MessageActionRowComponentBuilder>> = [];
        if (open.length > 0) {
          components.push(
            new ActionRowBuilder<MessageActionRowComponentBuilder>().addComponents(
              new StringSelectMenuBuilder()
                .setCustomId(encodeAction({ kind: 'payment-pick' }))
                .setPlaceholder(open.length > 25 ? 'Assign one of the 25 oldest…' : 'Assign a payment to a user…')
                .addOptions(
                  open.slice(0, 25).map((u) => ({
                    label: truncate(`#${u.id} ${u.amount} ${u.currency} ${u.payerName ?? u.payerEmail ?? ''}`, 100),
                    value: String(u.id),
                    description: truncate(`${u.occurredAt.slice(0, 10)} · ${u.payerEmail ?? 'no email'}`, 100),
                  })),
                ),
            ),
          );
        }
        return answer(interaction, { embeds: [embed], components });
      }
      case 'list': {
        const plexId = await resolveUser(interaction.options.getString('user', true), ctx);
        const view = await ctx.app.payments.listPayments(plexId);
        const lines = view.payments.map(
          (p) => `${p.startsAt.slice(0, 10)} → ${p.endsAt.slice(0, 10)} · **${p.plan}** · ${p.amount ? `${p.amount} ${p.currency}` : 'no amount'} · ${p.source}${p.transactionId ? ` ${p.transactionId}` : ''}${p.voidedAt ? ' · taken back: refunded or reversed in full' : ''}`,
        );
        const events = view.events.map((e) => `⚠ ${e.kind} ${e.amount} ${e.currency} of ${e.referenceTransactionId ?? "?"} on ${e.occurredAt.slice(0, 10)}`);
        const embed = new EmbedBuilder()
          .setTitle(truncate(`Payments of ${view.title}`, 256))
          .setDescription(joinLines([`Status: ${view.status}`, ...lines, ...events], 4000));
        return answer(interaction, { embeds: [embed] });
      }
    }
  },

  autocomplete: suggestUsers,

  actions: {
    'payment-pick': async (interaction) => {
      // Whatever arrives under this custom_id gets an answer: Discord shows "interaction failed" otherwise.
      const unmatchedId = interaction.isStringSelectMenu() ? Number(interaction.values[0]) : Number.NaN;
      if (!interaction.isStringSelectMenu() || !Number.isSafeInteger(unmatchedId) || unmatchedId <= 0) {
        return answer(interaction, { content: 'Pick a payment in the list of /payments unmatched: run it again if the list is old.' });
      }
      await interaction.showModal(
        new ModalBuilder()
          .setCustomId(encodeAction({ kind: 'payment-assign-modal', unmatchedId }))
          .setTitle(`Assign payment #${unmatchedId}`)
          .addLabelComponents(
            new LabelBuilder()
              .setLabel('User (plex username, email or id)')
              .setTextInputComponent(new TextInputBuilder().setCustomId('user').setStyle(TextInputStyle.Short).setRequired(true).setMaxLength(100)),
            new LabelBuilder()
              .setLabel('Remember for the next payments')
              .setStringSelectMenuComponent(
                new StringSelectMenuBuilder()
                  .setCustomId('remember')
                  .setRequired(false)
                  .setMinValues(0)
                  .setMaxValues(2)
                  .addOptions(
                    { label: "Store the payer's email as their PayPal email", value: 'email' },
                    { label: 'Store the subscription ID on their payment', value: 'subscription' },
                  ),
              ),
          ),
      );
    },
    'payment-assign-modal': async (interaction, action, ctx) => {
      if (!interaction.isModalSubmit()) return;
      // Acknowledged first: the assignment waits for the payments lock and the database, and Discord drops an answer after 3 s.
      await interaction.deferReply({ flags: MessageFlags.Ephemeral });
      const remember = interaction.fields.getStringSelectValues('remember');
      const plexId = await resolveUser(interaction.fields.getTextInputValue('user'), ctx, 'nothing was assigned');
      const result = await ctx.app.payments.assignUnmatched(action.unmatchedId, plexId, {
        rememberEmail: remember.includes('email'),
        rememberSubscription: remember.includes('subscription'),
      });
      const extras = [result.rememberedEmail && `PayPal email ${result.rememberedEmail} stored`, result.rememberedSubscription && `subscription ${result.rememberedSubscription} stored`].filter(Boolean);
      await answer(interaction, {
        content: `Payment #${action.unmatchedId} assigned to ${result.title}: ${result.payment.plan}, ${result.payment.startsAt.slice(0, 10)} → ${result.payment.endsAt.slice(0, 10)}.${extras.length ? ` ${extras.join('; ')}.` : ''}`,
      });
      // Roles follow after the answer: the admin does not wait for Discord's role routes.
      await ctx.lifecycle.afterEdit(plexId);
    },
  },
};
