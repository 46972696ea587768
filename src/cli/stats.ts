import fs from 'node:fs';
import path from 'node:path';
import { formatTable, UsageError, unknownCommand, type CliArea } from './common';
import { expiriesLine, monthsTable, rulesLine, usersLine } from '../services/stats-format';
import type { StatsReport } from '../services/stats.service';
import { formatCents } from '../payments/money';

/** `stats [--json] [--png FILE]`. */
export const statsArea: CliArea = async ({ app, values, json, print, write }, group, action) => {
  if (group !== 'stats' || action !== undefined) throw unknownCommand(group, action);
  const png = values.png;
  if (png !== undefined && (typeof png !== 'string' || png.trim() === '')) throw new UsageError('--png needs a file name, like --png stats.png');
  // Checked before the work: a typo in the folder should not cost a full report first.
  if (typeof png === 'string') {
    const dir = path.dirname(path.resolve(png));
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`--png ${png}: the folder ${dir} does not exist`);
  }
  const report = await app.stats.report();
  if (typeof png === 'string') {
    // Loaded here, not at the top: Chart.js and Skia would slow the start of every other command.
    const { renderStatsChart } = require('../charts/stats-chart') as typeof import('../charts/stats-chart');
    fs.writeFileSync(png, renderStatsChart(report));
  }
  if (json) print(report);
  else write(formatStats(report) + (typeof png === 'string' ? `\nChart written to ${png}\n` : ''));
  return 0;
};

/** `stats` on a terminal. */
export function formatStats(r: StatsReport): string {
  let out = `Stats at ${r.at}\n\n${usersLine(r)}\n\n`;
  out += `${monthsTable(r)}\n\n`;
  out += 'Revenue, last 12 months:\n';
  out += r.revenueTotals.length === 0
    ? '  no payments with an amount\n'
    : formatTable(
        ['currency', 'net', 'payments', 'refunded'],
        r.revenueTotals.map((t) => [t.currency, formatCents(t.amountCents, t.currency), t.payments, formatCents(t.refundedCents, t.currency)]),
      );
  out += `\nExpiries: ${expiriesLine(r)}\n\n${rulesLine(r)}\n`;
  return out;
}
