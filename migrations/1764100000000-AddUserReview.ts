import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The manual says every imported user MUST be reviewed by an admin (PayPal email, Discord,
 * real plan and end date): these record when an admin last saved the profile and the default payment.
 */
export class AddUserReview1764100000000 implements MigrationInterface {
  name = 'AddUserReview1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('users', [
      new TableColumn({ name: 'profile_reviewed_at', type: 'datetime', precision: 3, isNullable: true }),
      new TableColumn({ name: 'payment_reviewed_at', type: 'datetime', precision: 3, isNullable: true }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('users', 'payment_reviewed_at');
    await queryRunner.dropColumn('users', 'profile_reviewed_at');
  }
}
