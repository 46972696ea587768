/**
 * Retries shared by the HTTP clients (plex.tv, PayPal): a failure worth another attempt is thrown
 * as `Retryable`, carrying how to build the error to report once the attempts run out.
 */
export class Retryable extends Error {
  constructor(
    readonly final: (attempts: number) => Error,
    /** The server said how long to wait (429/503 `Retry-After`): wait at least this long. */
    readonly retryAfterMs?: number,
  ) {
    super('retryable');
  }
}

export interface RetryPolicy {
  /** Extra attempts after the first. */
  retries: number;
  /** First backoff delay; it doubles on each retry. */
  delayMs: number;
}

/**
 * Runs `attempt` until it succeeds, fails for good, or the retries run out. `classify` turns
 * whatever was thrown into a final error or a `Retryable`.
 */
export async function withRetries<T>(attempt: () => Promise<T>, classify: (raw: unknown) => Error, policy: RetryPolicy): Promise<T> {
  for (let attemptNo = 1; ; attemptNo++) {
    try {
      return await attempt();
    } catch (raw) {
      const error = raw instanceof Retryable ? raw : classify(raw);
      if (!(error instanceof Retryable)) throw error;
      if (attemptNo > policy.retries) throw error.final(attemptNo);
      const backoff = policy.delayMs * 2 ** (attemptNo - 1);
      await new Promise((resolve) => setTimeout(resolve, Math.max(backoff, error.retryAfterMs ?? 0)));
    }
  }
}
