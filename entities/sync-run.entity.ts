import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type SyncKind = 'users' | 'shared-servers';
/** 'abandoned': left running by a process that died; marked so at the next start. */
export type SyncOutcome = 'running' | 'succeeded' | 'failed' | 'abandoned';

/** An audit record of one sync: kept even when the sync fails and its changes are rolled back. */
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
