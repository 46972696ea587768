import { randomBytes } from 'node:crypto';

/**
 * Short-lived state behind a custom_id: what an admin typed into a modal (so "Try again"
 * reopens it filled in) and the filters of a paginated list. Kept in memory for 15 minutes,
 * as long as Discord keeps an interaction's follow-up token; after a restart the buttons
 * get a clear "expired" answer instead.
 */
export class MemoryStore<T> {
  private readonly entries = new Map<string, { value: T; expires: number }>();

  constructor(
    private readonly ttlMs = 15 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  put(value: T): string {
    this.sweep();
    const id = randomBytes(6).toString('base64url');
    this.entries.set(id, { value, expires: this.now() + this.ttlMs });
    return id;
  }

  get(id: string): T | undefined {
    const entry = this.entries.get(id);
    if (!entry || entry.expires < this.now()) {
      this.entries.delete(id);
      return undefined;
    }
    return entry.value;
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, entry] of this.entries) if (entry.expires < now) this.entries.delete(id);
  }
}
