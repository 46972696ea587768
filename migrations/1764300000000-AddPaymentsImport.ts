import { Table, TableIndex, type MigrationInterface, type QueryRunner, type TableColumnOptions } from 'typeorm';

/*
 * The payments import (issue 5): transactions kept until they can become payments, refunds and
 * reversals recorded for the admin, and how far each API sync got. Table API: one file for
 * SQLite and MariaDB. No foreign keys to payments/users: these rows are history and must outlive
 * a payment or user an admin deletes.
 */
const id: TableColumnOptions = { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' };
const timestamps: TableColumnOptions[] = [
  { name: 'created_at', type: 'datetime', precision: 3 },
  { name: 'updated_at', type: 'datetime', precision: 3 },
];
const money: TableColumnOptions[] = [
  { name: 'occurred_at', type: 'datetime', precision: 3 },
  { name: 'amount_cents', type: 'integer' },
  { name: 'currency', type: 'varchar', length: '3' },
  { name: 'payer_email', type: 'varchar', length: '255', isNullable: true },
];

export class AddPaymentsImport1764300000000 implements MigrationInterface {
  name = 'AddPaymentsImport1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'unmatched_payments',
        columns: [
          id,
          { name: 'source', type: 'varchar', length: '16' },
          { name: 'transaction_id', type: 'varchar', length: '64' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'reason', type: 'varchar', length: '255' },
          ...money,
          { name: 'payer_name', type: 'varchar', length: '255', isNullable: true },
          { name: 'subscription_id', type: 'varchar', length: '64', isNullable: true },
          { name: 'payment_id', type: 'integer', isNullable: true },
          { name: 'resolved_at', type: 'datetime', precision: 3, isNullable: true },
          ...timestamps,
        ],
        indices: [new TableIndex({ name: 'uq_unmatched_payments_transaction_id', columnNames: ['transaction_id'], isUnique: true })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'payment_events',
        columns: [
          id,
          { name: 'source', type: 'varchar', length: '16' },
          { name: 'kind', type: 'varchar', length: '16' },
          { name: 'transaction_id', type: 'varchar', length: '64' },
          { name: 'reference_transaction_id', type: 'varchar', length: '64', isNullable: true },
          { name: 'status', type: 'varchar', length: '16' },
          ...money,
          { name: 'payment_id', type: 'integer', isNullable: true },
          { name: 'user_id', type: 'integer', isNullable: true },
          ...timestamps,
        ],
        indices: [
          new TableIndex({ name: 'uq_payment_events_transaction_id', columnNames: ['transaction_id'], isUnique: true }),
          new TableIndex({ name: 'idx_payment_events_user', columnNames: ['user_id'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'import_cursors',
        columns: [
          { name: 'source', type: 'varchar', length: '32', isPrimary: true },
          { name: 'synced_through', type: 'datetime', precision: 3 },
          { name: 'updated_at', type: 'datetime', precision: 3 },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['import_cursors', 'payment_events', 'unmatched_payments']) await queryRunner.dropTable(table);
  }
}
