import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * What a recorded run did: the two plex.tv syncs, the lifecycle (a full run, or the hourly roles
 * only), and the payments imports (the PayPal/Stripe APIs, or a PayPal CSV file).
 */
export type SyncKind = 'users' | 'shared-servers' | 'lifecycle' | 'lifecycle-roles' | 'payments-sync' | 'payments-csv';
/** 'abandoned': left running by a process that died; marked so at the next start. */
export type SyncOutcome = 'running' | 'succeeded' | 'failed' | 'abandoned';

/** An audit record of one sync, lifecycle run or payments import: kept even when it fails and its changes are rolled back. */
@Entity({ name: 'sync_runs' })
export class SyncRun {
  @PrimaryGeneratedColumn({ type: 'int' })
  id: number;

  @Column({ type: 'varchar', length: 32 })
  kind: SyncKind;

  @Column({ name: 'started_at', type: 'datetime', precision: 3 })
  startedAt: Date;

  @Column({ name: 'finished_at', type: 'datetime', precision: 3, nullable: true })
  finishedAt: Date | null;

  @Column({ type: 'varchar', length: 16 })
  outcome: SyncOutcome;

  @Column({ type: 'simple-json', nullable: true })
  counts: Record<string, number> | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  constructor(init?: Partial<SyncRun>) {
    Object.assign(this, init);
  }
}
