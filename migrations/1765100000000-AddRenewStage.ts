import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Staged expiry: a plan may first reduce an expired user's shares to a "renew" set of libraries
 * (a "how to renew" poster) for `plans.renew_days` days, then remove them.
 *
 * The renew set lives in its own table rather than as a stage column on plan_access: every
 * reader of plan_access (shares following payments, invites, /plan edit-access, plans list) means
 * "what the plan grants", and one of them missing a stage filter would grant the renew set as the
 * plan's access. `users.plex_reduced_at` records when a user's shares were reduced; it is cleared
 * when their full access is restored.
 */
export class AddRenewStage1765100000000 implements MigrationInterface {
  name = 'AddRenewStage1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('plans', new TableColumn({ name: 'renew_days', type: 'integer', isNullable: true }));
    await queryRunner.addColumn('users', new TableColumn({ name: 'plex_reduced_at', type: 'datetime', precision: 3, isNullable: true }));
    await queryRunner.createTable(
      new Table({
        name: 'plan_renew_access',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'plan_id', type: 'integer' },
          { name: 'machine_identifier', type: 'varchar', length: '64' },
          { name: 'server_name', type: 'varchar', length: '255' },
          { name: 'library_titles', type: 'text' },
          { name: 'created_at', type: 'datetime', precision: 3 },
          { name: 'updated_at', type: 'datetime', precision: 3 },
        ],
        indices: [new TableIndex({ name: 'uq_plan_renew_access_plan_server', columnNames: ['plan_id', 'machine_identifier'], isUnique: true })],
        foreignKeys: [
          { columnNames: ['plan_id'], referencedTableName: 'plans', referencedColumnNames: ['id'], onDelete: 'CASCADE', onUpdate: 'NO ACTION' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('plan_renew_access');
    await queryRunner.dropColumn('users', 'plex_reduced_at');
    await queryRunner.dropColumn('plans', 'renew_days');
  }
}
