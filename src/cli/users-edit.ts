import type { App } from '../app';
import { DomainError } from '../services/errors';
import type { EditResult, FieldError, PaymentInput, ProfileInput, UserCard } from '../services/user-admin.service';
import { UsageError, type CliContext } from './common';

/** The option an admin typed for each field the service names. */
const OPTION: Record<string, string> = {
  paypalEmail: '--paypal-email',
  discordId: '--discord-id',
  discordUsername: '--discord-username',
  plan: '--plan',
  startsAt: '--starts',
  endsAt: '--ends',
  subscriptionId: '--subscription-id',
};

/** A form the service refused: every bad field named by its option, nothing saved (exit code 1). */
export class EditRefusedError extends DomainError {
  constructor(title: string, plexId: number, errors: FieldError[]) {
    super(`nothing was saved for ${title} (plex ${plexId}):\n${errors.map((e) => `  ${OPTION[e.field] ?? e.field}: ${e.message}`).join('\n')}`);
  }
}

function plexIdOf(command: string, text: string | undefined): number {
  if (!text || !/^\d{1,15}$/.test(text)) throw new UsageError(`users ${command} needs the user's plex id (see users list)`);
  return Number(text);
}

/** An option given on the command line, or undefined: a field not given keeps its value. */
function given(ctx: CliContext, name: string): string | undefined {
  const v = ctx.values[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * `users edit-profile|edit-payment|set-class`: the same service and validation as the bot's forms.
 * The form starts from the user's current values, as the modal does, and the options given
 * replace them; so "--paypal-email ''" clears a field and an absent option leaves it.
 */
export async function runUserEdit(ctx: CliContext, action: 'edit-profile' | 'edit-payment' | 'set-class', rest: string[]): Promise<number> {
  const { app } = ctx;
  const plexId = plexIdOf(action, rest[0]);
  let card: UserCard;
  if (action === 'set-class') {
    const userClass = rest[1];
    if (userClass !== 'standard' && userClass !== 'permanent') throw new UsageError('users set-class needs standard or permanent after the plex id');
    card = await app.users.setClass(plexId, userClass);
  } else if (action === 'edit-profile') {
    const options = ['paypal-email', 'discord-id', 'discord-username'];
    if (options.every((o) => given(ctx, o) === undefined)) throw new UsageError('users edit-profile needs --paypal-email, --discord-id or --discord-username');
    const current = await app.users.card(plexId);
    const idChanged = given(ctx, 'discord-id') !== undefined && given(ctx, 'discord-id')!.trim() !== (current.discordId ?? '');
    const values: ProfileInput = {
      paypalEmail: given(ctx, 'paypal-email') ?? current.paypalEmail ?? '',
      discordId: given(ctx, 'discord-id') ?? current.discordId ?? '',
      // A changed Discord ID without a username: the old username belonged to the old ID.
      discordUsername: given(ctx, 'discord-username') ?? (idChanged ? '' : (current.discordUsername ?? '')),
    };
    card = saved(current, await app.users.updateProfile(plexId, values));
  } else {
    const options = ['plan', 'starts', 'ends', 'subscription-id'];
    if (options.every((o) => given(ctx, o) === undefined)) throw new UsageError('users edit-payment needs --plan, --starts, --ends or --subscription-id');
    const current = await app.users.card(plexId);
    const form = await app.users.paymentForm(plexId);
    const day = (d: Date | undefined) => (d ? d.toISOString().slice(0, 10) : '');
    const values: PaymentInput = {
      plan: given(ctx, 'plan') ?? form.current?.planName ?? form.defaultPlan?.name ?? '',
      startsAt: given(ctx, 'starts') ?? day(form.current?.startsAt),
      endsAt: given(ctx, 'ends') ?? day(form.current?.endsAt),
      subscriptionId: given(ctx, 'subscription-id') ?? form.current?.subscriptionId ?? '',
    };
    card = saved(current, await app.users.updateDefaultPayment(plexId, values), (field) => {
      // Without a default payment there is nothing to keep: say which option is missing.
      const option = { plan: 'plan', startsAt: 'starts', endsAt: 'ends' }[field];
      return option !== undefined && given(ctx, option) === undefined && values[field as keyof PaymentInput] === '';
    });
  }
  await followEdit(app, card);
  if (ctx.json) {
    const item = (await app.directory.listUsers()).find((u) => u.plexId === card.plexId);
    ctx.print(item);
  } else {
    ctx.write(`${describeSaved(action, card)}\n`);
  }
  return 0;
}

function saved(current: UserCard, result: EditResult, missing: (field: string) => boolean = () => false): UserCard {
  if (result.ok) return result.card;
  const errors = result.errors.map((e) => (missing(e.field) ? { ...e, message: 'not given, and the user has no default payment to keep it from' } : e));
  throw new EditRefusedError(current.title, current.plexId, errors);
}

/**
 * Roles (when the bot manages them) and plex.tv shares follow the edit, as they do after the bot's
 * forms. Refusals are warnings: the edit is saved and the next lifecycle run tries again.
 */
async function followEdit(app: App, card: UserCard): Promise<void> {
  const warn = (what: string, reason: string) => process.stderr.write(`warning: saved, but ${card.title}'s ${what} not updated: ${reason}\n`);
  const firstLine = (error: unknown) => (error instanceof Error ? error.message.split('\n')[0]! : String(error));
  if (app.config.DISCORD_SUBSCRIBER_ROLE_ID) {
    try {
      const result = await app.lifecycle.reconcileUser(card.plexId);
      for (const failure of result.failures) warn('Discord roles were', failure.reason);
    } catch (error) {
      warn('Discord roles were', firstLine(error));
    }
  }
  try {
    const result = await app.lifecycle.followPayments([card.plexId]);
    for (const failure of result.failures) warn('Plex shares were', failure.reason);
  } catch (error) {
    warn('Plex shares were', firstLine(error));
  }
}

function describeSaved(action: 'edit-profile' | 'edit-payment' | 'set-class', card: UserCard): string {
  const who = `${card.title} (plex ${card.plexId})`;
  switch (action) {
    case 'set-class':
      return `${who} is now ${card.class}`;
    case 'edit-profile':
      return (
        `${who} saved: PayPal email ${card.paypalEmail ?? '-'}, ` +
        `Discord ${card.discordId ? `${card.discordId}${card.discordUsername ? ` (${card.discordUsername})` : ''}` : '-'}`
      );
    case 'edit-payment': {
      const p = card.defaultPayment!;
      const day = (d: Date) => d.toISOString().slice(0, 10);
      return `${who} saved: default payment ${p.plan}, ${day(p.startsAt)} to ${day(p.endsAt)}, subscription ${p.subscriptionId ?? '-'}; ${card.statusText}`;
    }
  }
}
