import type { SharedServersSyncSummary } from '../services/shared-servers-sync.service';
import type { UsersSyncSummary } from '../services/users-sync.service';
import { unknownCommand, type CliArea } from './common';

/** `sync users|shared-servers`: the two plex.tv syncs. */
export const syncArea: CliArea = async ({ app, values, json, print, write, progress }, group, action) => {
  switch (action) {
    case 'users': {
      const summary = await app.usersSync().run({ dryRun: values['dry-run'] === true, onProgress: progress });
      if (json) print(summary);
      else write(formatUsersSummary(summary));
      return 0;
    }
    case 'shared-servers': {
      const summary = await app.sharedServersSync().run({ onProgress: progress });
      if (json) print(summary);
      else write(formatSharesSummary(summary));
      return 0;
    }
    default:
      throw unknownCommand(group, action);
  }
};

export function formatUsersSummary(s: UsersSyncSummary): string {
  const lines = [
    `${s.dryRun ? 'Dry run, nothing written. Would have: ' : 'Users sync done: '}` +
      `created ${s.created} (standard ${s.createdStandard}, permanent ${s.createdPermanent}), updated ${s.updated}, ` +
      `unchanged ${s.unchanged}, removed ${s.removed}; default payments ${s.defaultPayments}; ${(s.durationMs / 1000).toFixed(1)} s`,
  ];
  if (s.dryRun) {
    for (const u of s.changes.created) lines.push(`  + ${u.title} (plex ${u.plexId}) as ${u.userClass}`);
    for (const u of s.changes.updated) lines.push(`  ~ ${u.title} (plex ${u.plexId}): ${u.fields?.join(', ')}`);
    for (const u of s.changes.removed) lines.push(`  - ${u.title} (plex ${u.plexId}) no longer on plex.tv`);
  }
  if (!s.dryRun && s.created > 0) lines.push(`Review the ${s.created} new user(s): PayPal email, Discord, plan and end date.`);
  return `${lines.join('\n')}\n`;
}

export function formatSharesSummary(s: SharedServersSyncSummary): string {
  const lines = [
    `Shared servers sync done: created ${s.created}, updated ${s.updated}, unchanged ${s.unchanged}, removed ${s.removed}; ${(s.durationMs / 1000).toFixed(1)} s`,
    ...s.servers.map(
      (v) => `  ${v.serverName}: created ${v.created}, updated ${v.updated}, unchanged ${v.unchanged}, removed ${v.removed}, pending ${v.pending}`,
    ),
  ];
  if (s.skippedUnknownUsers > 0) lines.push(`${s.skippedUnknownUsers} share(s) of users not imported yet were skipped: run sync users first.`);
  return `${lines.join('\n')}\n`;
}
