import { PermissionFlagsBits, PermissionsBitField } from 'discord.js';

/** What the bot needs on its server: roles to give, messages to write. */
export const BOT_PERMISSIONS = new PermissionsBitField([
  PermissionFlagsBits.ManageRoles,
  PermissionFlagsBits.ViewChannel,
  PermissionFlagsBits.SendMessages,
  PermissionFlagsBits.EmbedLinks,
]);

/** The link that adds the bot to a server with exactly BOT_PERMISSIONS (the bot at start and the setup wizard print it). */
export function inviteLink(applicationId: string): string {
  return `https://discord.com/oauth2/authorize?client_id=${applicationId}&scope=bot%20applications.commands&permissions=${BOT_PERMISSIONS.bitfield}`;
}
