import { PermissionFlagsBits, type Interaction } from 'discord.js';
import type { Audience } from './types';

export type Check = { ok: true } | { ok: false; reason: string };

/** What the bot serves: one Discord server, and who there counts as an admin. */
export interface AccessRules {
  guildId: string;
  adminRoleId?: string;
}

export const OTHER_SERVER = 'This bot serves another Discord server: it does nothing here.';
export const ADMINS_ONLY = 'Only server admins (Manage Server permission) can use this.';

/**
 * Who may use an interaction, from the interaction alone (nothing is read from the database):
 * the bot's own server only (not another server it was added to, not a DM), then the audience.
 * Admin commands are hidden from non-admins by default_member_permissions, but a guild can
 * override that: so every interaction is checked again here. Manage Server, or the admin role.
 */
export function checkAccess(interaction: Interaction, audience: Audience, rules: AccessRules): Check {
  if (!interaction.inGuild() || interaction.guildId !== rules.guildId) return { ok: false, reason: OTHER_SERVER };
  if (audience === 'member') return { ok: true };
  if (interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild)) return { ok: true };
  if (rules.adminRoleId) {
    const roles = interaction.member.roles;
    const has = Array.isArray(roles) ? roles.includes(rules.adminRoleId) : roles.cache.has(rules.adminRoleId);
    if (has) return { ok: true };
  }
  return { ok: false, reason: ADMINS_ONLY };
}
