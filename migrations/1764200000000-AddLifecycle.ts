import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The subscription lifecycle's memory: which reminders and expiry notices were sent (the unique
 * key is what stops two processes, or a restart, from sending one twice), what went wrong with a
 * user on Discord, who is marked for removal from the Plex servers, and a log of removals.
 */
export class AddLifecycle1764200000000 implements MigrationInterface {
  name = 'AddLifecycle1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('users', [
      new TableColumn({ name: 'dms_closed_at', type: 'datetime', precision: 3, isNullable: true }),
      new TableColumn({ name: 'discord_missing_at', type: 'datetime', precision: 3, isNullable: true }),
      new TableColumn({ name: 'plex_removal_due_at', type: 'datetime', precision: 3, isNullable: true }),
      new TableColumn({ name: 'plex_removal_error', type: 'varchar', length: '255', isNullable: true }),
      new TableColumn({ name: 'plex_removed_at', type: 'datetime', precision: 3, isNullable: true }),
      new TableColumn({ name: 'plex_removed_end_at', type: 'datetime', precision: 3, isNullable: true }),
    ]);
    await queryRunner.createTable(
      new Table({
        name: 'payment_notices',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'user_id', type: 'integer' },
          { name: 'payment_id', type: 'integer' },
          { name: 'kind', type: 'varchar', length: '16' },
          { name: 'threshold_days', type: 'integer' },
          { name: 'ends_at', type: 'datetime', precision: 3 },
          { name: 'claimed_at', type: 'datetime', precision: 3 },
          { name: 'delivered_at', type: 'datetime', precision: 3, isNullable: true },
          { name: 'failure', type: 'varchar', length: '255', isNullable: true },
        ],
        indices: [
          new TableIndex({ name: 'uq_payment_notices_key', columnNames: ['payment_id', 'kind', 'threshold_days', 'ends_at'], isUnique: true }),
          new TableIndex({ name: 'idx_payment_notices_user', columnNames: ['user_id'] }),
        ],
        foreignKeys: [
          { columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE', onUpdate: 'NO ACTION' },
          { columnNames: ['payment_id'], referencedTableName: 'payments', referencedColumnNames: ['id'], onDelete: 'CASCADE', onUpdate: 'NO ACTION' },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'plex_removals',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'user_id', type: 'integer' },
          { name: 'machine_identifier', type: 'varchar', length: '64' },
          { name: 'server_name', type: 'varchar', length: '255' },
          { name: 'plex_share_id', type: 'bigint' },
          { name: 'ended_at', type: 'datetime', precision: 3, isNullable: true },
          { name: 'removed_at', type: 'datetime', precision: 3 },
        ],
        indices: [new TableIndex({ name: 'idx_plex_removals_user', columnNames: ['user_id'] })],
        foreignKeys: [
          { columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE', onUpdate: 'NO ACTION' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('plex_removals');
    await queryRunner.dropTable('payment_notices');
    for (const column of ['plex_removed_end_at', 'plex_removed_at', 'plex_removal_error', 'plex_removal_due_at', 'discord_missing_at', 'dms_closed_at']) {
      await queryRunner.dropColumn('users', column);
    }
  }
}
