import { ActionRowBuilder, ButtonBuilder, ButtonStyle, EmbedBuilder, type MessageActionRowComponentBuilder } from 'discord.js';
import type { LinkOutcome, MemberView } from '../services/member.service';
import { encodeAction } from './custom-id';
import { joinLines, truncate, type ReplyBody } from './replies';

const DAY = 86_400_000;
const unix = (d: Date) => Math.floor(d.getTime() / 1000);
const day = (d: Date) => d.toISOString().slice(0, 10);

/** Where a payment came from, in a member's words. */
const SOURCES: Record<string, string> = { default: 'set by an admin', manual: 'recorded by an admin', paypal: 'PayPal', stripe: 'card (Stripe)' };

function linkButtonRow(): ActionRowBuilder<MessageActionRowComponentBuilder> {
  return new ActionRowBuilder<MessageActionRowComponentBuilder>().addComponents(
    new ButtonBuilder().setCustomId(encodeAction({ kind: 'member-link' })).setLabel('Link my Plex account').setStyle(ButtonStyle.Primary),
  );
}

/** A member's status in their own words; Discord timestamps show in the member's time zone. */
export function describeMemberStatus(view: Extract<MemberView, { linked: true }>, now: Date, expiringDays: number): string {
  if (view.removedAt) return `removed from Plex on ${day(view.removedAt)}`;
  const s = view.status;
  switch (s.kind) {
    case 'permanent':
      return 'permanent: your access does not expire';
    case 'active': {
      const until = `<t:${unix(s.endsAt)}:D> (<t:${unix(s.endsAt)}:R>)`;
      const expiring = s.endsAt.getTime() - now.getTime() <= expiringDays * DAY && !s.recurring;
      return expiring ? `expiring: active until ${until}` : `active until ${until}${s.recurring ? ', renews automatically' : ''}`;
    }
    case 'upcoming':
      return `starts <t:${unix(s.startsAt)}:D>`;
    case 'expired':
      return s.endedAt ? `expired on <t:${unix(s.endedAt)}:D> (<t:${unix(s.endedAt)}:R>)` : 'expired: no payment yet';
  }
}

/** /subscription: the member's own plan, status, servers and last payments; or how to link. */
/** Link buttons to pay for the plan (a pay link, Stripe Checkout), at most one row of five. */
export interface PayButton {
  label: string;
  url: string;
}

export function memberViewMessage(view: MemberView, now: Date, expiringDays: number, pay: PayButton[] = []): ReplyBody {
  if (!view.linked) {
    return {
      content:
        'Your Discord account is not linked to a Plex user of this server yet. Press **Link my Plex account** and sign in with Plex: ' +
        'the bot only learns which Plex account is yours (your Plex password and token are never kept).',
      components: [linkButtonRow()],
    };
  }
  const servers = view.servers.length
    ? joinLines(
        view.servers.map((s) => `**${s.serverName}**${s.pending ? ' (invite not accepted yet)' : ''}: ${s.allLibraries ? 'all libraries' : s.libraries.join(', ') || 'no libraries'}`),
        1024,
      )
    : 'none';
  const payments = view.payments.length
    ? view.payments
        .map((p) => `${day(p.paidAt)} · ${p.amountCents !== null ? `${(p.amountCents / 100).toFixed(2)} ${p.currency ?? ''}`.trim() : 'no amount'} · ${SOURCES[p.source] ?? p.source} · ${p.plan}`)
        .join('\n')
    : 'none yet';
  const embed = new EmbedBuilder()
    .setTitle(truncate(`Your subscription: ${view.title}`, 256))
    .addFields(
      { name: 'Plan', value: truncate(view.plan ?? 'none', 1024), inline: true },
      { name: 'Status', value: truncate(describeMemberStatus(view, now, expiringDays), 1024), inline: true },
      { name: 'Servers and libraries', value: servers },
      { name: 'Last payments', value: truncate(payments, 1024) },
    );
  const payRow = pay.length
    ? [new ActionRowBuilder<MessageActionRowComponentBuilder>().addComponents(pay.slice(0, 5).map((b) => new ButtonBuilder().setStyle(ButtonStyle.Link).setURL(b.url).setLabel(truncate(b.label, 80))))]
    : [];
  return { embeds: [embed], components: payRow };
}

/** The sign-in in progress: the link to Plex's page, and Cancel. */
export function signInMessage(url: string, expiresAt: Date): ReplyBody {
  return {
    content: `Open **Sign in with Plex**, sign in with the Plex account you watch with, then come back here: this message changes once Plex confirms (the link works until <t:${unix(expiresAt)}:t>).\nWaiting for your sign-in…`,
    components: [
      new ActionRowBuilder<MessageActionRowComponentBuilder>().addComponents(
        new ButtonBuilder().setStyle(ButtonStyle.Link).setURL(url).setLabel('Sign in with Plex'),
        new ButtonBuilder().setCustomId(encodeAction({ kind: 'member-link-cancel' })).setLabel('Cancel').setStyle(ButtonStyle.Secondary),
      ),
    ],
  };
}

export const SIGN_IN_CANCELLED = 'Plex sign-in cancelled: nothing was changed.';

/** What the member reads once the sign-in ended. */
export function linkOutcomeText(outcome: LinkOutcome): string {
  switch (outcome.kind) {
    case 'linked':
      return `Linked: your Discord account now belongs to the Plex user **${outcome.title}**. Use /subscription to see your plan.`;
    case 'already-yours':
      return `Your Discord account was already linked to **${outcome.title}**: nothing to do.`;
    case 'linked-elsewhere':
      return 'That Plex account is already linked to another Discord member: nothing was changed. Ask an admin to sort it out (they have been told).';
    case 'member-linked-to-other':
      return `Your Discord account is already linked to another Plex user (**${outcome.otherTitle}**): nothing was changed. Ask an admin if that is wrong.`;
    case 'not-a-user':
      return 'That Plex account is not one of the users of this server: nothing was changed. Sign in with the Plex account you were invited with, or ask an admin.';
    case 'expired':
      return 'The Plex sign-in expired before it was finished: use /link to start again.';
    case 'cancelled':
      return SIGN_IN_CANCELLED;
  }
}

/** What the admin channel is told about a sign-in that linked, or could not. Null: nothing to tell. */
export function linkAdminAlert(outcome: LinkOutcome, member: { id: string; username: string }): string | null {
  const who = `<@${member.id}> (${member.username})`;
  switch (outcome.kind) {
    case 'linked':
      return `${who} linked their Discord account to the Plex user **${outcome.title}** (plex.tv id ${outcome.plexId}) by signing in with Plex.`;
    case 'linked-elsewhere':
      return `${who} signed in with Plex as **${outcome.title}** (plex.tv id ${outcome.plexId}), which is already linked to ${outcome.otherDiscordId === 'unknown' ? 'another member' : `<@${outcome.otherDiscordId}>`}: nothing was changed. If the account changed hands, unlink it from /user view first.`;
    default:
      return null;
  }
}
