import type { Interaction } from 'discord.js';
import { decodeAction, type Action } from './custom-id';
import { checkAccess, type AccessRules } from './permissions';
import { answer, answerFailure } from './replies';
import type { Audience, BotContext, ComponentInteraction, SlashCommand } from './types';

type ActionHandler = (i: ComponentInteraction, a: Action, c: BotContext) => Promise<void>;

/** Where an interaction goes, and who may send it: found from the interaction alone, before any check passes. */
interface Route {
  audience: Audience;
  run(): Promise<void>;
}

/** What is not ours (an unknown command, a custom_id we did not make) is refused as an admin route would be. */
const UNKNOWN: Audience = 'admin';

/**
 * Routes every interaction: slash commands by name, autocomplete to its command, buttons,
 * selects and modals by their parsed custom_id to the command that owns the action. Before any
 * handler runs, the interaction is checked once: the bot's own server, then the audience of the
 * command it belongs to; so a crafted custom_id cannot reach an admin handler. Every failure is
 * answered by one handler.
 */
export function createRouter(commands: readonly SlashCommand[], ctx: BotContext, rules: AccessRules) {
  const byName = new Map(commands.map((c) => [c.data.name, c]));
  const actions = new Map<string, { owner: SlashCommand; handler: ActionHandler }>();
  for (const command of commands) {
    for (const [kind, handler] of Object.entries(command.actions ?? {})) {
      if (actions.has(kind)) throw new Error(`two commands handle the action ${kind}`);
      actions.set(kind, { owner: command, handler: handler as ActionHandler });
    }
  }

  function find(interaction: Interaction): Route | undefined {
    if (interaction.isAutocomplete()) {
      const command = byName.get(interaction.commandName);
      return {
        audience: command?.audience ?? UNKNOWN,
        run: async () => (command?.autocomplete ? command.autocomplete(interaction, ctx) : interaction.respond([])),
      };
    }
    if (interaction.isChatInputCommand()) {
      const command = byName.get(interaction.commandName);
      return {
        audience: command?.audience ?? UNKNOWN,
        run: async () =>
          command
            ? command.execute(interaction, ctx)
            : answer(interaction, { content: `Unknown command /${interaction.commandName}: the bot's commands changed; it re-registers them at start.` }),
      };
    }
    if (!interaction.isButton() && !interaction.isStringSelectMenu() && !interaction.isModalSubmit()) return undefined;
    const action = decodeAction(interaction.customId);
    const route = action && actions.get(action.kind);
    return {
      audience: route?.owner.audience ?? UNKNOWN,
      run: async () =>
        route
          ? route.handler(interaction, action, ctx)
          : answer(interaction, { content: 'This button or form is from an older version of the bot and no longer works: run the command again.' }),
    };
  }

  return async function route(interaction: Interaction): Promise<void> {
    try {
      const found = find(interaction);
      if (!found) return;
      const access = checkAccess(interaction, found.audience, rules);
      if (!access.ok) {
        // Autocomplete cannot show text: whoever is refused learns nothing from it.
        if (interaction.isAutocomplete()) return await interaction.respond([]);
        if (interaction.isRepliable()) return await answer(interaction, { content: access.reason });
        return;
      }
      await found.run();
    } catch (error) {
      await answerFailure(interaction, error, ctx.logger);
    }
  };
}
