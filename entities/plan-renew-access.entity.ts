import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Plan } from './plan.entity';

/** The libraries an expired user of the plan keeps on one server for the plan's renew days ("how to renew"). */
@Entity({ name: 'plan_renew_access' })
@Index('uq_plan_renew_access_plan_server', ['planId', 'machineIdentifier'], { unique: true })
export class PlanRenewAccess {
  @PrimaryGeneratedColumn({ type: 'int' })
  id: number;

  @Column({ name: 'plan_id', type: 'int' })
  planId: number;

  @ManyToOne(() => Plan, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'plan_id' })
  plan?: Plan;

  @Column({ name: 'machine_identifier', type: 'varchar', length: 64 })
  machineIdentifier: string;

  @Column({ name: 'server_name', type: 'varchar', length: 255 })
  serverName: string;

  /** JSON array of library titles. */
  @Column({ name: 'library_titles', type: 'text' })
  libraryTitles: string;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;

  constructor(init?: Partial<PlanRenewAccess>) {
    Object.assign(this, init);
  }
}
