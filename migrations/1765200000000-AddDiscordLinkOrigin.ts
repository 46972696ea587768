import { TableColumn, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * How and when a user's Discord account was linked: by an admin in a form, or by the member
 * signing in with Plex. Shown on the user card so an admin can tell a typed ID from a proven one.
 */
export class AddDiscordLinkOrigin1765200000000 implements MigrationInterface {
  name = 'AddDiscordLinkOrigin1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('users', [
      new TableColumn({ name: 'discord_linked_via', type: 'varchar', length: '16', isNullable: true }),
      new TableColumn({ name: 'discord_linked_at', type: 'datetime', precision: 3, isNullable: true }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('users', 'discord_linked_at');
    await queryRunner.dropColumn('users', 'discord_linked_via');
  }
}
