import { ActionRowBuilder, EmbedBuilder, StringSelectMenuBuilder, type MessageActionRowComponentBuilder } from 'discord.js';
import type { ServerView } from '../services/catalog.service';
import type { AccessChoice, PlanAccessView } from '../services/plan-access.service';
import { encodeAction } from './custom-id';
import { joinLines, truncate, type ReplyBody } from './replies';

/** Discord's select menus hold 25 options. */
const MAX_OPTIONS = 25;
const ALL = '*all';
const NONE = '*none';
/** The libraries a select can offer beside "All libraries" and "Not shared". */
export const MAX_LIBRARY_OPTIONS = MAX_OPTIONS - 2;

const row = (select: StringSelectMenuBuilder) => new ActionRowBuilder<MessageActionRowComponentBuilder>().addComponents(select);

export function describeAccess(a: PlanAccessView): string {
  return a.allLibraries ? 'all libraries' : a.libraries.join(', ');
}

/** `Living Room: all libraries` per line; what a plan without settings means otherwise. */
export function accessLines(access: PlanAccessView[]): string[] {
  if (access.length === 0) return ['No access settings: the bot leaves the shares of its users as they are.'];
  return access.map((a) => `${a.serverName}: ${describeAccess(a)}`);
}

/** The plan's access and a select of the owner's servers (from the database) to change one. */
export function planAccessMessage(plan: string, access: PlanAccessView[], servers: ServerView[], viewId: string, note?: string): ReplyBody {
  const embed = new EmbedBuilder().setTitle(truncate(`Access of plan ${plan}`, 256)).setDescription(joinLines(accessLines(access), 4096));
  const shown = servers.slice(0, MAX_OPTIONS);
  const footer = [note, servers.length > MAX_OPTIONS ? `Only the first ${MAX_OPTIONS} of ${servers.length} servers are listed: set the others with the CLI (plans set-access).` : undefined]
    .filter(Boolean)
    .join('\n');
  if (footer) embed.setFooter({ text: truncate(footer, 2048) });
  if (shown.length === 0) {
    embed.addFields({ name: 'No servers', value: 'No server is known yet: run /sync-users or /sync-shared-servers first.' });
    return { embeds: [embed] };
  }
  const select = new StringSelectMenuBuilder()
    .setCustomId(encodeAction({ kind: 'plan-access-server', viewId }))
    .setPlaceholder('Pick a server to change what the plan shares there…')
    .addOptions(
      shown.map((s) => {
        const current = access.find((a) => a.machineIdentifier === s.machineIdentifier);
        return {
          label: truncate(s.name, 100),
          value: s.machineIdentifier,
          description: truncate(current ? describeAccess(current) : 'not shared by this plan', 100),
        };
      }),
    );
  return { embeds: [embed], components: [row(select)] };
}

/** A multi-select of the server's libraries as plex.tv lists them, with what the plan grants there chosen. */
export function libraryPicker(plan: string, serverName: string, libraries: string[], current: PlanAccessView | null, viewId: string): ReplyBody {
  const shown = libraries.slice(0, MAX_LIBRARY_OPTIONS);
  const chosen = new Set(current && !current.allLibraries ? current.libraries : []);
  const lines = [`Now: ${current ? describeAccess(current) : 'not shared by this plan'}.`, 'Pick "All libraries", "Not shared", or the libraries the plan shares; the choice is saved when the menu closes.'];
  if (libraries.length > MAX_LIBRARY_OPTIONS) {
    lines.push(`This server has ${libraries.length} libraries and a menu lists ${MAX_LIBRARY_OPTIONS}: for the others use the CLI (plans set-access --libraries).`);
  }
  const embed = new EmbedBuilder().setTitle(truncate(`Plan ${plan} on ${serverName}`, 256)).setDescription(joinLines(lines, 4096));
  const options = [
    { label: 'All libraries', value: ALL, description: 'Every library, those added later too', default: current?.allLibraries === true },
    { label: 'Not shared', value: NONE, description: 'The plan no longer shares this server', default: false },
    ...shown.map((title, i) => ({ label: truncate(title, 100), value: `l${i}`, default: chosen.has(title) })),
  ];
  const select = new StringSelectMenuBuilder()
    .setCustomId(encodeAction({ kind: 'plan-access-libraries', viewId }))
    .setPlaceholder('Libraries this plan shares…')
    .setMinValues(1)
    .setMaxValues(options.length)
    .addOptions(options);
  return { embeds: [embed], components: [row(select)] };
}

/**
 * What the picked options mean: "All libraries" wins over single libraries (it has them all),
 * "Not shared" cannot go with anything else. A string is the reason the pick is refused.
 */
export function choiceFromPicks(values: readonly string[], libraries: string[]): AccessChoice | string {
  if (values.includes(NONE)) return values.length === 1 ? { kind: 'none' } : '"Not shared" cannot be picked together with libraries: pick one or the other.';
  if (values.includes(ALL)) return { kind: 'all' };
  const titles: string[] = [];
  for (const value of values) {
    const title = /^l\d{1,3}$/.test(value) ? libraries[Number(value.slice(1))] : undefined;
    if (title === undefined) return 'This menu is out of date: pick the server again.';
    titles.push(title);
  }
  return titles.length > 0 ? { kind: 'libraries', titles } : 'Pick at least one library.';
}
