import { TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * A payment that was fully refunded or reversed stops buying time but stays as history:
 * `voided_at` marks it. `paid_at` is when the money came in (a stacked renewal starts later),
 * so the payments stacked after a voided one can move back without starting before they were
 * paid. Rows from before this migration keep `paid_at` empty: their payment time is unknown,
 * so they are left where they are. Refunds are looked up by the payment they refer to.
 */
export class AddPaymentVoiding1764700000000 implements MigrationInterface {
  name = 'AddPaymentVoiding1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('payments', [
      new TableColumn({ name: 'paid_at', type: 'datetime', precision: 3, isNullable: true }),
      new TableColumn({ name: 'voided_at', type: 'datetime', precision: 3, isNullable: true }),
    ]);
    await queryRunner.createIndex('payment_events', new TableIndex({ name: 'idx_payment_events_reference', columnNames: ['reference_transaction_id'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('payment_events', 'idx_payment_events_reference');
    await queryRunner.dropColumn('payments', 'voided_at');
    await queryRunner.dropColumn('payments', 'paid_at');
  }
}
