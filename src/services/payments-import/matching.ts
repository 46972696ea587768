import { plexIdOfReference } from '../../payments/checkout-reference';
import type { ImportedTransaction } from '../../payments/transaction';
import type { MatchUserRow } from '../../repositories/payment-import.repository';

export type MatchRule = 'reference' | 'subscription' | 'paypal-email' | 'email' | 'admin';

export type Match =
  | { user: MatchUserRow; rule: MatchRule; note?: string }
  | { user: null; reason: string; note?: string };

/**
 * The matching order of the product rules: (0) a payment made through a Checkout Session the bot
 * created for a user names that user (its reference), whoever paid and with whatever email; (1) a recurring payment whose subscription ID is on
 * exactly one user's payments; (2) the payer's email against the users' PayPal email and email
 * (PayPal email first for PayPal, email first for Stripe), case-insensitive; (3) no one.
 */
export class UserMatcher {
  private readonly byId: Map<number, MatchUserRow>;
  private readonly byPlexId: Map<number, MatchUserRow>;
  private readonly byPaypalEmail = new Map<string, MatchUserRow[]>();
  private readonly byEmail = new Map<string, MatchUserRow[]>();

  constructor(
    users: MatchUserRow[],
    /** Subscription ID → the users whose payments carry it; grows as the import creates payments. */
    private readonly holders: Map<string, Set<number>>,
  ) {
    this.byId = new Map(users.map((u) => [u.id, u]));
    this.byPlexId = new Map(users.map((u) => [u.plexId, u]));
    for (const u of users) {
      if (u.paypalEmail) push(this.byPaypalEmail, u.paypalEmail.trim().toLowerCase(), u);
      if (u.email) push(this.byEmail, u.email.trim().toLowerCase(), u);
    }
  }

  user(id: number): MatchUserRow | undefined {
    return this.byId.get(id);
  }

  match(tx: ImportedTransaction): Match {
    if (tx.checkoutReference) {
      const plexId = plexIdOfReference(tx.checkoutReference);
      const user = plexId === null ? undefined : this.byPlexId.get(plexId);
      if (user) return { user, rule: 'reference' };
      // The payer was sent by the bot for someone: another rule could hand it to someone else, so it waits for the admin.
      return { user: null, reason: `its checkout reference ${tx.checkoutReference} names no current user` };
    }
    let note: string | undefined;
    if (tx.subscriptionId) {
      const users = [...(this.holders.get(tx.subscriptionId) ?? [])].map((id) => this.byId.get(id)).filter((u): u is MatchUserRow => !!u);
      if (users.length === 1) return { user: users[0]!, rule: 'subscription' };
      if (users.length > 1) {
        note = `subscription ${tx.subscriptionId} is on payments of ${users.length} users (${users.map(describe).join(', ')}): not used for matching`;
      }
    }
    const email = tx.payerEmail?.trim().toLowerCase() ?? '';
    if (email) {
      const order: Array<[Map<string, MatchUserRow[]>, MatchRule, string]> =
        tx.source === 'paypal'
          ? [[this.byPaypalEmail, 'paypal-email', 'PayPal email'], [this.byEmail, 'email', 'email']]
          : [[this.byEmail, 'email', 'email'], [this.byPaypalEmail, 'paypal-email', 'PayPal email']];
      for (const [index, rule, label] of order) {
        const users = index.get(email) ?? [];
        if (users.length === 1) return { user: users[0]!, rule, note };
        if (users.length > 1) note = `${users.length} users have the ${label} ${email} (${users.map(describe).join(', ')})`;
      }
    }
    const reason = email
      ? `no user has the ${tx.source === 'paypal' ? 'PayPal email or email' : 'email or PayPal email'} ${email}${tx.subscriptionId ? ` or subscription ${tx.subscriptionId}` : ''}`
      : `no payer email${tx.subscriptionId ? ` and subscription ${tx.subscriptionId} is on no single user` : ''}`;
    return { user: null, reason: note ? `${reason}; ${note}` : reason, note };
  }

  /** A payment with this subscription now exists for this user. */
  recordSubscription(subscriptionId: string, userId: number): void {
    if (!this.holders.has(subscriptionId)) this.holders.set(subscriptionId, new Set());
    this.holders.get(subscriptionId)!.add(userId);
  }
}

function push(map: Map<string, MatchUserRow[]>, key: string, user: MatchUserRow): void {
  const list = map.get(key);
  if (list) list.push(user);
  else map.set(key, [user]);
}

function describe(u: MatchUserRow): string {
  return `${u.title} (plex ${u.plexId})`;
}
