import { formatTable, unknownCommand, type CliArea } from './common';
import { countsLine, relativeTime, type CheckResult, type RunView, type SystemStatus } from '../services/system-status.service';

/** `status [--json]`: the last runs, the locks, and whether plex.tv and Discord take the tokens. */
export const statusArea: CliArea = async ({ app, json, print, write }, group, action) => {
  if (action !== undefined) throw unknownCommand(group, action);
  const status = await app.systemStatus.report();
  if (json) print(status);
  else write(formatStatus(status));
  return 0;
};

/** `status` on a terminal. Times are UTC with how long ago they were. */
export function formatStatus(s: SystemStatus): string {
  const when = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace('T', ' ')}Z (${relativeTime(iso, s.at)})` : '-');
  const check = (c: CheckResult) => `${c.state}: ${c.detail}`;
  let out = `streams-manager-bot ${s.version} · database ${s.database.kind} · ${s.at}\n\n`;
  out += formatTable(['service', 'check'], [
    ['plex.tv', check(s.plex)],
    ['Discord', check(s.discord)],
  ]);
  const runs: Array<[string, RunView | null]> = [
    ['users sync', s.syncs.users],
    ['shared servers sync', s.syncs.sharedServers],
    ['lifecycle run', s.lifecycle.full],
    ['lifecycle roles', s.lifecycle.roles],
    ['payments sync', s.payments.lastSync],
    ['payments CSV import', s.payments.lastCsvImport],
  ];
  out += `\nLast runs\n${formatTable(
    ['run', 'state', 'started', 'finished', 'counts / error'],
    runs.map(([name, r]) => (r ? [name, r.state, when(r.startedAt), when(r.finishedAt), r.error ?? countsLine(r.counts)] : [name, 'never', '-', '-', ''])),
  )}`;
  out += '\nPayment sources\n';
  if (s.payments.problem) out += `problem: ${s.payments.problem}\n`;
  out +=
    s.payments.sources.length === 0
      ? 'none configured (PAYPAL_CLIENT_ID + PAYPAL_CLIENT_SECRET, STRIPE_SECRET_KEY)\n'
      : formatTable(
          ['source', 'configured', 'imported through', 'last import'],
          s.payments.sources.map((p) => [p.source, p.configured ? 'yes' : 'no', when(p.syncedThrough), when(p.lastImportAt)]),
        );
  out += '\nLocks\n';
  out +=
    s.locks.length === 0
      ? 'none held\n'
      : formatTable(
          ['lock', 'holder', 'since', 'lease'],
          s.locks.map((l) => [l.name, l.holder, when(l.since), l.live ? `until ${when(l.expiresAt)}` : `ran out ${when(l.expiresAt)}: free`]),
        );
  return out;
}
