import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ImportStatus } from '../../entities';
import type { Clock } from '../config/clock';
import type { DateFormat } from '../payments/csv-dates';
import { parsePayPalCsv } from '../payments/paypal-csv';
import type { SourceFetch, TransactionSource } from '../payments/source';
import type { ImportedTransaction } from '../payments/transaction';
import type { Repositories, Store } from '../repositories/store';
import { DomainError, NotFoundError, SyncAlreadyRunningError } from './errors';
import type { LockService } from './lock.service';
import { decideImport, type ImportWrites } from './payments-import/decide';
import { UserMatcher } from './payments-import/matching';
import { choosePlan, periodFor } from './payments-import/periods';
import { refundOutcome } from './payments-import/refunds';
import { emptySummary, type ImportNotice, type ImportSummary } from './payments-import/summary';
import { eventView, paymentView, unmatchedView, type AssignResult, type UnmatchedView, type UserPaymentsView } from './payments-import/views';
import { noProgress, type ProgressListener } from './progress';
import { checkingProgress } from './sync-common';
import { recordRun, RUN_LOCKS } from './recorded-run';
import { computeStatus, describeStatus } from './status';

export type { ImportSummary, ImportNotice } from './payments-import/summary';
export type { AssignResult, PaymentView, UnmatchedView, UserPaymentsView } from './payments-import/views';

export interface PaymentsImportDeps {
  store: Store;
  clock: Clock;
  locks: LockService;
  /** The provider APIs that are configured (none when no keys are set). */
  sources: () => TransactionSource[];
}

/** One import at a time, across processes: two at once would both see a transaction as new. */
export const PAYMENTS_LOCK = RUN_LOCKS.payments;
/** How far back the first API sync looks when there is no cursor yet and no --since. */
const FIRST_SYNC_LOOKBACK_MS = 31 * 86_400_000;

const SOURCE_OF: Record<TransactionSource['name'], ImportedTransaction['source']> = { 'paypal-api': 'paypal', stripe: 'stripe' };

/**
 * Payments import (issue 5): PayPal CSV files and the PayPal and Stripe APIs become payments of
 * the users they belong to. Everything is read and checked first, then written in one transaction,
 * so a bad file or a failing API leaves the data as it was.
 */
export class PaymentsImportService {
  constructor(private readonly deps: PaymentsImportDeps) {}

  async importCsv(text: string, options: { dateFormat?: DateFormat; dryRun?: boolean; onProgress?: ProgressListener } = {}): Promise<ImportSummary> {
    const started = Date.now();
    const dryRun = options.dryRun ?? false;
    const onProgress = options.onProgress ?? noProgress;
    onProgress({ phase: 'reading the file', done: 0, total: 1 });
    const parsed = await parsePayPalCsv(text, { dateFormat: options.dateFormat });
    onProgress({ phase: 'reading the file', done: 1, total: 1 });
    // Reading a big file holds the event loop: let interactions that arrived meanwhile be answered.
    await nextTurn();
    const summary = emptySummary(dryRun);
    summary.ignored = parsed.ignored.length;
    if (parsed.rejected.length > 0) {
      // Validate everything, apply nothing: a half-imported file is worse than none.
      summary.rejected = parsed.rejected;
      summary.durationMs = Date.now() - started;
      return summary;
    }
    const work = (repos: Repositories) => this.apply(repos, parsed.transactions, summary, dryRun, onProgress);
    if (dryRun) await this.deps.store.read(work);
    else
      await this.locked(
        (signal) =>
          this.deps.store.transaction(async (repos) => {
            await this.apply(repos, parsed.transactions, summary, false, checkingProgress(onProgress, signal));
            // The last moment to give up: throwing here rolls the import back.
            signal.throwIfAborted();
          }),
        { kind: 'payments-csv', counts: () => importCounts(summary) },
      );
    summary.durationMs = Date.now() - started;
    return summary;
  }

  async syncApis(options: { since?: Date; onProgress?: ProgressListener } = {}): Promise<ImportSummary> {
    const started = Date.now();
    const onProgress = options.onProgress ?? noProgress;
    const sources = this.deps.sources();
    if (sources.length === 0) {
      throw new DomainError(
        'no payment API is configured: set PAYPAL_CLIENT_ID and PAYPAL_CLIENT_SECRET, or STRIPE_SECRET_KEY (or import a PayPal CSV with "payments import")',
      );
    }
    return this.locked(async (signal) => {
      const until = this.deps.clock.now();
      if (options.since && options.since.getTime() > until.getTime()) throw new DomainError('--since is in the future');
      // Everything is fetched before anything is written: a failure on any page leaves the data and the cursors as they were.
      const fetched: Array<{ source: TransactionSource; since: Date; result: SourceFetch }> = [];
      for (const [i, source] of sources.entries()) {
        onProgress({ phase: `fetching from ${source.name}`, done: i, total: sources.length });
        const since = options.since ?? (await this.deps.store.read((repos) => this.resumePoint(repos, source, until)));
        fetched.push({ source, since, result: await source.fetch(since, until) });
        signal.throwIfAborted();
      }
      onProgress({ phase: 'fetching', done: sources.length, total: sources.length });
      const summary = emptySummary(false);
      summary.sources = fetched.map((f) => ({
        source: f.source.name,
        since: f.since.toISOString(),
        syncedThrough: f.result.syncedThrough.toISOString(),
        fetched: f.result.transactions.length,
      }));
      for (const f of fetched) {
        summary.ignored += f.result.ignored;
        for (const message of f.result.notes) summary.notices.push({ kind: 'source', transactionId: null, message });
      }
      await this.deps.store.transaction(async (repos) => {
        await this.apply(repos, fetched.flatMap((f) => f.result.transactions), summary, false, checkingProgress(onProgress, signal));
        for (const f of fetched) await repos.importCursors.set(f.source.name, f.result.syncedThrough, this.deps.clock.now());
        signal.throwIfAborted();
      });
      summary.durationMs = Date.now() - started;
      return summary;
    }, { kind: 'payments-sync', counts: importCounts });
  }

  async listUnmatched(): Promise<UnmatchedView[]> {
    return (await this.deps.store.read((repos) => repos.unmatchedPayments.listOpen())).map(unmatchedView);
  }

  /**
   * The admin says whose an unmatched payment is: it becomes their payment (plan and period as an
   * import would choose). rememberEmail stores the payer email as their PayPal email and
   * rememberSubscription keeps the subscription ID on the payment, so later payments match alone.
   */
  async assignUnmatched(
    unmatchedId: number,
    plexId: number,
    options: { rememberEmail?: boolean; rememberSubscription?: boolean } = {},
  ): Promise<AssignResult> {
    return this.locked((signal) =>
      this.deps.store.transaction(async (repos) => {
        const now = this.deps.clock.now();
        signal.throwIfAborted();
        const row = await repos.unmatchedPayments.findById(unmatchedId);
        if (!row) throw new NotFoundError(`no unmatched payment #${unmatchedId}: see "payments unmatched"`);
        if (row.paymentId !== null) throw new DomainError(`unmatched payment #${unmatchedId} (${row.transactionId}) is already a payment`);
        if (row.status !== 'completed') {
          throw new DomainError(`payment ${row.transactionId} is ${row.status} at ${row.source === 'paypal' ? 'PayPal' : 'Stripe'}, not money yet: it can be assigned once it completes`);
        }
        const user = await repos.users.findByPlexId(plexId);
        if (!user) throw new NotFoundError(`no user with plex.tv id ${plexId}: see "users list"`);
        if ((await repos.paymentImport.paymentsByTransactionId([row.transactionId])).size > 0) {
          throw new DomainError(`transaction ${row.transactionId} is already recorded as a payment`);
        }
        const notices: ImportNotice[] = [];
        let rememberedEmail: string | null = null;
        if (options.rememberEmail) {
          const email = row.payerEmail?.trim().toLowerCase();
          if (!email) throw new DomainError(`payment ${row.transactionId} has no payer email to remember`);
          const holders = await repos.users.findHolders({ paypalEmail: email, discordId: null }, user.id);
          if (holders.length > 0) {
            throw new DomainError(`${email} is already the PayPal email of ${holders[0]!.title} (plex ${holders[0]!.plexId}): nothing was changed`);
          }
          if (user.paypalEmail && user.paypalEmail !== email) {
            notices.push({ kind: 'profile', transactionId: row.transactionId, message: `PayPal email of ${user.title} changed from ${user.paypalEmail} to ${email}` });
          }
          if (user.paypalEmail !== email) await repos.paymentImport.setPaypalEmail(user.id, email, now);
          rememberedEmail = email;
        }
        const rememberedSubscription = options.rememberSubscription && row.subscriptionId ? row.subscriptionId : null;
        const periods = await repos.paymentImport.periodsOf([user.id]);
        const plans = await repos.plans.list();
        const plan = choosePlan(plans, periods, row.amountCents, row.currency);
        if (plan.plan === null) throw new DomainError(`cannot assign ${row.transactionId}: ${plan.reason}. Create a plan first.`);
        if (plan.note) notices.push({ kind: row.currency !== plan.plan.currency ? 'currency' : 'plan-fallback', transactionId: row.transactionId, message: plan.note });
        const period = periodFor(user, periods, plan.plan, row.occurredAt);
        // Refunded in full while it waited for its user: it is recorded, but buys no time.
        const given = (await repos.paymentEvents.findByReferences([row.transactionId])).filter(
          (e) => e.status === 'completed' || (e.status === 'reversed' && e.transactionId === row.transactionId),
        );
        const voided = given.length > 0 && refundOutcome(row, given).kind === 'void';
        if (voided) {
          notices.push({ kind: given[0]!.kind, transactionId: row.transactionId, message: `${row.transactionId} was refunded in full: recorded as taken back, it buys no time` });
        }
        await repos.payments.insertMany(
          [
            {
              userId: user.id,
              planId: plan.plan.id,
              ...period,
              amountCents: row.amountCents,
              currency: row.currency,
              subscriptionId: rememberedSubscription,
              transactionId: row.transactionId,
              source: row.source,
              isDefault: false,
              paidAt: row.occurredAt,
              voidedAt: voided ? now : null,
            },
          ],
          now,
        );
        const created = (await repos.paymentImport.paymentsByTransactionId([row.transactionId])).get(row.transactionId)!;
        await repos.unmatchedPayments.resolve(row.id, created.id, now);
        await repos.paymentEvents.linkToPayment(row.transactionId, created.id, user.id, now);
        const payment = (await repos.payments.listForUser(user.id, { includeVoided: true })).find((p) => p.transactionId === row.transactionId)!;
        return { unmatchedId, plexId, title: user.title, payment: paymentView(payment), rememberedEmail, rememberedSubscription, notices };
      }),
    );
  }

  async listPayments(plexId: number): Promise<UserPaymentsView> {
    return this.deps.store.read(async (repos) => {
      const user = await repos.users.findByPlexId(plexId);
      if (!user) throw new NotFoundError(`no user with plex.tv id ${plexId}: see "users list"`);
      const payments = await repos.payments.listForUser(user.id, { includeVoided: true });
      const events = await repos.paymentEvents.listForUser(user.id);
      const now = this.deps.clock.now();
      return {
        plexId: user.plexId,
        title: user.title,
        status: describeStatus(computeStatus(user.userClass, payments.filter((p) => p.voidedAt === null), now), now),
        payments: payments.map(paymentView),
        events: events.map(eventView),
      };
    });
  }

  /** Where a source's next sync starts: its cursor, or earlier to see a still-pending transaction complete. */
  private async resumePoint(repos: Repositories, source: TransactionSource, until: Date): Promise<Date> {
    const cursor = (await repos.importCursors.get(source.name)) ?? new Date(until.getTime() - FIRST_SYNC_LOOKBACK_MS);
    const pending = await repos.unmatchedPayments.oldestPending(SOURCE_OF[source.name]);
    return pending && pending.getTime() < cursor.getTime() ? pending : cursor;
  }

  /** Loads what matching needs in a few batched queries, decides, then writes in batches. */
  private async apply(
    repos: Repositories,
    transactions: ImportedTransaction[],
    summary: ImportSummary,
    dryRun: boolean,
    onProgress: ProgressListener,
  ): Promise<void> {
    const now = this.deps.clock.now();
    onProgress({ phase: 'matching', done: 0, total: transactions.length });
    const ids = unique(transactions.map((t) => t.transactionId));
    const references = unique(transactions.map((t) => t.referenceTransactionId).filter((r): r is string => r !== null));
    const payments = await repos.paymentImport.paymentsByTransactionId(unique([...ids, ...references]));
    const unmatched = await repos.unmatchedPayments.findByTransactionIds(ids);
    // Only refunds, reversals and payments that came back reversed can already be events.
    const eventIds = unique(transactions.filter((t) => t.kind !== 'payment' || t.status === 'reversed').map((t) => t.transactionId));
    const events = await repos.paymentEvents.findByTransactionIds(eventIds);
    // What was already given back of the payments these refer to: partial refunds add up.
    const refunded = unique([...references, ...transactions.filter((t) => t.kind === 'payment' && t.status === 'reversed').map((t) => t.transactionId)]);
    const refunds = new Map<string, Map<string, { amountCents: number; currency: string; status: ImportStatus }>>();
    for (const e of await repos.paymentEvents.findByReferences(refunded)) {
      const reference = e.referenceTransactionId!;
      const given = e.status === 'completed' || (e.status === 'reversed' && e.transactionId === reference);
      if (!refunds.has(reference)) refunds.set(reference, new Map());
      refunds.get(reference)!.set(e.transactionId, { amountCents: e.amountCents, currency: e.currency, status: given ? 'completed' : e.status });
    }
    const users = await repos.paymentImport.usersForMatching();
    const holders = await repos.paymentImport.subscriptionHolders(unique(transactions.map((t) => t.subscriptionId).filter((s): s is string => s !== null)));
    const plans = await repos.plans.list();
    const matcher = new UserMatcher(users, holders);
    // The periods of every user a payment may go to (stacking, current plan) or a refund may take time from (re-stacking).
    const candidates = new Set<number>();
    for (const t of transactions) {
      if (t.kind !== 'payment') continue;
      const m = matcher.match(t);
      if (m.user) candidates.add(m.user.id);
    }
    for (const r of refunded) {
      const p = payments.get(r);
      if (p) candidates.add(p.userId);
    }
    const periodsByUser = new Map<number, Awaited<ReturnType<typeof repos.paymentImport.periodsOf>>>();
    for (const p of await repos.paymentImport.periodsOf([...candidates])) {
      const list = periodsByUser.get(p.userId) ?? [];
      list.push(p);
      periodsByUser.set(p.userId, list);
    }
    const writes = decideImport(
      transactions,
      {
        matcher,
        plans,
        periodsByUser,
        payments: new Map([...payments].map(([id, p]) => [id, { userId: p.userId, amountCents: p.amountCents, currency: p.currency, startsAt: p.startsAt, endsAt: p.endsAt, voided: p.voided }])),
        unmatched: new Map(unmatched.map((u) => [u.transactionId, { status: u.status, paymentId: u.paymentId }])),
        events: new Map(events.map((e) => [e.transactionId, { status: e.status }])),
        refunds,
      },
      summary,
      now,
    );
    onProgress({ phase: 'matching', done: transactions.length, total: transactions.length });
    if (dryRun) return;
    await this.write(repos, writes, payments, now);
    onProgress({ phase: 'writing', done: transactions.length, total: transactions.length });
  }

  private async write(repos: Repositories, writes: ImportWrites, known: Map<string, { id: number; userId: number }>, now: Date): Promise<void> {
    await repos.payments.insertMany(writes.payments, now);
    // Full refunds and reversals of payments recorded before: they stop counting, later ones move back.
    if (writes.voids.length > 0) await repos.payments.voidByTransactionIds(writes.voids, now);
    await repos.payments.movePeriods([...writes.moves].map(([transactionId, period]) => ({ transactionId, ...period })), now);
    // Rows that point at a payment: look up the ids of those created just now (and only those).
    const wanted = unique([
      ...writes.unmatched.filter((u) => u.linkPayment).map((u) => u.transactionId),
      ...writes.events.filter((e) => e.linkPayment && e.referenceTransactionId && !known.has(e.referenceTransactionId)).map((e) => e.referenceTransactionId!),
    ]);
    const created = wanted.length > 0 ? await repos.paymentImport.paymentsByTransactionId(wanted) : new Map<string, { id: number; userId: number }>();
    const idOf = (transactionId: string | null) => (transactionId ? (known.get(transactionId) ?? created.get(transactionId))?.id ?? null : null);
    await repos.unmatchedPayments.upsertMany(
      writes.unmatched.map(({ linkPayment, ...u }) => ({ ...u, paymentId: linkPayment ? idOf(u.transactionId) : null })),
      now,
    );
    await repos.paymentEvents.upsertMany(
      writes.events.map(({ linkPayment, ...e }) => ({ ...e, paymentId: linkPayment ? idOf(e.referenceTransactionId) : null })),
      now,
    );
  }

  /** Runs under the payments lock; an import (`record`) is also recorded in sync_runs, failed or not. */
  private async locked<T>(work: (signal: AbortSignal) => Promise<T>, record?: { kind: 'payments-sync' | 'payments-csv'; counts: (result: T) => Record<string, number> }): Promise<T> {
    try {
      return await this.deps.locks.withLock(PAYMENTS_LOCK, ({ signal }) =>
        record ? recordRun(this.deps, record.kind, () => work(signal), record.counts) : work(signal),
      );
    } catch (error) {
      if (error instanceof SyncAlreadyRunningError) throw new DomainError(`a payments import is already running since ${error.since.toISOString()}`);
      throw error;
    }
  }
}

/** What a recorded import keeps of its summary. */
function importCounts(s: ImportSummary): Record<string, number> {
  return {
    imported: s.imported,
    matched: s.matched,
    unmatched: s.unmatched,
    duplicatesSkipped: s.duplicatesSkipped,
    refundsApplied: s.refundsApplied.length,
    refundsFlagged: s.refundsFlagged,
    pending: s.pending,
  };
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
