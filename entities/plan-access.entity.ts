import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Plan } from './plan.entity';

/** What a plan shares on one of the owner's servers: every library, or the libraries named. */
@Entity({ name: 'plan_access' })
@Index('uq_plan_access_plan_server', ['planId', 'machineIdentifier'], { unique: true })
export class PlanAccess {
  @PrimaryGeneratedColumn({ type: 'int' })
  id: number;

  @Column({ name: 'plan_id', type: 'int' })
  planId: number;

  @ManyToOne(() => Plan, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'plan_id' })
  plan?: Plan;

  @Column({ name: 'machine_identifier', type: 'varchar', length: 64 })
  machineIdentifier: string;

  /** As plex.tv named the server when access was set: for lists even when plex.tv is not asked. */
  @Column({ name: 'server_name', type: 'varchar', length: 255 })
  serverName: string;

  @Column({ name: 'all_libraries', type: 'boolean' })
  allLibraries: boolean;

  /** JSON array of library titles (empty when allLibraries). */
  @Column({ name: 'library_titles', type: 'text' })
  libraryTitles: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;

  constructor(init?: Partial<PlanAccess>) {
    Object.assign(this, init);
  }
}
