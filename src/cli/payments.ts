import fs from 'node:fs';
import { formatTable, UsageError, unknownCommand, type CliArea, type CliContext } from './common';
import type { DateFormat } from '../payments/csv-dates';
import { decodeCsvStream } from '../payments/paypal-csv';
import { DomainError } from '../services/errors';
import type { ImportSummary } from '../services/payments-import.service';
import type { LifecycleRunResult } from '../services/lifecycle.service';

/** Notices printed in full on a terminal; the rest are counted (all of them are in --json). */
const NOTICES_SHOWN = 30;

/** What following the payments did on plex.tv; null when nothing (no plan grants access, or nobody's access changed). */
interface AccessFollowed {
  restoredToPlex: number;
  plexAccessChanged: number;
  changes: LifecycleRunResult['steps'];
  failures: LifecycleRunResult['failures'];
}

/** Shares follow the payments just imported; a failure is reported, and retried by the next lifecycle run. */
async function followPayments(app: CliContext['app']): Promise<AccessFollowed | null> {
  try {
    const r = await app.lifecycle.followPayments();
    if (r.steps.length === 0 && r.failures.length === 0) return null;
    return { restoredToPlex: r.restoredToPlex, plexAccessChanged: r.plexAccessChanged, changes: r.steps, failures: r.failures };
  } catch (error) {
    return { restoredToPlex: 0, plexAccessChanged: 0, changes: [], failures: [{ plexId: null, action: 'plex-restore', reason: (error as Error).message }] };
  }
}

function formatAccess(a: AccessFollowed | null): string {
  if (!a) return '';
  const lines = [`\nPlex access: ${a.restoredToPlex} user(s) restored, ${a.plexAccessChanged} changed to follow their plan.`];
  for (const c of a.changes) lines.push(`  ${c.title} (plex ${c.plexId}): ${c.action}: ${c.detail}`);
  for (const f of a.failures) lines.push(`  ! ${f.plexId ?? 'all users'}: ${f.action} failed: ${f.reason}`);
  return `${lines.join('\n')}\n`;
}

/** `payments import|sync|unmatched|assign|list`: read options, call the payments service, print. */
export const paymentsArea: CliArea = async ({ app, values, json, print, write, progress: onProgress }, group, action, rest) => {
  switch (action) {
    case 'import': {
      const file = rest[0];
      if (!file) throw new UsageError('payments import needs the CSV file downloaded from PayPal (Activity > Download)');
      const format = values['date-format'];
      if (format !== undefined && format !== 'MDY' && format !== 'DMY') throw new UsageError('--date-format must be MDY (US: 1/31/2026) or DMY (31/01/2026)');
      const summary = await app.payments.importCsv(await openText(file), { dateFormat: format as DateFormat | undefined, dryRun: values['dry-run'] === true, onProgress });
      const access = summary.dryRun || summary.rejected.length > 0 ? null : await followPayments(app);
      if (json) print(access ? { ...summary, plexAccess: access } : summary);
      else write(formatImportSummary(summary) + formatAccess(access));
      return summary.rejected.length > 0 ? 1 : 0;
    }
    case 'sync': {
      let since: Date | undefined;
      if (typeof values.since === 'string') {
        since = new Date(values.since);
        if (Number.isNaN(since.getTime())) throw new UsageError(`--since "${values.since}" is not a date: use ISO 8601, like 2026-10-01`);
      }
      const summary = await app.payments.syncApis({ since, onProgress });
      const access = await followPayments(app);
      if (json) print(access ? { ...summary, plexAccess: access } : summary);
      else write(formatImportSummary(summary) + formatAccess(access));
      return 0;
    }
    case 'unmatched': {
      const rows = await app.payments.listUnmatched();
      if (json) print(rows);
      else
        write(
          rows.length === 0
            ? 'No unmatched or pending payments.\n'
            : formatTable(
                ['id', 'date', 'amount', 'status', 'payer', 'subscription', 'transaction', 'why'],
                rows.map((r) => [r.id, r.occurredAt.slice(0, 10), `${r.amount} ${r.currency}`, r.status, r.payerEmail ?? r.payerName ?? '-', r.subscriptionId ?? '', r.transactionId, r.reason]),
              ),
        );
      return 0;
    }
    case 'assign': {
      const [unmatchedId, plexId] = [Number(rest[0]), Number(rest[1])];
      if (!Number.isInteger(unmatchedId) || !Number.isInteger(plexId) || !rest[0] || !rest[1]) {
        throw new UsageError('payments assign needs the unmatched payment id (see payments unmatched) and the user\'s plex id (see users list)');
      }
      const remember = values.remember === true;
      const result = await app.payments.assignUnmatched(unmatchedId, plexId, { rememberEmail: remember, rememberSubscription: remember });
      if (json) print(result);
      else {
        const p = result.payment;
        const lines = [`${p.transactionId} is now a payment of ${result.title}: ${p.plan}, ${p.startsAt.slice(0, 10)} to ${p.endsAt.slice(0, 10)}`];
        if (result.rememberedEmail) lines.push(`PayPal email set to ${result.rememberedEmail}`);
        if (result.rememberedSubscription) lines.push(`later payments of ${result.rememberedSubscription} will match ${result.title}`);
        for (const n of result.notices) lines.push(`  ! ${n.message}`);
        write(`${lines.join('\n')}\n`);
      }
      return 0;
    }
    case 'list': {
      const plexId = Number(rest[0]);
      if (!rest[0] || !Number.isInteger(plexId)) throw new UsageError('payments list needs the user\'s plex id (see users list)');
      const view = await app.payments.listPayments(plexId);
      if (json) print(view);
      else {
        write(`${view.title} (plex ${view.plexId}): ${view.status}\n`);
        write(
          formatTable(
            ['source', 'plan', 'from', 'to', 'amount', 'subscription', 'transaction'],
            view.payments.map((p) => [p.default ? 'default' : p.source, p.plan, p.startsAt.slice(0, 10), p.endsAt.slice(0, 10), p.amount ? `${p.amount} ${p.currency}` : '-', p.subscriptionId ?? '', `${p.transactionId ?? ''}${p.voidedAt ? ' (taken back)' : ''}`]),
          ),
        );
        for (const e of view.events) write(`  ! ${e.kind} ${e.transactionId} of ${e.referenceTransactionId ?? '?'}: ${e.amount} ${e.currency} on ${e.occurredAt.slice(0, 10)} (${e.status})\n`);
      }
      return 0;
    }
    default:
      throw unknownCommand(group, action);
  }
};

/**
 * Bytes read at a time. Their text (and its copy with one line break kind) stays below V8's
 * large-object size (128 KB), so it dies young instead of piling up until a full collection.
 */
const CSV_READ_BYTES = 32 * 1024;

/**
 * The file's text as it is read, never the whole file at once (a year of PayPal activity is tens
 * of megabytes). Opened here, so a missing or unreadable file is named before the import starts.
 */
async function openText(file: string): Promise<AsyncIterable<string>> {
  const cannotRead = (error: unknown) => new DomainError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(file, 'r');
    if ((await handle.stat()).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  } catch (error) {
    await handle?.close();
    throw cannotRead(error);
  }
  const opened = handle;
  async function* bytes(): AsyncGenerator<Uint8Array> {
    try {
      // The stream closes the file when it ends or is destroyed.
      for await (const chunk of opened.createReadStream({ highWaterMark: CSV_READ_BYTES })) yield chunk as Buffer;
    } catch (error) {
      throw cannotRead(error);
    }
  }
  return decodeCsvStream(bytes());
}

export function formatImportSummary(s: ImportSummary): string {
  if (s.rejected.length > 0) {
    return `${[
      `Nothing was imported: ${s.rejected.length} line(s) of the file cannot be read.`,
      ...s.rejected.map((r) => `  line ${r.line}: ${r.reason}`),
    ].join('\n')}\n`;
  }
  const lines = [
    `${s.dryRun ? 'Dry run, nothing written. Would have: ' : 'Payments import done: '}` +
      `imported ${s.imported} (matched ${s.matched}, unmatched ${s.unmatched}, pending ${s.pending}, refunds/reversals ${s.refundsFlagged}), ` +
      `duplicates skipped ${s.duplicatesSkipped}, not payments ${s.ignored}; ${(s.durationMs / 1000).toFixed(1)} s`,
  ];
  const refunds = [
    s.refundsApplied.length > 0 && `${s.refundsApplied.length} payment(s) taken back by a full refund or reversal`,
    s.refundsToReview.length > 0 && `${s.refundsToReview.length} partial refund(s) to review, time unchanged`,
  ].filter(Boolean);
  if (refunds.length > 0) lines.push(`  ${refunds.join('; ')}`);
  for (const src of s.sources ?? []) lines.push(`  ${src.source}: ${src.fetched} transaction(s) from ${src.since.slice(0, 16)}Z, synced through ${src.syncedThrough.slice(0, 16)}Z`);
  for (const n of s.notices.slice(0, NOTICES_SHOWN)) lines.push(`  ! ${n.line ? `line ${n.line}: ` : ''}${n.message}`);
  if (s.notices.length > NOTICES_SHOWN) lines.push(`  … and ${s.notices.length - NOTICES_SHOWN} more (see --json)`);
  if (s.unmatched > 0) lines.push('Unmatched payments: see "payments unmatched", then "payments assign <id> <plexId> [--remember]".');
  return `${lines.join('\n')}\n`;
}
