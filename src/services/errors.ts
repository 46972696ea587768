/** A rule of the domain said no: the message is meant for the admin as it is. */
export class DomainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class NoDefaultPlanError extends DomainError {
  constructor(standardUsers: number) {
    super(
      `No default plan: ${standardUsers} new standard user(s) need a default payment. ` +
        'Create one first with /plan create (CLI: streams-manager plans create --name … --duration 1m --price 10.00 --default). Nothing was written.',
    );
  }
}

export class SyncAlreadyRunningError extends DomainError {
  constructor(readonly since: Date) {
    super(`a sync is already running since ${since.toISOString()}`);
  }
}

export class NotFoundError extends DomainError {}

/** What an admin typed names more than one user: refused, so nothing lands on the wrong person. */
export class AmbiguousUserError extends DomainError {
  constructor(
    readonly typed: string,
    readonly candidates: Array<{ plexId: number; title: string; username: string | null }>,
    more: number,
    hint?: string,
  ) {
    const lines = candidates.map((c) => `- ${c.title} · ${c.username ?? '(managed user)'} · plex ${c.plexId}`);
    if (more > 0) lines.push(`- …and ${more} more`);
    super(
      `"${typed}" matches ${candidates.length + more} users, not one${hint ? `: ${hint}` : ''}. ` +
        `Pick the user from the list as you type, or type their plex id:\n${lines.join('\n')}`,
    );
  }
}

/** The holder of a lock lost its lease (renewal failed, or found another holder): its work stops. */
export class LeaseLostError extends DomainError {
  constructor(
    readonly lockName: string,
    readonly reason: string,
  ) {
    super(`lost the "${lockName}" lock (${reason}): the work stopped, and what it had not committed was rolled back`);
  }
}
