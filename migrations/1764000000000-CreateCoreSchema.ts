import { Table, TableIndex, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';

/*
 * Written once with the Table API so the same file builds the schema on SQLite and MariaDB.
 * Timestamps have no database default: the repositories set them from the injectable clock.
 */
const id: TableColumnOptions = { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' };
const timestamps: TableColumnOptions[] = [
  { name: 'created_at', type: 'datetime', precision: 3 },
  { name: 'updated_at', type: 'datetime', precision: 3 },
];

/** A named unique index: the same name on both databases, matching the entity's @Index. */
const unique = (table: string, column: string) =>
  new TableIndex({ name: `uq_${table}_${column}`, columnNames: [column], isUnique: true });

export class CreateCoreSchema1764000000000 implements MigrationInterface {
  name = 'CreateCoreSchema1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'media_servers',
        columns: [
          id,
          { name: 'machine_identifier', type: 'varchar', length: '64' },
          { name: 'name', type: 'varchar', length: '255' },
          { name: 'import_as', type: 'varchar', length: '16', default: "'standard'" },
          { name: 'enabled', type: 'boolean', default: 1 },
          ...timestamps,
        ],
        indices: [unique('media_servers', 'machine_identifier')],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'users',
        columns: [
          id,
          { name: 'plex_id', type: 'bigint' },
          { name: 'username', type: 'varchar', length: '255', isNullable: true },
          { name: 'email', type: 'varchar', length: '255', isNullable: true },
          { name: 'title', type: 'varchar', length: '255' },
          { name: 'thumb', type: 'varchar', length: '1024', isNullable: true },
          { name: 'home', type: 'boolean', default: 0 },
          { name: 'class', type: 'varchar', length: '16' },
          { name: 'paypal_email', type: 'varchar', length: '255', isNullable: true },
          { name: 'discord_id', type: 'varchar', length: '20', isNullable: true },
          { name: 'discord_username', type: 'varchar', length: '64', isNullable: true },
          { name: 'removed_at', type: 'datetime', precision: 3, isNullable: true },
          ...timestamps,
        ],
        indices: [unique('users', 'plex_id'), unique('users', 'paypal_email'), unique('users', 'discord_id')],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'plans',
        columns: [
          id,
          { name: 'name', type: 'varchar', length: '100' },
          { name: 'duration_value', type: 'integer' },
          { name: 'duration_unit', type: 'varchar', length: '8' },
          { name: 'price_cents', type: 'integer' },
          { name: 'currency', type: 'varchar', length: '3' },
          { name: 'default_flag', type: 'boolean', isNullable: true },
          ...timestamps,
        ],
        indices: [unique('plans', 'name'), unique('plans', 'default_flag')],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'payments',
        columns: [
          id,
          { name: 'user_id', type: 'integer' },
          { name: 'plan_id', type: 'integer' },
          { name: 'starts_at', type: 'datetime', precision: 3 },
          { name: 'ends_at', type: 'datetime', precision: 3 },
          { name: 'amount_cents', type: 'integer', isNullable: true },
          { name: 'currency', type: 'varchar', length: '3', isNullable: true },
          { name: 'subscription_id', type: 'varchar', length: '64', isNullable: true },
          { name: 'transaction_id', type: 'varchar', length: '64', isNullable: true },
          { name: 'source', type: 'varchar', length: '16' },
          { name: 'is_default', type: 'boolean', default: 0 },
          ...timestamps,
        ],
        indices: [
          new TableIndex({ name: 'idx_payments_user', columnNames: ['user_id'] }),
          new TableIndex({ name: 'idx_payments_subscription', columnNames: ['subscription_id'] }),
          unique('payments', 'transaction_id'),
        ],
        foreignKeys: [
          { columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE', onUpdate: 'NO ACTION' },
          { columnNames: ['plan_id'], referencedTableName: 'plans', referencedColumnNames: ['id'], onDelete: 'RESTRICT', onUpdate: 'NO ACTION' },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'shared_servers',
        columns: [
          id,
          { name: 'user_id', type: 'integer' },
          { name: 'server_id', type: 'integer' },
          { name: 'plex_share_id', type: 'bigint' },
          { name: 'invited_at', type: 'datetime', precision: 3, isNullable: true },
          { name: 'accepted_at', type: 'datetime', precision: 3, isNullable: true },
          { name: 'pending', type: 'boolean', default: 0 },
          { name: 'all_libraries', type: 'boolean', default: 0 },
          { name: 'libraries', type: 'text' },
          ...timestamps,
        ],
        indices: [
          new TableIndex({ name: 'uq_shared_servers_user_server', columnNames: ['user_id', 'server_id'], isUnique: true }),
          new TableIndex({ name: 'idx_shared_servers_server', columnNames: ['server_id'] }),
        ],
        foreignKeys: [
          { columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE', onUpdate: 'NO ACTION' },
          { columnNames: ['server_id'], referencedTableName: 'media_servers', referencedColumnNames: ['id'], onDelete: 'CASCADE', onUpdate: 'NO ACTION' },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'sync_runs',
        columns: [
          id,
          { name: 'kind', type: 'varchar', length: '32' },
          { name: 'started_at', type: 'datetime', precision: 3 },
          { name: 'finished_at', type: 'datetime', precision: 3, isNullable: true },
          { name: 'outcome', type: 'varchar', length: '16' },
          { name: 'counts', type: 'text', isNullable: true },
          { name: 'error', type: 'text', isNullable: true },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'locks',
        columns: [
          { name: 'name', type: 'varchar', length: '64', isPrimary: true },
          { name: 'holder', type: 'varchar', length: '128' },
          { name: 'acquired_at', type: 'datetime', precision: 3 },
          { name: 'expires_at', type: 'datetime', precision: 3 },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['locks', 'sync_runs', 'shared_servers', 'payments', 'plans', 'users', 'media_servers']) {
      await queryRunner.dropTable(table);
    }
  }
}
