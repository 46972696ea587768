import { PermissionFlagsBits, type Interaction } from 'discord.js';

export type Check = { ok: true } | { ok: false; reason: string };

/**
 * Admin commands are hidden from non-admins by default_member_permissions, but a guild can
 * override that: so every interaction is checked again here. Manage Server, or the admin role.
 */
export function checkAdmin(interaction: Interaction, adminRoleId: string | undefined): Check {
  if (!interaction.inGuild()) return { ok: false, reason: 'This bot is used from its Discord server, not in DMs.' };
  if (interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) return { ok: true };
  if (adminRoleId) {
    const roles = interaction.member.roles;
    const has = Array.isArray(roles) ? roles.includes(adminRoleId) : roles.cache.has(adminRoleId);
    if (has) return { ok: true };
  }
  return { ok: false, reason: 'Only server admins (Manage Server permission) can use this.' };
}
