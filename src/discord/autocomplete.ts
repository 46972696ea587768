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
