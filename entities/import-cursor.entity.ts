import { Column, Entity, PrimaryColumn } from 'typeorm';

/** How far an API sync got for one source, so the next run picks up there. */
@Entity({ name: 'import_cursors' })
export class ImportCursor {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  source: string;

  /** Everything that happened before this instant has been fetched. */
  @Column({ name: 'synced_through', type: 'datetime', precision: 3 })
  syncedThrough: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;

  constructor(init?: Partial<ImportCursor>) {
    Object.assign(this, init);
  }
}
