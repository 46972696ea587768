import type { SlashCommand } from '../src/discord/types';
import { inviteCommand } from './invite';
import { linkCommand } from './link';
import { expiringCommand, lifecycleCommand } from './lifecycle';
import { paymentsCommand } from './payments';
import { planCommand } from './plan';
import { serverCommand } from './server';
import { sharedServersCommand } from './shared-servers';
import { statsCommand } from './stats';
import { statusCommand } from './status';
import { subscriptionCommand } from './subscription';
import { syncSharedServersCommand } from './sync-shared-servers';
import { syncUsersCommand } from './sync-users';
import { userCommand } from './user';
import { usersCommand } from './users';

/** Every slash command the bot registers: an explicit list, not a folder scan. */
export const COMMANDS: readonly SlashCommand[] = [
  syncUsersCommand,
  syncSharedServersCommand,
  userCommand,
  usersCommand,
  sharedServersCommand,
  planCommand,
  serverCommand,
  paymentsCommand,
  expiringCommand,
  lifecycleCommand,
  statsCommand,
  inviteCommand,
  statusCommand,
  subscriptionCommand,
  linkCommand,
];
