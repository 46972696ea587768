import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Why bringing a user's shares in line with their plan (a restore after a payment, a plan change)
 * last failed on plex.tv. Set means "to do": every lifecycle run retries, and the admin is told
 * when it is first set, not at every retry; cleared once plex.tv matches the plan.
 */
export class AddPlexAccessError1764900000000 implements MigrationInterface {
  name = 'AddPlexAccessError1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('users', new TableColumn({ name: 'plex_access_error', type: 'varchar', length: '255', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('users', 'plex_access_error');
  }
}
