import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The outbox: every effect on the outside world (a DM today; role changes and plex.tv shares
 * later) is first written here with its idempotency key, then performed, then marked done. A
 * crash leaves the row pending, to be retried, never a silent gap or a second effect.
 */
export class CreateOutbox1764400000000 implements MigrationInterface {
  name = 'CreateOutbox1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'outbox',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'idempotency_key', type: 'varchar', length: '100' },
          { name: 'kind', type: 'varchar', length: '16' },
          { name: 'user_id', type: 'integer', isNullable: true },
          { name: 'target', type: 'varchar', length: '64' },
          { name: 'payload', type: 'text' },
          { name: 'reason', type: 'varchar', length: '255' },
          { name: 'created_at', type: 'datetime', precision: 3 },
          { name: 'attempts', type: 'integer', default: 0 },
          { name: 'last_attempt_at', type: 'datetime', precision: 3, isNullable: true },
          { name: 'done_at', type: 'datetime', precision: 3, isNullable: true },
          { name: 'failure', type: 'varchar', length: '255', isNullable: true },
        ],
        indices: [
          new TableIndex({ name: 'uq_outbox_key', columnNames: ['idempotency_key'], isUnique: true }),
          new TableIndex({ name: 'idx_outbox_pending', columnNames: ['kind', 'done_at'] }),
          new TableIndex({ name: 'idx_outbox_user', columnNames: ['user_id'] }),
        ],
        foreignKeys: [
          { columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE', onUpdate: 'NO ACTION' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('outbox');
  }
}
