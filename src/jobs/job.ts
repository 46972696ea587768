/** A scheduled piece of work: the scheduler runs `run` on `schedule` (a cron expression). */
export interface Job {
  name: string;
  /** Cron expression (5 fields, or 6 with seconds first). */
  schedule: string;
  /** IANA time zone the expression is read in; UTC when absent. */
  timezone?: string;
  /** The variable the schedule came from, named when it is not a valid expression. */
  setting?: string;
  run(): Promise<unknown>;
}
