/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * Public types of the fake Discord. Raw API payloads are typed `any` on purpose: the fake checks them by hand,
 * exactly as the real API does, and tests look at them as plain JSON.
 */

export interface FakeRole {
  id: string;
  name: string;
  /** 0 is @everyone; higher is higher in the role list. */
  position: number;
  /** Permission bitfield as a decimal string. */
  permissions: string;
  managed?: boolean;
  color?: number;
  hoist?: boolean;
  mentionable?: boolean;
}

export interface FakeUser {
  id: string;
  username: string;
  global_name?: string | null;
  bot?: boolean;
}

export interface FakeMember {
  user: FakeUser;
  roles: string[];
  /** The user has closed DMs from server members: every DM to them fails with 50007. */
  dmsClosed?: boolean;
  nick?: string | null;
  joined_at?: string;
}

export interface FakeChannel {
  id: string;
  name: string;
  /** Channel type; 0 (GUILD_TEXT) when omitted. */
  type?: number;
  parent_id?: string | null;
  position?: number;
}

export interface FakeGuildSpec {
  id: string;
  name: string;
  ownerId: string;
  roles: FakeRole[];
  members: FakeMember[];
  channels?: FakeChannel[];
}

/** An attachment object as Discord puts it in `resolved.attachments` (see FakeDiscord.attachment). */
export interface FakeAttachment {
  id: string;
  filename: string;
  size: number;
  url: string;
  proxy_url: string;
  content_type?: string;
}

/** A file the bot uploaded with a message (see FakeDiscord.uploads). */
export interface UploadRecord {
  attachmentId: string;
  filename: string;
  contentType: string;
  bytes: Buffer;
  /** The route it came with, below /api/v10 (interaction tokens included). */
  path: string;
}

export interface FakeDiscordOptions {
  token: string;
  applicationId: string;
  botUser: { id: string; username: string };
  guilds: FakeGuildSpec[];
  /** Time the bot has to acknowledge an interaction (Discord: 3 s). */
  ackTimeoutMs?: number;
  /** Lifetime of an interaction token for follow-ups and edits (Discord: 15 min). */
  tokenLifetimeMs?: number;
  /** heartbeat_interval sent in HELLO (Discord: 41250 ms). */
  heartbeatIntervalMs?: number;
  /** Also log every request and gateway frame to console (debugging). */
  debug?: boolean;
}

/** One acknowledgement (or attempted acknowledgement) of an interaction. */
export interface CallbackRecord {
  /** Interaction callback type: 4 reply, 5 deferred reply, 6 deferred update, 7 update, 8 autocomplete, 9 modal. */
  type: number;
  /** The callback's `data` (message body, modal, or `{ choices }`). */
  data: any;
  /** HTTP status the fake answered. Only 2xx callbacks count as the acknowledgement. */
  status: number;
  withResponse: boolean;
  at: number;
}

export interface RestLogEntry {
  method: string;
  /** When the fake received the request (Date.now()), e.g. to check how often the bot edits a reply. */
  at: number;
  /** Path below /api/v10, without the query string (interaction tokens included). */
  path: string;
  status: number;
  /** Discord JSON error code when the answer was an error. */
  code?: number;
  query?: string;
  body?: any;
  auditLogReason?: string;
}

export interface DmRecord {
  userId: string;
  channelId: string;
  content: string;
  embeds: any[];
  components: any[];
  message: any;
}

export interface ChannelMessageRecord {
  channelId: string;
  guildId: string;
  content: string;
  embeds: any[];
  components: any[];
  message: any;
}

export interface RoleChangeRecord {
  guildId: string;
  userId: string;
  roleId: string;
  action: 'add' | 'remove';
  /** Which route made it: PUT/DELETE on the role, or PATCH of the member's roles array. */
  via: 'PUT' | 'DELETE' | 'PATCH';
  reason?: string;
}

export interface CommandRegistration {
  scope: 'guild' | 'global';
  guildId?: string;
  method: 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  /** The bodies the bot sent (for PUT the whole array, for POST/PATCH the single command). */
  commands: any[];
  status: number;
}

export interface RateLimitRule {
  method?: string;
  path: RegExp;
  retryAfterSeconds: number;
  times?: number;
  /** Global rate limit (X-RateLimit-Global: true, scope "global"). */
  global?: boolean;
  /** X-RateLimit-Scope for a non-global limit: "user" (default) or "shared". */
  scope?: 'user' | 'shared';
}

/** Message creates to store (and record) and then never answer: the client times out after Discord accepted it. */
export interface HoldRule {
  /** Matched against the path below /api/v10 (default: every message create). */
  path?: RegExp;
  times?: number;
}

/** A request sent to a bucket (or, under a global limit, to any route) before an earlier 429's Retry-After expired. */
export interface RateLimitViolation {
  method: string;
  /** Path below /api/v10 (interaction and webhook tokens redacted). */
  path: string;
  /** The rate-limit bucket: method, route template and major parameter, or "global". */
  bucket: string;
  /** How long before the end of the limit the request came. */
  earlyByMs: number;
}

export interface FailRule {
  method?: string;
  path: RegExp;
  /** 429 is answered as `rateLimit` answers it (Retry-After 1 s): a 429 without Retry-After makes discord.js retry in a tight loop. */
  status: number;
  code?: number;
  message?: string;
  times?: number;
}

/** Common fields of every injected interaction. */
export interface InteractionBaseParams {
  /** Guild the interaction happens in; omit for an interaction in the bot's DM with the user. */
  guildId?: string;
  /** Channel; the guild's first text channel (or the DM channel) when omitted. */
  channelId?: string;
  userId: string;
  /** Member permissions bitfield in the channel; defaults to every permission (administrator). */
  permissions?: string;
  /** Member's roles as Discord would send them; defaults to the member's current roles. */
  roles?: string[];
  locale?: string;
}

export interface ChatInputParams extends InteractionBaseParams {
  name: string;
  /** The guild overrode the command's default_member_permissions (Server Settings > Integrations), so this
   *  member can run it whatever their permissions: the bot must refuse by itself. */
  visibleByGuildOverride?: boolean;
  /** Raw API options (`{ name, type, value }`, subcommands as `{ name, type: 1, options }`). `type` may be left
   *  out when the command is registered: it is then taken from the registration. */
  options?: any[];
}

export interface AutocompleteParams extends ChatInputParams {
  /** The option the user is typing in; it is added with `focused: true` (inside the subcommand when there is one). */
  focused: { name: string; value: string | number; type?: number };
}

export interface ComponentParams extends InteractionBaseParams {
  customId: string;
  /** The message the component is on: a message object, a message id known to the fake, or omitted to use the newest
   *  bot message (in the channel) carrying a component with this custom_id. */
  message?: any;
}

export interface SelectParams extends ComponentParams {
  values: string[];
  /** 3 string (default), 5 user, 6 role, 7 mentionable, 8 channel select. */
  componentType?: number;
}

export interface ModalSubmitParams extends InteractionBaseParams {
  /** Defaults to the custom_id of the modal in `from`. */
  customId?: string;
  /** Text inputs by custom_id (string); selects and other multi-value components by custom_id (string[]). */
  fields: Record<string, string | string[]>;
  /** Build the legacy action-row form `{type:1, components:[{type:4,...}]}` instead of the Label form (type 18).
   *  Ignored when the shown modal is known: the submit then mirrors the modal's own structure. */
  legacy?: boolean;
  /** The interaction that showed the modal (type 9 callback). Without it the newest modal shown with this custom_id
   *  is used, if any. When a shown modal is known the fields are checked against it (unknown custom_ids, required
   *  inputs, min/max length) as the Discord client would. */
  from?: InteractionHandle;
}

export interface InteractionHandle {
  readonly id: string;
  readonly token: string;
  /** Interaction type: 2 command, 3 component, 4 autocomplete, 5 modal submit. */
  readonly type: number;
  /** The INTERACTION_CREATE payload sent over the gateway. */
  readonly payload: any;
  /** Resolves at the first accepted acknowledgement; rejects (and a violation is recorded) when none arrives within
   *  ackTimeoutMs. */
  response(): Promise<CallbackRecord>;
  /** Every callback attempt in order, rejected ones included (look at `status`). */
  readonly callbacks: CallbackRecord[];
  /** Follow-up message bodies (POST /webhooks/{app}/{token}) that were accepted, in order. */
  readonly followUps: any[];
  /** Accepted PATCH bodies of @original, in order. */
  edits(): any[];
  /** The modal shown (callback type 9 data), if any. */
  modal(): any | undefined;
  /** The autocomplete choices answered (callback type 8), if any. */
  choices(): any[] | undefined;
  /** Whether @original has been deleted. */
  readonly deleted: boolean;
  /** Polls until the predicate holds (default timeout 5000 ms). */
  waitFor(pred: (h: InteractionHandle) => boolean, timeoutMs?: number): Promise<void>;
  /** Last visible state of the reply: the message object of @original (type 4 body, or the type 5 message after the
   *  first edit/follow-up, merged with every later edit; after a type 6/7 the component's message), or undefined
   *  when there is none (not answered, still "thinking…", modal, autocomplete, deleted). */
  final(): any;
}
