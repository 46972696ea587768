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
