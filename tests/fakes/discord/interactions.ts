/* eslint-disable @typescript-eslint/no-explicit-any */
/** Interaction handles: what the bot answered to one injected interaction. */
import type { CallbackRecord, InteractionHandle } from './types';
import { sleep } from './util';

export class FakeInteraction implements InteractionHandle {
  readonly callbacks: CallbackRecord[] = [];
  /** Accepted follow-up messages (message objects as answered to the bot). */
  readonly followUps: any[] = [];
  readonly editBodies: any[] = [];
  readonly createdAt = Date.now();
  /** The accepted acknowledgement. */
  acked?: CallbackRecord;
  /** The ack deadline passed without an acknowledgement. */
  expired = false;
  /** @original: the reply message, or the component's message after a type 6/7. */
  original?: any;
  /** Set for a type 5 until the first edit or follow-up replaces the "thinking…" message. */
  loading = false;
  deleted = false;
  shownModal?: any;
  answeredChoices?: any[];
  ackTimer?: NodeJS.Timeout;
  private waiters: Array<{ resolve: (r: CallbackRecord) => void; reject: (e: Error) => void }> = [];
  private failure?: Error;

  constructor(
    readonly id: string,
    readonly token: string,
    readonly type: number,
    readonly payload: any,
    /** Short description for violation strings, e.g. `/sync` or `button "confirm"`. */
    readonly label: string,
    /** The message a component interaction was on (for type 6/7). */
    readonly componentMessage?: any,
  ) {}

  response(): Promise<CallbackRecord> {
    if (this.acked) return Promise.resolve(this.acked);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** @internal */
  markAcked(rec: CallbackRecord): void {
    this.acked = rec;
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    for (const w of this.waiters.splice(0)) w.resolve(rec);
  }

  /** @internal */
  markExpired(err: Error): void {
    this.expired = true;
    this.failure = err;
    for (const w of this.waiters.splice(0)) w.reject(err);
  }

  /** @internal */
  dispose(): void {
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    if (!this.acked && !this.failure) this.markExpired(new Error(`fake discord stopped before ${this.label} was acknowledged`));
  }

  edits(): any[] {
    return [...this.editBodies];
  }

  modal(): any | undefined {
    return this.shownModal;
  }

  choices(): any[] | undefined {
    return this.answeredChoices;
  }

  final(): any {
    if (this.deleted || !this.original) return undefined;
    if (this.loading) return undefined;
    return this.original;
  }

  async waitFor(pred: (h: InteractionHandle) => boolean, timeoutMs = 5000): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (pred(this)) return;
      if (Date.now() > end) {
        throw new Error(
          `fake discord: waitFor on ${this.label} timed out after ${timeoutMs} ms; callbacks=${JSON.stringify(
            this.callbacks.map((c) => ({ type: c.type, status: c.status })),
          )} edits=${this.editBodies.length} followUps=${this.followUps.length}`,
        );
      }
      await sleep(10);
    }
  }
}
