import { createHash } from 'node:crypto';
import type { OutboxItem } from '../repositories/outbox.repository';
import type { Repositories, Store } from '../repositories/store';

export type { OutboxIntent, OutboxItem } from '../repositories/outbox.repository';

/** Attempts at one effect within a run: Discord remembers a nonce for a few minutes only. */
const SAME_RUN_ATTEMPTS = 3;

/** How one attempt ended, as the caller judged the error. */
export type OutboxOutcome = { status: 'done' } | { status: 'failed'; reason: string } | { status: 'pending'; reason: string };

/**
 * The transactional outbox: an effect on the outside world is recorded (`enqueue`, in the same
 * transaction as the decision that wants it), then performed (`perform`), then settled. A crash
 * anywhere leaves the entry pending, and `pending` hands it to the next run: nothing is lost. The
 * effect receives a nonce derived from the entry's key, the same on every attempt, so the other
 * side can tell a retry after an unknown outcome from a new request (Discord's enforce_nonce):
 * nothing is done twice.
 */
export class Outbox {
  constructor(private readonly store: Store) {}

  /** Discord accepts a nonce of at most 25 characters: a hash of the key, stable across retries and processes. */
  static nonceOf(item: Pick<OutboxItem, 'key'>): string {
    return createHash('sha256').update(item.key).digest('base64url').slice(0, 25);
  }

  pending(kind: OutboxItem['kind']): Promise<OutboxItem[]> {
    return this.store.read((r) => r.outbox.pending(kind));
  }

  /**
   * Performs the effect and records the outcome, with `settle` writing the caller's own marks in
   * the same transaction. `judge` turns an error into 'failed' (retrying will not help) or
   * 'pending' (try again later); an error it rethrows (a fatal one) leaves the entry pending.
   * A 'pending' outcome (a timeout may have reached the other side) is retried at once, up to
   * `attempts` in all, while the other side still remembers the nonce.
   */
  async perform(
    item: OutboxItem,
    effect: (nonce: string) => Promise<void>,
    judge: (error: unknown) => OutboxOutcome,
    at: Date,
    settle?: (repos: Repositories, outcome: OutboxOutcome) => Promise<void>,
    attempts = SAME_RUN_ATTEMPTS,
  ): Promise<OutboxOutcome> {
    let outcome: OutboxOutcome = { status: 'pending', reason: 'not attempted' };
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await effect(Outbox.nonceOf(item));
        outcome = { status: 'done' };
      } catch (error) {
        try {
          outcome = judge(error);
        } catch (fatal) {
          await this.store.read((r) => r.outbox.markAttempted(item.id, at));
          throw fatal;
        }
      }
      if (outcome.status !== 'pending') break;
    }
    await this.store.transaction(async (r) => {
      if (outcome.status === 'done') await r.outbox.markDone(item.id, at);
      else if (outcome.status === 'failed') await r.outbox.markFailed(item.id, outcome.reason, at);
      else await r.outbox.markAttempted(item.id, at);
      if (settle) await settle(r, outcome);
    });
    return outcome;
  }
}
