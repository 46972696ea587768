import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * How a member can pay for a plan: a pay URL template (a PayPal.me link with the amount…) and a
 * Stripe price for a card subscription. Both optional: a plan without them offers no pay button.
 */
export class AddPlanPayOptions1765300000000 implements MigrationInterface {
  name = 'AddPlanPayOptions1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('plans', [
      new TableColumn({ name: 'pay_url_template', type: 'varchar', length: '500', isNullable: true }),
      new TableColumn({ name: 'stripe_price_id', type: 'varchar', length: '100', isNullable: true }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('plans', 'stripe_price_id');
    await queryRunner.dropColumn('plans', 'pay_url_template');
  }
}
