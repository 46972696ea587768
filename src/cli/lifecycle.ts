import { formatTable, UsageError, unknownCommand, type CliArea } from './common';
import type { ExpiringReport, LifecycleRunResult } from '../services/lifecycle.service';
import { summaryLine } from '../services/lifecycle/report';

/** `lifecycle run` and `expiring`. */
export const lifecycleArea: CliArea = async ({ app, values, json, print, write }, group, action) => {
  if (group === 'expiring' && action === undefined) {
    const days = String(values.days ?? '7');
    if (!/^\d{1,4}$/.test(days)) throw new UsageError('--days must be a whole number of days, like 7');
    const report = await app.lifecycle.expiring(Number(days));
    if (json) print(report);
    else write(formatExpiring(report));
    return 0;
  }
  if (group === 'lifecycle' && action === 'run') {
    const dryRun = values['dry-run'] === true;
    let at: Date | undefined;
    if (values.at !== undefined) {
      if (!dryRun) throw new UsageError('--at only works with --dry-run: a real run always happens now');
      at = new Date(String(values.at));
      if (Number.isNaN(at.getTime())) throw new UsageError(`--at "${String(values.at)}" is not a date: use ISO 8601, like 2026-12-25 or 2026-12-25T10:00:00Z`);
    }
    const result = await app.lifecycle.run({ dryRun, at });
    if (json) print(result);
    else write(formatLifecycleRun(result));
    return 0;
  }
  throw unknownCommand(group, action);
};

/** `lifecycle run` on a terminal: what was done (or would be), then the failures. */
export function formatLifecycleRun(r: LifecycleRunResult): string {
  const head = r.dryRun ? `Dry run at ${r.at}, nothing changed. Would have: ` : `Lifecycle run at ${r.at}: `;
  let out = `${head}${summaryLine(r)}\n`;
  if (r.steps.length > 0) out += `\n${formatTable(['plex id', 'user', 'action', 'detail'], r.steps.map((s) => [s.plexId, s.title, s.action, s.detail]))}`;
  if (r.failures.length > 0) {
    out += `\nFailures:\n${formatTable(['plex id', 'action', 'reason'], r.failures.map((f) => [f.plexId ?? '-', f.action, f.reason]))}`;
  }
  return out;
}

/** `expiring` on a terminal: who loses access soon, and who is (about to be) removed from Plex. */
export function formatExpiring(r: ExpiringReport): string {
  let out = `Access ending within ${r.days} day(s) of ${r.at.slice(0, 10)}: ${r.expiring.length}\n`;
  if (r.expiring.length > 0) {
    out += formatTable(
      ['plex id', 'user', 'plan', 'ends', 'days left', 'recurring', 'discord'],
      r.expiring.map((u) => [u.plexId, u.title, u.plan ?? '-', u.endsAt.slice(0, 10), u.daysLeft, u.recurring ? 'yes' : '', u.discordId ? 'linked' : 'no']),
    );
  }
  out += `\nDue for removal from Plex within ${r.days} day(s): ${r.dueForRemoval.length}\n`;
  if (r.dueForRemoval.length > 0) {
    out += formatTable(
      ['plex id', 'user', 'ended', 'removal', 'servers', 'last error'],
      r.dueForRemoval.map((u) => [u.plexId, u.title, u.endedAt.slice(0, 10), u.overdue ? `overdue (${u.removeAt.slice(0, 10)})` : u.removeAt.slice(0, 10), u.servers.join(', '), u.lastError ?? '']),
    );
  }
  return out;
}
