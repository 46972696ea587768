import type {
  AutocompleteInteraction,
  ButtonInteraction,
  ChatInputCommandInteraction,
  Guild,
  ModalSubmitInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
  StringSelectMenuInteraction,
} from 'discord.js';
import type { App } from '../app';
import type { Logger } from '../config/logger';
import type { MemberDirectory, PaymentInput, ProfileInput, UserListFilters } from '../services/user-admin.service';
import type { Action, ActionKind } from './custom-id';
import type { MemoryStore } from './memory-store';

/** What an admin typed into a modal that was refused: "Try again" reopens it with these. */
export type Draft = { form: 'profile'; plexId: number; values: ProfileInput } | { form: 'payment'; plexId: number; values: PaymentInput };

/**
 * The filters behind a paginated list's buttons; for /plan edit-access, the plan being edited and,
 * once a server is picked, that server and the library titles its select offers (by position).
 */
export type ListView =
  | { list: 'users'; filters: UserListFilters }
  | { list: 'shares'; server?: string }
  | { list: 'plan-access'; plan: string; server?: { machineIdentifier: string; name: string; libraries: string[] } };

/** What follows an admin's change: the user's roles are reconciled at once, not at the next hourly run. */
export interface LifecycleHooks {
  afterEdit(plexId: number): Promise<void>;
  afterPayments(matched: number): Promise<void>;
}

export interface BotContext {
  app: App;
  lifecycle: LifecycleHooks;
  logger: Logger;
  drafts: MemoryStore<Draft>;
  views: MemoryStore<ListView>;
  members(guild: Guild | null): MemberDirectory | undefined;
}

export type ComponentInteraction = ButtonInteraction | StringSelectMenuInteraction | ModalSubmitInteraction;

export type ActionHandlers = {
  [K in ActionKind]?: (interaction: ComponentInteraction, action: Extract<Action, { kind: K }>, ctx: BotContext) => Promise<void>;
};

/** Who may use a command and the buttons, selects and modals it owns: server admins, or any member of the server. */
export type Audience = 'admin' | 'member';

/** One slash command: its definition, who may use it, what it does, and the buttons/selects/modals its replies carry. */
export interface SlashCommand {
  data: RESTPostAPIChatInputApplicationCommandsJSONBody;
  audience: Audience;
  execute(interaction: ChatInputCommandInteraction, ctx: BotContext): Promise<void>;
  autocomplete?(interaction: AutocompleteInteraction, ctx: BotContext): Promise<void>;
  actions?: ActionHandlers;
}
