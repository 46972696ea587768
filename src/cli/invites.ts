import type { InviteResult } from '../services/invite.service';
import { formatTable, UsageError, unknownCommand, type CliArea } from './common';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `invite <email-or-username> --plan P`, `invite list`, `invite cancel <plexId-or-email>`. */
export const invitesArea: CliArea = async ({ app, values, json, print, write }, group, action, rest) => {
  if (action === 'list' && rest.length === 0) {
    const pending = await app.invites.pending();
    if (json) print(pending);
    else if (pending.length === 0) write('no pending invites\n');
    else write(formatTable(['invited', 'user', 'plan', 'waiting for', 'servers', 'since'], pending.map((p) => [p.invitedAs, p.plexId === null ? '' : `${p.title} (plex ${p.plexId})`, p.plan, p.status === 'awaiting-account' ? 'a Plex account' : 'acceptance', p.servers.join(', '), p.invitedAt.toISOString().slice(0, 10)])));
    return 0;
  }
  if (action === 'cancel' && rest.length === 1) {
    const result = await app.invites.cancel(rest[0]!);
    if (json) print(result);
    else {
      const parts = [result.unshared.length > 0 ? `unshared ${result.unshared.join(', ')}` : '', result.alreadyGone.length > 0 ? `already gone from plex.tv: ${result.alreadyGone.join(', ')}` : ''].filter(Boolean);
      write(`invite of ${result.invitedAs} cancelled${parts.length > 0 ? `: ${parts.join('; ')}` : ''}\n`);
    }
    return 0;
  }
  if (!action || rest.length > 0) throw unknownCommand(group, [action, ...rest].join(' '));
  if (typeof values.plan !== 'string') throw new UsageError('invite needs --plan <name>');
  let until: Date | null = null;
  if (typeof values.until === 'string') {
    const m = DATE.exec(values.until);
    until = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
    if (!until || until.toISOString().slice(0, 10) !== values.until) throw new UsageError(`--until "${values.until}" is not a date: use YYYY-MM-DD`);
  }
  const result = await app.invites.invite(action, values.plan, {
    discordId: typeof values['discord-id'] === 'string' ? values['discord-id'] : null,
    until,
    dryRun: values['dry-run'] === true,
  });
  if (json) print({ user: result.user, shares: result.shares.map(({ machineIdentifier, shareId, libraries, pending }) => ({ machineIdentifier, shareId, libraries, pending })) });
  else write(describeInvite(result));
  return 0;
};

export function describeInvite(r: InviteResult): string {
  const lines = [
    `${r.dryRun ? 'Would invite' : 'Invited'} ${r.invitedAs} on plan "${r.plan}" until ${r.endsAt.toISOString().slice(0, 10)}:`,
    ...r.shares.map((s) => `  ${s.serverName}: ${s.libraries.join(', ')}${s.shareId === null ? '' : ` (share ${s.shareId}${s.pending ? ', pending until accepted' : ''})`}`),
  ];
  if (!r.dryRun) lines.push(r.user ? `  user: ${r.user.title} (plex ${r.user.plexId})` : '  no Plex account yet for this e-mail: the next users sync adds them once they sign up');
  if (r.missingLibraries.length > 0) lines.push(`  not shared, gone from the server: ${r.missingLibraries.join(', ')}`);
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  return `${lines.join('\n')}\n`;
}
