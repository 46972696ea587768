import { formatTable } from './cli-format';
import type { ExpiringReport, LifecycleRunResult } from './services/lifecycle.service';
import { summaryLine } from './services/lifecycle/report';

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
