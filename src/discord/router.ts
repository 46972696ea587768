import type { Interaction } from 'discord.js';
import { decodeAction, type Action } from './custom-id';
import { checkAdmin } from './permissions';
import { answer, answerFailure } from './replies';
import type { BotContext, ComponentInteraction, SlashCommand } from './types';

/**
 * Routes every interaction: slash commands by name, autocomplete to its command, buttons,
 * selects and modals by their parsed custom_id. Every route checks the admin permission first,
 * and every failure is answered by one handler.
 */
export function createRouter(commands: readonly SlashCommand[], ctx: BotContext, adminRoleId: string | undefined) {
  const byName = new Map(commands.map((c) => [c.data.name, c]));
  const handlers = new Map<string, (i: ComponentInteraction, a: Action, c: BotContext) => Promise<void>>();
  for (const command of commands) {
    for (const [kind, handler] of Object.entries(command.actions ?? {})) {
      if (handlers.has(kind)) throw new Error(`two commands handle the action ${kind}`);
      handlers.set(kind, handler as (i: ComponentInteraction, a: Action, c: BotContext) => Promise<void>);
    }
  }

  return async function route(interaction: Interaction): Promise<void> {
    try {
      if (interaction.isAutocomplete()) {
        const command = byName.get(interaction.commandName);
        // A non-admin learns nothing from autocomplete.
        if (!command?.autocomplete || !checkAdmin(interaction, adminRoleId).ok) return void (await interaction.respond([]));
        return await command.autocomplete(interaction, ctx);
      }
      if (!interaction.isChatInputCommand() && !interaction.isButton() && !interaction.isStringSelectMenu() && !interaction.isModalSubmit()) return;
      const permission = checkAdmin(interaction, adminRoleId);
      if (!permission.ok) return await answer(interaction, { content: permission.reason });
      if (interaction.isChatInputCommand()) {
        const command = byName.get(interaction.commandName);
        if (!command) return await answer(interaction, { content: `Unknown command /${interaction.commandName}: the bot's commands changed; it re-registers them at start.` });
        return await command.execute(interaction, ctx);
      }
      const action = decodeAction(interaction.customId);
      const handler = action && handlers.get(action.kind);
      if (!action || !handler) {
        return await answer(interaction, { content: 'This button or form is from an older version of the bot and no longer works: run the command again.' });
      }
      await handler(interaction, action, ctx);
    } catch (error) {
      await answerFailure(interaction, error, ctx.logger);
    }
  };
}
