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

  /** Entries neither done nor failed for good, oldest first. */
  async pending(kind: OutboxKind): Promise<OutboxItem[]> {
    const rows = await this.sql.query(`SELECT ${COLUMNS} FROM outbox WHERE kind = ? AND done_at IS NULL AND failure IS NULL ORDER BY id`, [kind]);
    return rows.map((r) => ({
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
    }));
  }

  /** The entry with this key and how it stands, or null when there is none. */
  async findByKey(key: string): Promise<(OutboxItem & { state: 'pending' | 'done' | 'failed'; failure: string | null }) | null> {
    const rows = await this.sql.query(`SELECT ${COLUMNS}, done_at, failure FROM outbox WHERE idempotency_key = ?`, [key]);
    const r = rows[0];
    if (!r) return null;
    const failure = (r.failure as string | null) ?? null;
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
      state: r.done_at !== null && r.done_at !== undefined ? 'done' : failure !== null ? 'failed' : 'pending',
      failure,
    };
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
