import type { OutboxKind } from '../../entities';
import { isDuplicateKey } from './lock.repository';
import { readDate, type Sql } from './sql';

/** An effect to perform: what (payload), for whom (target), why (reason), and the key that makes it once. */
export interface OutboxIntent {
  key: string;
  kind: OutboxKind;
  userId: number | null;
  target: string;
  payload: string;
  reason: string;
}

export interface OutboxItem extends OutboxIntent {
  id: number;
  createdAt: Date;
  attempts: number;
  lastAttemptAt: Date | null;
}

const COLUMNS = 'id, idempotency_key, kind, user_id, target, payload, reason, created_at, attempts, last_attempt_at';

/** The outbox table: intents written before their effect, settled after it. */
export class OutboxRepository {
  constructor(private readonly sql: Sql) {}

  /** Records the intent; null when an entry with this key exists already (the effect is someone else's). */
  async enqueue(intent: OutboxIntent, at: Date): Promise<OutboxItem | null> {
    try {
      const { insertId } = await this.sql.execute(
        'INSERT INTO outbox (idempotency_key, kind, user_id, target, payload, reason, created_at, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, 0)',
        [intent.key, intent.kind, intent.userId, intent.target, intent.payload, intent.reason.slice(0, 255), at],
      );
      let id = insertId;
      if (id === null || id <= 0) {
        const rows = await this.sql.query('SELECT id FROM outbox WHERE idempotency_key = ?', [intent.key]);
        id = rows[0] ? Number(rows[0].id) : null;
      }
      return id === null ? null : { ...intent, id, createdAt: at, attempts: 0, lastAttemptAt: null };
    } catch (error) {
      if (isDuplicateKey(error)) return null;
      throw error;
    }
  }

  /**
   * Records many intents at once; an intent whose key exists already is left as it is. Answers
   * every key's entry as it now stands (the new ones and the earlier ones alike).
   */
  async enqueueMany(intents: OutboxIntent[], at: Date): Promise<Map<string, OutboxItem & { state: 'pending' | 'done' | 'failed'; failure: string | null }>> {
    const keys = intents.map((i) => i.key);
    const found = await this.findByKeys(keys);
    const missing = intents.filter((i) => !found.has(i.key));
    if (missing.length > 0) {
      try {
        await this.sql.insertMany(
          'outbox',
          ['idempotency_key', 'kind', 'user_id', 'target', 'payload', 'reason', 'created_at', 'attempts'],
          missing.map((i) => [i.key, i.kind, i.userId, i.target, i.payload, i.reason.slice(0, 255), at, 0]),
        );
      } catch (error) {
        // Another process recorded one of these keys meanwhile (the statement inserted nothing): one at a time.
        if (!isDuplicateKey(error)) throw error;
        for (const intent of missing) await this.enqueue(intent, at);
      }
      for (const [key, item] of await this.findByKeys(missing.map((i) => i.key))) found.set(key, item);
    }
    return found;
  }

  /** The entries with these keys, and how each stands. */
  async findByKeys(keys: string[]): Promise<Map<string, OutboxItem & { state: 'pending' | 'done' | 'failed'; failure: string | null }>> {
    const rows = await this.sql.queryIn((inList) => `SELECT ${COLUMNS}, done_at, failure FROM outbox WHERE idempotency_key IN (${inList})`, keys);
    return new Map(rows.map((r) => [String(r.idempotency_key), withState(r)]));
  }

  /**
   * The effects of these entries are about to be attempted: were the process to die before they
   * are settled, the next attempt knows one may have reached the other side (and looks first).
   */
  async markStarting(ids: number[], at: Date): Promise<void> {
    await this.sql.queryIn((inList) => `UPDATE outbox SET last_attempt_at = ? WHERE id IN (${inList})`, ids, [at]);
  }

  async markDoneMany(ids: number[], at: Date): Promise<void> {
    await this.sql.queryIn((inList) => `UPDATE outbox SET done_at = ?, failure = NULL, attempts = attempts + 1, last_attempt_at = ? WHERE id IN (${inList})`, ids, [at, at]);
  }

  async markAttemptedMany(ids: number[], at: Date): Promise<void> {
    await this.sql.queryIn((inList) => `UPDATE outbox SET attempts = attempts + 1, last_attempt_at = ? WHERE id IN (${inList})`, ids, [at]);
  }

  /** Entries neither done nor failed for good, oldest first. */
  async pending(kind: OutboxKind): Promise<OutboxItem[]> {
    const rows = await this.sql.query(`SELECT ${COLUMNS} FROM outbox WHERE kind = ? AND done_at IS NULL AND failure IS NULL ORDER BY id`, [kind]);
    return rows.map(toItem);
  }

  /** The entry with this key and how it stands, or null when there is none. */
  async findByKey(key: string): Promise<(OutboxItem & { state: 'pending' | 'done' | 'failed'; failure: string | null }) | null> {
    const rows = await this.sql.query(`SELECT ${COLUMNS}, done_at, failure FROM outbox WHERE idempotency_key = ?`, [key]);
    const r = rows[0];
    return r ? withState(r) : null;
  }

  async markDone(id: number, at: Date): Promise<void> {
    await this.sql.query('UPDATE outbox SET done_at = ?, failure = NULL, attempts = attempts + 1, last_attempt_at = ? WHERE id = ?', [at, at, id]);
  }

  /** Settled without the effect: retrying would meet the same refusal. */
  async markFailed(id: number, failure: string, at: Date): Promise<void> {
    await this.sql.query('UPDATE outbox SET failure = ?, attempts = attempts + 1, last_attempt_at = ? WHERE id = ?', [failure.slice(0, 255), at, id]);
  }

  /** An attempt that may or may not have reached the other side: the entry stays pending. */
  async markAttempted(id: number, at: Date): Promise<void> {
    await this.sql.query('UPDATE outbox SET attempts = attempts + 1, last_attempt_at = ? WHERE id = ?', [at, id]);
  }
}

function withState(r: Record<string, unknown>): OutboxItem & { state: 'pending' | 'done' | 'failed'; failure: string | null } {
  const failure = (r.failure as string | null) ?? null;
  return {
    ...toItem(r),
    state: r.done_at !== null && r.done_at !== undefined ? 'done' : failure !== null ? 'failed' : 'pending',
    failure,
  };
}

function toItem(r: Record<string, unknown>): OutboxItem {
  return {
    id: Number(r.id),
    key: String(r.idempotency_key),
    kind: r.kind as OutboxKind,
    userId: r.user_id === null || r.user_id === undefined ? null : Number(r.user_id),
    target: String(r.target),
    payload: String(r.payload),
    reason: String(r.reason),
    createdAt: readDate(r.created_at) as Date,
    attempts: Number(r.attempts),
    lastAttemptAt: readDate(r.last_attempt_at),
  };
}
