import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * What a plan grants on plex.tv: per plan and per owned server (by machineIdentifier), every
 * library or a list of library titles. Titles, not plex.tv section ids, because that is what an
 * admin picks and reads; they are matched to ids when sharing, and a title gone from the server is
 * reported then. A plan with no rows grants nothing and the bot leaves its users' shares alone.
 */
export class AddPlanAccess1764800000000 implements MigrationInterface {
  name = 'AddPlanAccess1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'plan_access',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'plan_id', type: 'integer' },
          { name: 'machine_identifier', type: 'varchar', length: '64' },
          { name: 'server_name', type: 'varchar', length: '255' },
          { name: 'all_libraries', type: 'boolean' },
          { name: 'library_titles', type: 'text' },
          { name: 'created_at', type: 'datetime', precision: 3 },
          { name: 'updated_at', type: 'datetime', precision: 3 },
        ],
        indices: [new TableIndex({ name: 'uq_plan_access_plan_server', columnNames: ['plan_id', 'machine_identifier'], isUnique: true })],
        foreignKeys: [
          { columnNames: ['plan_id'], referencedTableName: 'plans', referencedColumnNames: ['id'], onDelete: 'CASCADE', onUpdate: 'NO ACTION' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('plan_access');
  }
}
