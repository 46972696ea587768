import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  EmbedBuilder,
  LabelBuilder,
  ModalBuilder,
  StringSelectMenuBuilder,
  TextInputBuilder,
  TextInputStyle,
  type MessageActionRowComponentBuilder,
} from 'discord.js';
import type { PaymentRow } from '../repositories/payment.repository';
import type { PlanRow } from '../repositories/plan.repository';
import type { PendingInvite } from '../services/invite.service';
import type { FieldError, PaymentInput, ProfileInput, UserCard } from '../services/user-admin.service';
import { encodeAction } from './custom-id';
import { joinLines, truncate, type ReplyBody } from './replies';

const day = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : '—');

/** The user card: everything an admin reviews, with the buttons to edit it. */
export function userCardMessage(card: UserCard, content?: string, invite?: PendingInvite | null): ReplyBody {
  const plex = [
    card.username ? `username **${card.username}**` : 'managed (home) user: no username',
    card.email ? `email ${card.email}` : null,
    `plex.tv id ${card.plexId}`,
  ].filter(Boolean);
  const servers = card.servers.length
    ? joinLines(
        card.servers.map((s) => {
          const when = s.pending ? `pending, invited ${day(s.invitedAt)}` : `accepted ${day(s.acceptedAt)} (invited ${day(s.invitedAt)})`;
          const libraries = s.allLibraries ? 'all libraries' : s.libraries.join(', ') || 'no libraries';
          return `**${s.serverName}**: ${when}; ${libraries}`;
        }),
        1024,
        (left) => `… and ${left} more servers: /shared-servers list`,
      )
    : 'shares none of your servers';
  const payment = card.defaultPayment
    ? [
        `plan **${card.defaultPayment.plan}**`,
        `${day(card.defaultPayment.startsAt)} → ${day(card.defaultPayment.endsAt)}`,
        card.defaultPayment.subscriptionId ? `subscription ${card.defaultPayment.subscriptionId}` : 'no subscription ID',
      ].join(' · ')
    : card.class === 'permanent'
      ? 'none (permanent users need none)'
      : 'none: use Edit payment to set the plan and end date';
  const embed = new EmbedBuilder()
    .setTitle(truncate(card.title, 256))
    .setDescription(`${card.class === 'permanent' ? 'Permanent' : 'Standard'} user · ${card.statusText}`)
    .addFields(
      { name: 'Plex', value: truncate(plex.join(' · '), 1024) },
      { name: 'Servers', value: servers },
      { name: 'PayPal email', value: card.paypalEmail ?? 'not set', inline: true },
      { name: 'Discord', value: discordLink(card), inline: true },
      { name: 'Default payment', value: truncate(payment, 1024) },
    );
  if (card.lifecycleNotes.length) embed.addFields({ name: 'Lifecycle', value: truncate(card.lifecycleNotes.join('\n'), 1024) });
  if (invite) {
    embed.addFields({ name: 'Invite', value: truncate(`pending: invited ${invite.invitedAs} on plan ${invite.plan} (${day(invite.invitedAt)}), not accepted yet on ${invite.servers.join(', ')}`, 1024) });
  }
  if (card.needsReview) embed.setFooter({ text: 'Needs review: set the PayPal email, Discord, and the real plan and end date.' });
  const row = new ActionRowBuilder<MessageActionRowComponentBuilder>().addComponents(
    new ButtonBuilder().setCustomId(encodeAction({ kind: 'user-edit-profile', plexId: card.plexId })).setLabel('Edit profile').setStyle(ButtonStyle.Primary),
    new ButtonBuilder().setCustomId(encodeAction({ kind: 'user-edit-payment', plexId: card.plexId })).setLabel('Edit payment').setStyle(ButtonStyle.Primary),
    new ButtonBuilder()
      .setCustomId(encodeAction({ kind: 'user-set-class', plexId: card.plexId, userClass: card.class === 'permanent' ? 'standard' : 'permanent' }))
      .setLabel(card.class === 'permanent' ? 'Make standard' : 'Make permanent')
      .setStyle(ButtonStyle.Secondary),
  );
  if (invite) row.addComponents(new ButtonBuilder().setCustomId(encodeAction({ kind: 'invite-cancel', plexId: card.plexId })).setLabel('Cancel invite').setStyle(ButtonStyle.Danger));
  if (card.discordId) row.addComponents(new ButtonBuilder().setCustomId(encodeAction({ kind: 'user-unlink-discord', plexId: card.plexId })).setLabel('Unlink Discord').setStyle(ButtonStyle.Danger));
  return { content, embeds: [embed], components: [row] };
}

/** The member, and how the link was made: a typed ID and a proven Plex sign-in do not weigh the same. */
function discordLink(card: UserCard): string {
  if (!card.discordId) return 'not linked';
  const who = `<@${card.discordId}>${card.discordUsername ? ` (${card.discordUsername})` : ''}`;
  const how = card.discordLinkedVia === 'plex-sign-in' ? 'linked by the member signing in with Plex' : card.discordLinkedVia === 'admin' ? 'linked by an admin' : null;
  return how ? `${who}\n${how}${card.discordLinkedAt ? ` on ${day(card.discordLinkedAt)}` : ''}` : who;
}

function textInput(id: string, value: string, options: { placeholder?: string; max: number; required?: boolean }): TextInputBuilder {
  const input = new TextInputBuilder().setCustomId(id).setStyle(TextInputStyle.Short).setRequired(options.required ?? false).setMaxLength(options.max);
  if (options.placeholder) input.setPlaceholder(options.placeholder);
  // Discord refuses an empty prefilled value: leave it unset instead.
  if (value) input.setValue(truncate(value, options.max));
  return input;
}

const label = (text: string, input: TextInputBuilder) => new LabelBuilder().setLabel(text).setTextInputComponent(input);

export function profileFormValues(card: UserCard): ProfileInput {
  return { paypalEmail: card.paypalEmail ?? '', discordId: card.discordId ?? '', discordUsername: card.discordUsername ?? '' };
}

export function profileModal(plexId: number, title: string, values: ProfileInput): ModalBuilder {
  return new ModalBuilder()
    .setCustomId(encodeAction({ kind: 'user-profile-modal', plexId }))
    .setTitle(truncate(`Profile: ${title}`, 45))
    .addLabelComponents(
      label('PayPal email', textInput('paypalEmail', values.paypalEmail, { placeholder: 'the email they pay you from', max: 255 })),
      label('Discord ID', textInput('discordId', values.discordId, { placeholder: '17 to 20 digits (right-click > Copy User ID)', max: 20 })),
      label('Discord username', textInput('discordUsername', values.discordUsername, { placeholder: 'filled from the server when empty', max: 32 })),
    );
}

export function paymentFormValues(current: PaymentRow | null, defaultPlan: PlanRow | null): PaymentInput {
  return {
    plan: current?.planName ?? defaultPlan?.name ?? '',
    startsAt: current ? day(current.startsAt) : '',
    endsAt: current ? day(current.endsAt) : '',
    subscriptionId: current?.subscriptionId ?? '',
  };
}

/** Discord's select menus hold 25 options: beyond that the plan is typed by name. */
const MAX_SELECT_OPTIONS = 25;

export function paymentModal(plexId: number, title: string, plans: PlanRow[], values: PaymentInput): ModalBuilder {
  const planLabel = new LabelBuilder().setLabel('Plan');
  if (plans.length > 0 && plans.length <= MAX_SELECT_OPTIONS) {
    planLabel.setStringSelectMenuComponent(
      new StringSelectMenuBuilder()
        .setCustomId('plan')
        .setMinValues(1)
        .setMaxValues(1)
        .addOptions(
          plans.map((p) => ({
            label: truncate(p.name, 100),
            value: truncate(p.name, 100),
            description: truncate(`${(p.priceCents / 100).toFixed(2)} ${p.currency} / ${p.durationValue} ${p.durationUnit}${p.durationValue === 1 ? '' : 's'}`, 100),
            default: p.name === values.plan,
          })),
        ),
    );
  } else {
    planLabel.setTextInputComponent(textInput('plan', values.plan, { placeholder: 'the plan name', max: 100, required: true }));
  }
  return new ModalBuilder()
    .setCustomId(encodeAction({ kind: 'user-payment-modal', plexId }))
    .setTitle(truncate(`Payment: ${title}`, 45))
    .addLabelComponents(
      planLabel,
      label('Start date', textInput('startsAt', values.startsAt, { placeholder: 'YYYY-MM-DD', max: 10, required: true })),
      label('End date (when the subscription expires)', textInput('endsAt', values.endsAt, { placeholder: 'YYYY-MM-DD', max: 10, required: true })),
      label('Subscription ID (recurring payments)', textInput('subscriptionId', values.subscriptionId, { placeholder: 'I-JSE05VWSMN55 or sub_… (empty if none)', max: 64 })),
    );
}

const FIELD_NAMES: Record<string, string> = {
  paypalEmail: 'PayPal email',
  discordId: 'Discord ID',
  discordUsername: 'Discord username',
  plan: 'Plan',
  startsAt: 'Start date',
  endsAt: 'End date',
  subscriptionId: 'Subscription ID',
};

/** A refused form: every bad field and why, nothing saved, and a button that reopens the form as typed. */
export function refusedFormMessage(errors: FieldError[], draftId: string): ReplyBody {
  const lines = errors.map((e) => `• **${FIELD_NAMES[e.field] ?? e.field}**: ${e.message}`);
  return {
    content: truncate(`Nothing was saved:\n${lines.join('\n')}`, 2000),
    components: [
      new ActionRowBuilder<MessageActionRowComponentBuilder>().addComponents(
        new ButtonBuilder().setCustomId(encodeAction({ kind: 'user-retry', draftId })).setLabel('Try again').setStyle(ButtonStyle.Primary),
      ),
    ],
  };
}
