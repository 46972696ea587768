import type { AutocompleteInteraction } from 'discord.js';
import type { BotContext } from './types';

/** Suggests the owner's servers by name; the value is the machine identifier. */
export async function suggestServers(interaction: AutocompleteInteraction, ctx: BotContext): Promise<void> {
  const typed = interaction.options.getFocused().toLowerCase();
  const servers = await ctx.app.catalog.listServers();
  await interaction.respond(
    servers
      .filter((s) => s.name.toLowerCase().includes(typed))
      .slice(0, 25)
      .map((s) => ({ name: s.name.slice(0, 100), value: s.machineIdentifier })),
  );
}

/** Suggests plans by name. */
export async function suggestPlans(interaction: AutocompleteInteraction, ctx: BotContext): Promise<void> {
  const typed = interaction.options.getFocused().toLowerCase();
  const plans = await ctx.app.catalog.listPlans();
  await interaction.respond(
    plans
      .filter((p) => p.name.toLowerCase().includes(typed))
      .slice(0, 25)
      .map((p) => ({ name: p.name.slice(0, 100), value: p.name.slice(0, 100) })),
  );
}

/** Suggests users by Plex username, email, title or Discord username; the value is the plex.tv id. */
export async function suggestUsers(interaction: AutocompleteInteraction, ctx: BotContext): Promise<void> {
  const matches = await ctx.app.users.search(interaction.options.getFocused(), 25);
  await interaction.respond(matches.map((m) => ({ name: m.label.slice(0, 100), value: String(m.plexId) })));
}

/**
 * The plex.tv id behind a user option or field: the id an autocomplete pick puts there, or the one
 * user what was typed names. Several matches are refused with the candidates listed; `hint` ends
 * the message of a refusal.
 */
export async function resolveUser(text: string, ctx: BotContext, hint?: string): Promise<number> {
  return ctx.app.users.identify(text, hint);
}
