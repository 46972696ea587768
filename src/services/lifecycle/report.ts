import { clip } from './messages';

export type LifecycleAction = 'add-role' | 'remove-role' | 'reminder' | 'expired-notice' | 'plex-removal' | 'plex-reduce' | 'plex-restore' | 'plex-access' | 'access-dm' | 'list-members';

/** Something done (or, in a dry run, to be done) to one user. */
export interface LifecycleStep {
  plexId: number;
  title: string;
  action: LifecycleAction;
  detail: string;
}

/** plexId is null for a failure that is not one user's (the member list could not be read). */
export interface LifecycleFailure {
  plexId: number | null;
  action: LifecycleAction;
  reason: string;
}

export interface LifecycleRunResult {
  /** The moment the rules were applied at (ISO). */
  at: string;
  dryRun: boolean;
  rolesAdded: number;
  rolesRemoved: number;
  remindersSent: number;
  expiredNotified: number;
  /** Users whose every share was removed from the owner's Plex servers. */
  removedFromPlex: number;
  /** Expired users whose shares were reduced to their plan's renew libraries (removal comes its renew days later). */
  reducedToRenew: number;
  /** Users the lifecycle had removed whose shares are back after a payment. */
  restoredToPlex: number;
  /** Users whose shares changed to follow their plan (libraries changed, servers shared or unshared). */
  plexAccessChanged: number;
  steps: LifecycleStep[];
  failures: LifecycleFailure[];
}

const COUNTERS = {
  'add-role': 'rolesAdded',
  'remove-role': 'rolesRemoved',
  reminder: 'remindersSent',
  'expired-notice': 'expiredNotified',
  'plex-removal': 'removedFromPlex',
  'plex-reduce': 'reducedToRenew',
  'plex-restore': 'restoredToPlex',
  'plex-access': 'plexAccessChanged',
} as const;

/** Collects one run's outcome; alerts (problems the admin must fix in Discord) are kept apart and sent once. */
export class RunReport {
  readonly result: LifecycleRunResult;
  readonly alerts: string[] = [];

  constructor(at: Date, dryRun: boolean) {
    this.result = { at: at.toISOString(), dryRun, rolesAdded: 0, rolesRemoved: 0, remindersSent: 0, expiredNotified: 0, removedFromPlex: 0, reducedToRenew: 0, restoredToPlex: 0, plexAccessChanged: 0, steps: [], failures: [] };
  }

  done(step: LifecycleStep): void {
    this.result.steps.push(step);
    if (step.action in COUNTERS) this.result[COUNTERS[step.action as keyof typeof COUNTERS]]++;
  }

  failed(plexId: number | null, action: LifecycleAction, reason: string): void {
    this.result.failures.push({ plexId, action, reason });
  }

  alert(text: string): void {
    if (!this.alerts.includes(text)) this.alerts.push(text);
  }
}

/** "2 roles added, 1 removed, 3 reminders, …": one line. */
export function summaryLine(r: LifecycleRunResult): string {
  const verb = r.dryRun ? 'would be ' : '';
  return [
    `roles ${verb}added ${r.rolesAdded}`,
    `roles ${verb}removed ${r.rolesRemoved}`,
    `reminders ${r.dryRun ? 'to send' : 'sent'} ${r.remindersSent}`,
    `expiry notices ${r.dryRun ? 'to send' : 'sent'} ${r.expiredNotified}`,
    `users ${r.dryRun ? 'to remove' : 'removed'} from Plex ${r.removedFromPlex}`,
    `users ${r.dryRun ? 'to reduce' : 'reduced'} to renew libraries ${r.reducedToRenew}`,
    `users ${r.dryRun ? 'to restore' : 'restored'} to Plex ${r.restoredToPlex}`,
    `plan changes ${r.dryRun ? 'to apply' : 'applied'} on Plex ${r.plexAccessChanged}`,
    `failures ${r.failures.length}`,
  ].join(', ');
}

/** The message a scheduled run posts in the admin channel. */
export function adminSummary(jobName: string, r: LifecycleRunResult, titles: ReadonlyMap<number, string>): string {
  const lines = [`**Lifecycle (${jobName})**: ${summaryLine(r)}.`];
  const shown = r.failures.slice(0, 10);
  for (const f of shown) lines.push(`- ${f.plexId === null ? 'all users' : (titles.get(f.plexId) ?? `plex ${f.plexId}`)}: ${f.action} failed: ${f.reason}`);
  if (r.failures.length > shown.length) lines.push(`- and ${r.failures.length - shown.length} more (see the bot's log)`);
  return clip(lines.join('\n'));
}
