import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../config/clock';
import type { Logger } from '../config/logger';
import type { PaymentSource } from '../../entities';
import type { PlexAccountIdentity, PlexPin, PlexPinApi } from '../plex/plex-pin.client';
import type { Store } from '../repositories/store';
import { DomainError } from './errors';
import { computeStatus, type Status } from './status';

/** What a member sees of themselves: their user, never anyone else's. */
export type MemberView =
  | { linked: false }
  | {
      linked: true;
      plexId: number;
      title: string;
      plan: string | null;
      status: Status;
      /** Set when the user was removed from Plex (no longer on plex.tv, or their shares were taken away). */
      removedAt: Date | null;
      servers: Array<{ serverName: string; pending: boolean; allLibraries: boolean; libraries: string[] }>;
      payments: Array<{ paidAt: Date; amountCents: number | null; currency: string | null; source: PaymentSource; plan: string }>;
    };

/** How a member's Plex sign-in ended. */
export type LinkOutcome =
  | { kind: 'linked'; plexId: number; title: string }
  | { kind: 'already-yours'; plexId: number; title: string }
  | { kind: 'linked-elsewhere'; plexId: number; title: string; otherDiscordId: string }
  | { kind: 'member-linked-to-other'; title: string; otherTitle: string }
  | { kind: 'not-a-user'; account: string }
  | { kind: 'expired' }
  | { kind: 'cancelled' };

export interface LinkStart {
  pin: PlexPin;
  /** Settles when the member signed in (and the link was decided), the PIN expired, or they cancelled. */
  outcome: Promise<LinkOutcome>;
}

export interface MemberServiceOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  pins: () => PlexPinApi;
  pollMs: number;
  /** Longest a sign-in is waited for, whatever the PIN's own life (Discord lets a reply be edited for 15 minutes). */
  maxWaitMs?: number;
  /** Uses of the member commands allowed per member in `windowMs`. */
  usesPerWindow?: number;
  windowMs?: number;
}

const LAST_PAYMENTS = 5;

/**
 * A member's own view (found by their Discord ID only) and linking their Discord account to their
 * Plex user by signing in with Plex. Rate limits and the sign-ins in progress are kept in memory:
 * a restart forgets them (a sign-in then simply has to be started again).
 */
export class MemberService {
  private readonly sessions = new Map<string, AbortController>();
  private readonly uses = new Map<string, number[]>();

  constructor(private readonly options: MemberServiceOptions) {}

  /** Counts one use of /subscription or /link; refuses a member beyond the limit with when to come back. */
  allowUse(discordId: string): void {
    const now = this.options.clock.now().getTime();
    const windowMs = this.options.windowMs ?? 60_000;
    const limit = this.options.usesPerWindow ?? 5;
    const recent = (this.uses.get(discordId) ?? []).filter((t) => t > now - windowMs);
    if (recent.length >= limit) {
      this.uses.set(discordId, recent);
      const wait = Math.max(1, Math.ceil((recent[0]! + windowMs - now) / 1000));
      throw new DomainError(`You are going a bit fast: try again in ${wait} s.`);
    }
    recent.push(now);
    this.uses.set(discordId, recent);
  }

  async view(discordId: string): Promise<MemberView> {
    return this.options.store.read(async (repos) => {
      const user = await repos.users.findByDiscordId(discordId);
      if (!user) return { linked: false as const };
      const payments = await repos.payments.listForUser(user.id);
      const shares = await repos.shares.listForUser(user.id);
      const now = this.options.clock.now();
      const current = payments.find((p) => p.startsAt <= now && now < p.endsAt) ?? [...payments].sort((a, b) => b.endsAt.getTime() - a.endsAt.getTime())[0];
      const paidAt = (p: (typeof payments)[number]) => p.paidAt ?? p.startsAt;
      return {
        linked: true as const,
        plexId: user.plexId,
        title: user.title,
        plan: current?.planName ?? null,
        status: computeStatus(user.userClass, payments, now),
        removedAt: user.removedAt ?? user.plexRemovedAt,
        servers: shares.map((s) => ({ serverName: s.serverName, pending: s.pending, allLibraries: s.allLibraries, libraries: s.libraries })),
        payments: [...payments]
          .sort((a, b) => paidAt(b).getTime() - paidAt(a).getTime() || b.id - a.id)
          .slice(0, LAST_PAYMENTS)
          .map((p) => ({ paidAt: paidAt(p), amountCents: p.amountCents, currency: p.currency, source: p.source, plan: p.planName })),
      };
    });
  }

  /**
   * Starts a Plex sign-in for a member: one at a time per member. The PIN is polled until a token
   * arrives, the PIN expires or the member cancels; the token is used once to learn who signed in
   * and then dropped (never stored, logged or returned).
   */
  async startLink(member: { id: string; username: string }): Promise<LinkStart> {
    if (this.sessions.has(member.id)) throw new DomainError('You already have a Plex sign-in in progress: finish it, or press Cancel on it first.');
    const abort = new AbortController();
    this.sessions.set(member.id, abort);
    let pin: PlexPin;
    try {
      pin = await this.options.pins().createPin();
    } catch (error) {
      this.sessions.delete(member.id);
      throw error;
    }
    const outcome = this.waitForSignIn(pin, member, abort.signal).finally(() => {
      if (this.sessions.get(member.id) === abort) this.sessions.delete(member.id);
    });
    return { pin, outcome };
  }

  /** Answers whether a sign-in of this member was in progress (and is now cancelled). */
  cancelLink(discordId: string): boolean {
    const session = this.sessions.get(discordId);
    if (!session) return false;
    session.abort();
    this.sessions.delete(discordId);
    return true;
  }

  /** Stops every sign-in in progress (the app is closing). */
  close(): void {
    for (const session of this.sessions.values()) session.abort();
    this.sessions.clear();
  }

  private async waitForSignIn(pin: PlexPin, member: { id: string; username: string }, signal: AbortSignal): Promise<LinkOutcome> {
    const deadline = Date.now() + Math.min(pin.expiresIn * 1000, this.options.maxWaitMs ?? 14 * 60_000);
    const pins = this.options.pins();
    while (Date.now() < deadline) {
      try {
        await sleep(Math.min(this.options.pollMs, Math.max(0, deadline - Date.now())), undefined, { signal });
      } catch {
        return { kind: 'cancelled' };
      }
      if (signal.aborted) return { kind: 'cancelled' };
      let state: Awaited<ReturnType<PlexPinApi['checkPin']>>;
      try {
        state = await pins.checkPin(pin.id);
      } catch (error) {
        // plex.tv hiccups: the next poll tries again, until the deadline.
        this.options.logger.warn({ err: { message: (error as Error).message } }, 'polling a Plex sign-in PIN failed');
        continue;
      }
      if (state === 'expired') return { kind: 'expired' };
      if (state.authToken) {
        const account = await pins.whoIs(state.authToken);
        if (signal.aborted) return { kind: 'cancelled' };
        return this.link(member, account);
      }
    }
    return signal.aborted ? { kind: 'cancelled' } : { kind: 'expired' };
  }

  /** Links the member to the owner's user that is this Plex account, unless either side is already linked to someone else. */
  private async link(member: { id: string; username: string }, account: PlexAccountIdentity): Promise<LinkOutcome> {
    return this.options.store.transaction(async (repos) => {
      const user = await repos.users.findByPlexId(account.id);
      if (!user) return { kind: 'not-a-user' as const, account: account.username ?? account.title ?? account.email ?? `Plex account ${account.id}` };
      if (user.discordId === member.id) return { kind: 'already-yours' as const, plexId: user.plexId, title: user.title };
      if (user.discordId) return { kind: 'linked-elsewhere' as const, plexId: user.plexId, title: user.title, otherDiscordId: user.discordId };
      const other = await repos.users.findByDiscordId(member.id);
      if (other) return { kind: 'member-linked-to-other' as const, title: user.title, otherTitle: other.title };
      const linked = await repos.users.linkDiscordIfFree(user.id, member.id, member.username.toLowerCase(), 'plex-sign-in', this.options.clock.now());
      if (!linked) return { kind: 'linked-elsewhere' as const, plexId: user.plexId, title: user.title, otherDiscordId: 'unknown' };
      return { kind: 'linked' as const, plexId: user.plexId, title: user.title };
    });
  }
}
