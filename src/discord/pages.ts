import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  EmbedBuilder,
  StringSelectMenuBuilder,
  type MessageActionRowComponentBuilder,
} from 'discord.js';
import { encodeAction } from './custom-id';
import { truncate, type ReplyBody } from './replies';

export const PAGE_SIZE = 10;

export interface PageSpec<T> {
  title: string;
  rows: T[];
  page: number;
  viewId: string;
  kind: 'users-page' | 'shares-page';
  renderRow(row: T, index: number): string;
  /** A select menu that opens one row's user card. */
  open?: { placeholder: string; option(row: T): { label: string; value: string; description?: string } };
  empty: string;
}

/** One page of a list as an embed, with Previous/Next and "page x of y". */
export function pageMessage<T>(spec: PageSpec<T>): ReplyBody {
  const pages = Math.max(1, Math.ceil(spec.rows.length / PAGE_SIZE));
  const page = Math.min(Math.max(1, spec.page), pages);
  const slice = spec.rows.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
  const lines = slice.map((row, i) => spec.renderRow(row, (page - 1) * PAGE_SIZE + i + 1));
  const embed = new EmbedBuilder()
    .setTitle(truncate(spec.title, 256))
    .setDescription(truncate(lines.join('\n') || spec.empty, 4096))
    .setFooter({ text: `Page ${page} of ${pages} · ${spec.rows.length} in all` });
  const components: Array<ActionRowBuilder<MessageActionRowComponentBuilder>> = [];
  if (spec.open && slice.length > 0) {
    components.push(
      new ActionRowBuilder<MessageActionRowComponentBuilder>().addComponents(
        new StringSelectMenuBuilder()
          .setCustomId(encodeAction({ kind: 'users-open', viewId: spec.viewId }))
          .setPlaceholder(spec.open.placeholder)
          .addOptions(
            slice.map((row) => {
              const o = spec.open!.option(row);
              return { label: truncate(o.label, 100), value: o.value, description: o.description ? truncate(o.description, 100) : undefined };
            }),
          ),
      ),
    );
  }
  if (pages > 1) {
    components.push(
      new ActionRowBuilder<MessageActionRowComponentBuilder>().addComponents(
        new ButtonBuilder()
          .setCustomId(encodeAction({ kind: spec.kind, viewId: spec.viewId, page: page - 1 }))
          .setLabel('Previous')
          .setStyle(ButtonStyle.Secondary)
          .setDisabled(page <= 1),
        new ButtonBuilder()
          .setCustomId(encodeAction({ kind: spec.kind, viewId: spec.viewId, page: page + 1 }))
          .setLabel('Next')
          .setStyle(ButtonStyle.Secondary)
          .setDisabled(page >= pages),
      ),
    );
  }
  return { embeds: [embed], components };
}
