import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type UserClass = 'standard' | 'permanent';

/** One of the owner's Plex Media Servers, as seen on plex.tv. */
@Entity({ name: 'media_servers' })
@Index('uq_media_servers_machine_identifier', ['machineIdentifier'], { unique: true })
export class MediaServer {
  @PrimaryGeneratedColumn({ type: 'int' })
  id: number;

  @Column({ name: 'machine_identifier', type: 'varchar', length: 64 })
  machineIdentifier: string;

  @Column({ type: 'varchar', length: 255 })
  name: string;

  /** The media-server integration setting: the class given to users first imported from this server. */
  @Column({ name: 'import_as', type: 'varchar', length: 16, default: 'standard' })
  importAs: UserClass;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'datetime', precision: 3 })
  updatedAt: Date;

  constructor(init?: Partial<MediaServer>) {
    Object.assign(this, init);
  }
}
