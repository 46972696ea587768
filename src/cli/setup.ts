import path from 'node:path';
import { confirm, input, password, select } from '@inquirer/prompts';
import type { UserClass } from '../../entities';
import { createSetup } from '../app-setup';
import type { DiscordGuildDetails, DiscordGuildSummary } from '../services/discord-setup-port';
import {
  isSetupCheckError,
  SERVER_MEMBERS_INTENT_OFF,
  SetupService,
  type CurrentSetup,
  type NonInteractiveInput,
  type PlanInput,
  type SetupAnswers,
  type SetupCheck,
  type SetupResult,
} from '../services/setup.service';
import { UsageError, type Values } from './common';

/** Ctrl-C while the wizard waits (for the Plex sign-in, for the bot to join a server). */
class SetupCancelled extends Error {}

const out = (text: string): void => {
  process.stdout.write(text);
};

/**
 * `streams-manager setup [--non-interactive …] [--env-path PATH]`: the questions and what is shown;
 * the steps and checks are SetupService's. Answers the exit code.
 */
export async function runSetup(values: Values): Promise<number> {
  const envPath = path.resolve(typeof values['env-path'] === 'string' ? values['env-path'] : '.env');
  const { setup: service, close } = createSetup(envPath);
  try {
    if (values['non-interactive'] === true) return await nonInteractive(service, values);
    if (!process.stdin.isTTY || !process.stdout.isTTY) {
      throw new UsageError('setup asks questions in a terminal: run it in one, or pass --non-interactive with the answers as flags or variables');
    }
    return await interactive(service);
  } catch (error) {
    if (error instanceof SetupCancelled || (error instanceof Error && error.name === 'ExitPromptError')) {
      out('\nsetup stopped: nothing was written\n');
      return 130;
    }
    throw error;
  } finally {
    await close();
  }
}

// ------------------------------------------------------------------ without questions

async function nonInteractive(service: SetupService, values: Values): Promise<number> {
  const flag = (name: string): string | undefined => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const env = process.env;
  const fromEnvFile = service.current();
  const input: NonInteractiveInput = {
    plexToken: flag('plex-token') ?? fromEnvFile.plexToken ?? undefined,
    discordToken: flag('discord-token') ?? fromEnvFile.discordToken ?? undefined,
    guild: flag('guild') ?? fromEnvFile.guildId ?? undefined,
    subscriberRole: flag('subscriber-role') ?? fromEnvFile.subscriberRoleId ?? undefined,
    permanentRole: flag('permanent-role') ?? fromEnvFile.permanentRoleId ?? undefined,
    adminRole: flag('admin-role') ?? fromEnvFile.adminRoleId ?? undefined,
    adminChannel: flag('admin-channel') ?? fromEnvFile.adminChannelId ?? undefined,
    importAs: flag('import-as'),
    planName: flag('plan-name') ?? env.SETUP_PLAN_NAME,
    planDuration: flag('plan-duration') ?? env.SETUP_PLAN_DURATION,
    planPrice: flag('plan-price') ?? env.SETUP_PLAN_PRICE,
    planCurrency: flag('plan-currency') ?? env.SETUP_PLAN_CURRENCY,
  };
  const { result, warnings } = await service.runNonInteractive(input);
  showResult(result);
  for (const warning of warnings) out(`warning: ${warning}\n`);
  return finish(await service.verify());
}

// ------------------------------------------------------------------ with questions

async function interactive(service: SetupService): Promise<number> {
  const current = service.current();
  out(`streams-manager setup: five steps, then your answers go into ${service.envPath} (nothing is written before the end; Ctrl-C stops).\n`);

  out('\n1/5 Plex\n');
  const plex = await plexStep(service, current);

  out('\n2/5 Your Plex servers\n');
  const known = await service.serverClasses();
  const servers: SetupAnswers['servers'] = [];
  if (plex.servers.length === 0) out('This Plex account owns no server yet: the syncs will find them once it does.\n');
  for (const server of plex.servers) {
    const importAs = await select<UserClass>({
      message: `Import new users of "${server.name}" as`,
      choices: [
        { name: 'standard (they pay; access ends with their payments)', value: 'standard' },
        { name: 'permanent (always active, never reminded or removed)', value: 'permanent' },
      ],
      default: known.get(server.machineIdentifier) ?? current.defaultImportAs,
    });
    servers.push({ ...server, importAs });
  }

  out('\n3/5 Discord\n');
  const discord = await discordStep(service, current);

  out('\n4/5 Plans\n');
  const plan = await planStep(service, current);

  out('\n5/5 Write\n');
  const answers: SetupAnswers = { plexToken: plex.token, servers, ...discord, plan };
  out(`Discord server: ${discord.details.name}\n`);
  out(`Subscriber role: ${roleName(discord.details, answers.subscriberRoleId)}\n`);
  out(`Permanent role: ${roleName(discord.details, answers.permanentRoleId)}\n`);
  out(`Admin role: ${roleName(discord.details, answers.adminRoleId)}\n`);
  out(`Admin channel: ${answers.adminChannelId ? `#${discord.details.textChannels.find((c) => c.id === answers.adminChannelId)?.name}` : '(none)'}\n`);
  if (!(await confirm({ message: 'Save these settings?', default: true }))) {
    out('nothing was written\n');
    return 1;
  }
  const result = await service.apply(answers);
  showResult(result);
  return finish(await service.verify());
}

async function plexStep(service: SetupService, current: CurrentSetup): Promise<{ token: string; servers: Awaited<ReturnType<SetupService['checkPlexToken']>>['servers'] }> {
  if (current.plexToken) {
    try {
      const check = await service.checkPlexToken(current.plexToken);
      const keep = await confirm({ message: `Keep the current Plex sign-in${check.account ? ` (${check.account})` : ''}?`, default: true });
      if (keep) return { token: current.plexToken, servers: check.servers };
    } catch (error) {
      if (!isSetupCheckError(error)) throw error;
      out(`The saved Plex token does not work any more (${error.message}): sign in again.\n`);
    }
  }
  for (;;) {
    const signIn = await service.startPlexSignIn();
    out(`Sign in to Plex with the owner's account, either way:\n`);
    out(`  - open ${signIn.linkUrl} and enter the code ${signIn.code}\n`);
    out(`  - or open ${signIn.signInUrl}\n`);
    out('Waiting for the sign-in (Ctrl-C stops)...\n');
    const token = await interruptible((signal) => service.waitForPlexToken(signIn, signal));
    if (token === 'expired') {
      out('The code expired: here is a new one.\n');
      continue;
    }
    try {
      const check = await service.checkPlexToken(token);
      out(`Signed in to plex.tv${check.account ? ` as ${check.account}` : ''}: ${check.servers.length} server(s) of your own.\n`);
      return { token, servers: check.servers };
    } catch (error) {
      if (!isSetupCheckError(error)) throw error;
      out(`That sign-in cannot read the owner's servers (${error.message}): sign in with the account that owns them.\n`);
    }
  }
}

/** The Discord part of the answers, with the server they were read from (for the summary shown before writing). */
type DiscordAnswers = Pick<SetupAnswers, 'discordToken' | 'guildId' | 'subscriberRoleId' | 'permanentRoleId' | 'adminRoleId' | 'adminChannelId'> & {
  details: DiscordGuildDetails;
};

async function discordStep(service: SetupService, current: CurrentSetup): Promise<DiscordAnswers> {
  out('The bot token: https://discord.com/developers/applications > your application > Bot > Reset Token.\n');
  let token: string;
  let bot: Awaited<ReturnType<SetupService['checkDiscordToken']>>;
  for (;;) {
    const typed = (
      await password({ message: current.discordToken ? 'Bot token (Enter keeps the current one)' : 'Bot token', validate: (v) => (v.trim() || current.discordToken ? true : 'the bot token is needed') })
    ).trim();
    token = typed || current.discordToken!;
    try {
      bot = await service.checkDiscordToken(token);
      break;
    } catch (error) {
      if (!isSetupCheckError(error)) throw error;
      out(`${error.message}\n`);
    }
  }
  out(`Bot: ${bot.botName} (application ${bot.applicationId})\n`);
  if (!bot.serverMembersIntent) {
    out(`warning: ${SERVER_MEMBERS_INTENT_OFF}\n`);
  }
  out(`Invite link (adds the bot with exactly the permissions it needs):\n  ${bot.inviteUrl}\n`);
  let guilds = await service.botGuilds(token);
  if (guilds.length === 0) {
    out('Open the invite link and add the bot to your server. Waiting for it to join (Ctrl-C stops)...\n');
    guilds = await interruptible((signal) => service.waitForBotGuilds(token, signal));
  }
  const guild = await pickGuild(guilds, current.guildId);
  let details = await service.guildDetails(token, guild.id);
  let roles = service.assignableRoles(details);
  while (roles.length === 0) {
    out(`${details.name} has no role the bot could give: create the subscriber role (Server Settings > Roles).\n`);
    await confirm({ message: 'Read the roles again?', default: true });
    details = await service.guildDetails(token, guild.id);
    roles = service.assignableRoles(details);
  }
  const roleChoices = roles.map((r) => ({ name: r.name, value: r.id }));
  const optional = [{ name: '(none)', value: '' }, ...roleChoices];
  const inList = (id: string | null, list: Array<{ value: string }>): string | undefined => (id && list.some((c) => c.value === id) ? id : undefined);
  const subscriberRoleId = await select({ message: 'Subscriber role (paying users get it)', choices: roleChoices, default: inList(current.subscriberRoleId, roleChoices) });
  const permanentRoleId = (await select({ message: 'Permanent role (optional)', choices: optional, default: inList(current.permanentRoleId, optional) ?? '' })) || null;
  const adminRoleId = (await select({ message: 'Admin role, may use the admin commands besides Manage Server (optional)', choices: optional, default: inList(current.adminRoleId, optional) ?? '' })) || null;
  const channels = [{ name: '(none)', value: '' }, ...details.textChannels.map((c) => ({ name: `#${c.name}`, value: c.id }))];
  const adminChannelId = (await select({ message: 'Admin channel for summaries and alerts (optional)', choices: channels, default: inList(current.adminChannelId, channels) ?? '' })) || null;
  for (const warning of service.roleWarnings(details, [subscriberRoleId, permanentRoleId])) out(`warning: ${warning}\n`);
  return { discordToken: token, guildId: guild.id, subscriberRoleId, permanentRoleId, adminRoleId, adminChannelId, details };
}

async function pickGuild(guilds: DiscordGuildSummary[], currentId: string | null): Promise<DiscordGuildSummary> {
  if (guilds.length === 1) {
    out(`The bot is in ${guilds[0]!.name}.\n`);
    return guilds[0]!;
  }
  const id = await select({
    message: 'The bot is in several servers: which one does it serve?',
    choices: guilds.map((g) => ({ name: g.name, value: g.id })),
    default: guilds.some((g) => g.id === currentId) ? currentId! : undefined,
  });
  return guilds.find((g) => g.id === id)!;
}

async function planStep(service: SetupService, current: CurrentSetup): Promise<PlanInput | null> {
  const plans = await service.plans();
  if (plans.length > 0) {
    out(`Plans: ${plans.map((p) => `${p.name} (${p.duration}, ${p.price} ${p.currency}${p.default ? ', default' : ''})`).join('; ')}\n`);
    if (!(await confirm({ message: 'Create another plan?', default: false }))) return null;
  } else if (!(await confirm({ message: 'Create the first plan now? (new standard users get a payment on the default plan)', default: true }))) {
    return null;
  }
  const taken = new Set(plans.map((p) => p.name.toLowerCase()));
  const check = (field: 'name' | 'duration' | 'price' | 'currency') => (value: string) => service.planFieldProblem(field, value) ?? true;
  const name = await input({
    message: 'Plan name',
    default: plans.length === 0 ? 'Monthly' : undefined,
    validate: (v) => (taken.has(v.trim().toLowerCase()) ? `a plan named "${v.trim()}" exists already` : check('name')(v)),
  });
  const duration = await input({ message: 'Duration (30d, 1m, 12m...)', default: '1m', validate: check('duration') });
  const price = await input({ message: 'Price (like 10.00)', validate: check('price') });
  const currency = await input({ message: 'Currency', default: current.defaultCurrency, validate: check('currency') });
  return { name: name.trim(), duration, price, currency: currency.trim().toUpperCase() };
}

// ------------------------------------------------------------------ shown at the end

function showResult(result: SetupResult): void {
  out(`\nWrote ${result.envPath}:\n`);
  for (const { name, shown } of result.written) out(`  ${name}=${shown}\n`);
  for (const server of result.servers) out(`Server ${server.name}: new users import as ${server.importAs}\n`);
  if (result.plan) {
    out(`${result.planExisted ? 'Plan exists already' : 'Plan created'}: ${result.plan.name} (${result.plan.duration}, ${result.plan.price} ${result.plan.currency}${result.plan.default ? ', default' : ''})\n`);
  }
}

function finish(checks: SetupCheck[]): number {
  out('\nChecking what was written:\n');
  for (const check of checks) out(`  ${check.ok ? 'ok' : 'PROBLEM'}  ${check.text}\n`);
  if (checks.every((c) => c.ok)) {
    out('\nready: npm start\n');
    return 0;
  }
  out('\nFix the problems above (or run setup again), then: npm start\n');
  return 1;
}

function roleName(details: DiscordGuildDetails, id: string | null): string {
  return id ? (details.roles.find((r) => r.id === id)?.name ?? id) : '(none)';
}

/** Runs a wait that Ctrl-C ends (outside a prompt the terminal sends SIGINT). */
async function interruptible<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSigint = (): void => controller.abort(new SetupCancelled('cancelled'));
  process.once('SIGINT', onSigint);
  try {
    return await run(controller.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
