import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Invites sent by the bot. A friend invited by an e-mail with no Plex account has no plex.tv
 * account id yet, and every users row needs one: the invite keeps the plan, the end date, the
 * Discord member and the plex.tv share ids until plex.tv shows the account, and the users sync
 * then creates the user from it. `user_id` is set as soon as the account id is known.
 */
export class CreateInvites1765000000000 implements MigrationInterface {
  name = 'CreateInvites1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'invites',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'invited_as', type: 'varchar', length: '255' },
          { name: 'plan_id', type: 'integer' },
          { name: 'starts_at', type: 'datetime', precision: 3 },
          { name: 'ends_at', type: 'datetime', precision: 3 },
          { name: 'discord_id', type: 'varchar', length: '20', isNullable: true },
          { name: 'user_id', type: 'integer', isNullable: true },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'shares', type: 'text' },
          { name: 'failure', type: 'varchar', length: '255', isNullable: true },
          { name: 'created_at', type: 'datetime', precision: 3 },
          { name: 'updated_at', type: 'datetime', precision: 3 },
        ],
        indices: [new TableIndex({ name: 'idx_invites_status', columnNames: ['status'] }), new TableIndex({ name: 'idx_invites_user', columnNames: ['user_id'] })],
        foreignKeys: [
          { columnNames: ['plan_id'], referencedTableName: 'plans', referencedColumnNames: ['id'], onDelete: 'RESTRICT', onUpdate: 'NO ACTION' },
          { columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'SET NULL', onUpdate: 'NO ACTION' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('invites');
  }
}
