/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * Discord's body limits, checked the way the API does: every broken limit is collected into one
 * 400 `{"code":50035,"message":"Invalid Form Body","errors":{...}}`.
 */
import { badLen, FormErrors, maxLen, REQUIRED } from './util';

type Path = Array<string | number>;

const isStr = (v: unknown): v is string => typeof v === 'string';
const len = (v: unknown): number => (isStr(v) ? [...v].length : 0);

function checkLen(e: FormErrors, path: Path, v: unknown, min: number, max: number, required = false): void {
  if (v === undefined || v === null) {
    if (required) e.add(path, ...REQUIRED);
    return;
  }
  if (!isStr(v)) {
    e.add(path, 'BASE_TYPE_STRING', 'Must be a string.');
    return;
  }
  const n = len(v);
  if (n < min || n > max) e.add(path, ...(min === 0 ? maxLen(max) : badLen(min, max)));
}

function checkArrayMax(e: FormErrors, path: Path, v: unknown, max: number, min = 0): v is any[] {
  if (v === undefined || v === null) return false;
  if (!Array.isArray(v)) {
    e.add(path, 'BASE_TYPE_ARRAY', 'Must be an array.');
    return false;
  }
  if (v.length > max || v.length < min) e.add(path, ...(min === 0 ? maxLen(max) : badLen(min, max)));
  return true;
}

function checkInt(e: FormErrors, path: Path, v: unknown, min: number, max: number): void {
  if (v === undefined || v === null) return;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    e.add(path, 'NUMBER_TYPE_COERCE', `Value "${String(v)}" is not int.`);
    return;
  }
  if (v < min) e.add(path, 'NUMBER_TYPE_MIN', `int value should be greater than or equal to ${min}.`);
  if (v > max) e.add(path, 'NUMBER_TYPE_MAX', `int value should be less than or equal to ${max}.`);
}

// ---------------------------------------------------------------- embeds

export function embedSize(embed: any): number {
  let n = len(embed?.title) + len(embed?.description) + len(embed?.footer?.text) + len(embed?.author?.name);
  for (const f of Array.isArray(embed?.fields) ? embed.fields : []) n += len(f?.name) + len(f?.value);
  return n;
}

export function checkEmbeds(e: FormErrors, path: Path, embeds: unknown): void {
  if (!checkArrayMax(e, path, embeds, 10)) return;
  let total = 0;
  (embeds as any[]).forEach((em, i) => {
    const p = [...path, i];
    if (typeof em !== 'object' || em === null) {
      e.add(p, 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
      return;
    }
    checkLen(e, [...p, 'title'], em.title, 0, 256);
    checkLen(e, [...p, 'description'], em.description, 0, 4096);
    checkLen(e, [...p, 'url'], em.url, 0, 2048);
    if (em.color !== undefined && em.color !== null) checkInt(e, [...p, 'color'], em.color, 0, 0xffffff);
    if (em.footer) checkLen(e, [...p, 'footer', 'text'], em.footer.text, 1, 2048, true);
    if (em.author) checkLen(e, [...p, 'author', 'name'], em.author.name, 1, 256, true);
    if (checkArrayMax(e, [...p, 'fields'], em.fields, 25)) {
      (em.fields as any[]).forEach((f, j) => {
        checkLen(e, [...p, 'fields', j, 'name'], f?.name, 1, 256, true);
        checkLen(e, [...p, 'fields', j, 'value'], f?.value, 1, 1024, true);
      });
    }
    total += embedSize(em);
  });
  if (total > 6000) e.add(path, 'MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000');
}

// ---------------------------------------------------------------- components

const SELECT_TYPES = new Set([3, 5, 6, 7, 8]);

function checkSelect(e: FormErrors, p: Path, c: any, ids: Set<string>): void {
  checkCustomId(e, p, c, ids);
  checkLen(e, [...p, 'placeholder'], c.placeholder, 0, 150);
  checkInt(e, [...p, 'min_values'], c.min_values, 0, 25);
  checkInt(e, [...p, 'max_values'], c.max_values, 1, 25);
  if (c.type === 3) {
    if (!Array.isArray(c.options)) e.add([...p, 'options'], ...REQUIRED);
    else if (checkArrayMax(e, [...p, 'options'], c.options, 25, 1)) {
      (c.options as any[]).forEach((o, j) => {
        checkLen(e, [...p, 'options', j, 'label'], o?.label, 1, 100, true);
        checkLen(e, [...p, 'options', j, 'value'], o?.value, 1, 100, true);
        checkLen(e, [...p, 'options', j, 'description'], o?.description, 0, 100);
      });
    }
  }
}

function checkCustomId(e: FormErrors, p: Path, c: any, ids: Set<string>): void {
  checkLen(e, [...p, 'custom_id'], c.custom_id, 1, 100, true);
  if (isStr(c.custom_id)) {
    if (ids.has(c.custom_id)) e.add([...p, 'custom_id'], 'COMPONENT_CUSTOM_ID_DUPLICATED', 'Component custom id cannot be duplicated');
    ids.add(c.custom_id);
  }
}

function checkButton(e: FormErrors, p: Path, c: any, ids: Set<string>): void {
  checkInt(e, [...p, 'style'], c.style, 1, 6);
  checkLen(e, [...p, 'label'], c.label, 0, 80);
  if (c.style === 5) {
    checkLen(e, [...p, 'url'], c.url, 1, 512, true);
    if (c.custom_id !== undefined) e.add([...p, 'custom_id'], 'BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED', 'A custom id cannot be set on a link button');
  } else if (c.style === 6) {
    if (!c.sku_id) e.add([...p, 'sku_id'], ...REQUIRED);
  } else {
    checkCustomId(e, p, c, ids);
    if (c.url !== undefined) e.add([...p, 'url'], 'BUTTON_COMPONENT_URL_NOT_ALLOWED', 'A url cannot be set on a non-link button');
  }
}

/** Legacy message components: ≤5 action rows, each with 1–5 buttons or exactly one select. */
export function checkMessageComponents(e: FormErrors, path: Path, components: unknown, v2: boolean): void {
  if (components === undefined || components === null) return;
  if (!Array.isArray(components)) {
    e.add(path, 'BASE_TYPE_ARRAY', 'Must be an array.');
    return;
  }
  const ids = new Set<string>();
  if (v2) {
    let count = 0;
    const walk = (list: any[], p: Path): void => {
      list.forEach((c, i) => {
        count += 1;
        const cp = [...p, i];
        if (c?.type === 2) checkButton(e, cp, c, ids);
        else if (SELECT_TYPES.has(c?.type)) checkSelect(e, cp, c, ids);
        else if (c?.type === 10) checkLen(e, [...cp, 'content'], c.content, 1, 4000, true);
        if (Array.isArray(c?.components)) walk(c.components, [...cp, 'components']);
        if (c?.accessory) walk([c.accessory], [...cp, 'accessory']);
      });
    };
    walk(components, path);
    if (count > 40) e.add(path, 'COMPONENT_MAX_TOTAL_COMPONENTS_EXCEEDED', 'Total component count exceeds maximum of 40');
    return;
  }
  checkArrayMax(e, path, components, 5);
  components.forEach((row: any, i: number) => {
    const rp = [...path, i];
    if (row?.type !== 1) {
      e.add([...rp, 'type'], 'UNION_TYPE_CHOICES', 'Value of field "type" must be one of (1,).');
      return;
    }
    if (!Array.isArray(row.components) || row.components.length === 0) {
      e.add([...rp, 'components'], ...badLen(1, 5));
      return;
    }
    checkArrayMax(e, [...rp, 'components'], row.components, 5, 1);
    const hasSelect = row.components.some((c: any) => SELECT_TYPES.has(c?.type));
    if (hasSelect && row.components.length > 1) {
      e.add([...rp, 'components'], 'COMPONENT_LAYOUT_WIDTH_EXCEEDED', 'The specified component exceeds the maximum width');
    }
    row.components.forEach((c: any, j: number) => {
      const cp = [...rp, 'components', j];
      if (c?.type === 2) checkButton(e, cp, c, ids);
      else if (SELECT_TYPES.has(c?.type)) checkSelect(e, cp, c, ids);
      else e.add([...cp, 'type'], 'UNION_TYPE_CHOICES', 'Value of field "type" must be one of (2, 3, 5, 6, 7, 8).');
    });
  });
}

// ---------------------------------------------------------------- messages

/** Message flags a bot may set: SUPPRESS_EMBEDS, EPHEMERAL (interactions only), SUPPRESS_NOTIFICATIONS, IS_COMPONENTS_V2. */
const FLAG_SUPPRESS_EMBEDS = 1 << 2;
export const FLAG_EPHEMERAL = 1 << 6;
export const FLAG_LOADING = 1 << 7;
const FLAG_SUPPRESS_NOTIFICATIONS = 1 << 12;
export const FLAG_COMPONENTS_V2 = 1 << 15;

/**
 * Checks a message body (create, reply, follow-up or edit). Returns whether the body carries anything visible.
 * `ephemeralAllowed`: interaction replies and follow-ups may set EPHEMERAL.
 */
export function checkMessageBody(e: FormErrors, path: Path, body: any, ephemeralAllowed: boolean): boolean {
  if (body === null || typeof body !== 'object') {
    e.add(path, 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
    return false;
  }
  const flags = typeof body.flags === 'number' ? body.flags : 0;
  const v2 = (flags & FLAG_COMPONENTS_V2) !== 0;
  checkLen(e, [...path, 'content'], body.content, 0, 2000);
  checkEmbeds(e, [...path, 'embeds'], body.embeds);
  checkMessageComponents(e, [...path, 'components'], body.components, v2);
  checkArrayMax(e, [...path, 'sticker_ids'], body.sticker_ids, 3);
  let allowed = FLAG_SUPPRESS_EMBEDS | FLAG_SUPPRESS_NOTIFICATIONS | FLAG_COMPONENTS_V2;
  if (ephemeralAllowed) allowed |= FLAG_EPHEMERAL;
  if (flags & ~allowed) e.add([...path, 'flags'], 'MESSAGE_FLAGS_INVALID', 'Invalid flags');
  if (v2 && ((isStr(body.content) && body.content.length > 0) || (Array.isArray(body.embeds) && body.embeds.length > 0))) {
    e.add(
      [...path, 'content'],
      'MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2',
      'The \'content\' and \'embeds\' fields cannot be used when using MessageFlags.IS_COMPONENTS_V2',
    );
  }
  return hasVisible(body);
}

export function hasVisible(body: any): boolean {
  return Boolean(
    (isStr(body?.content) && body.content.length > 0) ||
      (Array.isArray(body?.embeds) && body.embeds.length > 0) ||
      (Array.isArray(body?.components) && body.components.length > 0) ||
      (Array.isArray(body?.attachments) && body.attachments.length > 0) ||
      (Array.isArray(body?.sticker_ids) && body.sticker_ids.length > 0) ||
      body?.poll,
  );
}

// ---------------------------------------------------------------- modals

const MODAL_INNER_TYPES = new Set([4, 3, 5, 6, 7, 8, 19, 21, 22, 23]);

function checkTextInput(e: FormErrors, p: Path, c: any, ids: Set<string>, legacy: boolean): void {
  checkCustomId(e, p, c, ids);
  if (c.style !== 1 && c.style !== 2) e.add([...p, 'style'], 'BASE_TYPE_CHOICES', 'Value must be one of {1, 2}.');
  if (legacy) checkLen(e, [...p, 'label'], c.label, 1, 45, true);
  else checkLen(e, [...p, 'label'], c.label, 1, 45);
  checkInt(e, [...p, 'min_length'], c.min_length, 0, 4000);
  checkInt(e, [...p, 'max_length'], c.max_length, 1, 4000);
  checkLen(e, [...p, 'value'], c.value, 0, 4000);
  checkLen(e, [...p, 'placeholder'], c.placeholder, 0, 100);
  if (typeof c.min_length === 'number' && typeof c.max_length === 'number' && c.min_length > c.max_length) {
    e.add([...p, 'min_length'], 'BASE_TYPE_BAD_LENGTH', 'min_length must be less than or equal to max_length.');
  }
}

/** Type 9 callback `data`: title ≤45, custom_id 1–100, 1–5 components (Label, legacy action row or text display). */
export function checkModal(e: FormErrors, path: Path, data: any): void {
  if (data === null || typeof data !== 'object') {
    e.add(path, ...REQUIRED);
    return;
  }
  checkLen(e, [...path, 'custom_id'], data.custom_id, 1, 100, true);
  checkLen(e, [...path, 'title'], data.title, 1, 45, true);
  const comps = data.components;
  if (!Array.isArray(comps)) {
    e.add([...path, 'components'], ...REQUIRED);
    return;
  }
  if (comps.length < 1 || comps.length > 5) e.add([...path, 'components'], ...badLen(1, 5));
  const ids = new Set<string>();
  comps.forEach((c: any, i: number) => {
    const p = [...path, 'components', i];
    if (c?.type === 1) {
      if (!Array.isArray(c.components) || c.components.length !== 1) {
        e.add([...p, 'components'], ...badLen(1, 1));
        return;
      }
      const inner = c.components[0];
      if (inner?.type !== 4) e.add([...p, 'components', 0, 'type'], 'UNION_TYPE_CHOICES', 'Value of field "type" must be one of (4,).');
      else checkTextInput(e, [...p, 'components', 0], inner, ids, true);
    } else if (c?.type === 18) {
      checkLen(e, [...p, 'label'], c.label, 1, 45, true);
      checkLen(e, [...p, 'description'], c.description, 0, 100);
      const inner = c.component;
      if (!inner || typeof inner !== 'object') {
        e.add([...p, 'component'], ...REQUIRED);
        return;
      }
      const ip = [...p, 'component'];
      if (!MODAL_INNER_TYPES.has(inner.type)) {
        e.add([...ip, 'type'], 'UNION_TYPE_CHOICES', 'Value of field "type" must be one of (3, 4, 5, 6, 7, 8, 19, 21, 22, 23).');
      } else if (inner.type === 4) checkTextInput(e, ip, inner, ids, false);
      else if (SELECT_TYPES.has(inner.type)) checkSelect(e, ip, inner, ids);
      else checkCustomId(e, ip, inner, ids);
    } else if (c?.type === 10) {
      checkLen(e, [...p, 'content'], c.content, 1, 4000, true);
    } else {
      e.add([...p, 'type'], 'UNION_TYPE_CHOICES', 'Value of field "type" must be one of (1, 10, 18).');
    }
  });
}

// ---------------------------------------------------------------- autocomplete

export function checkChoices(e: FormErrors, path: Path, data: any): void {
  const choices = data?.choices;
  if (!Array.isArray(choices)) {
    e.add([...path, 'choices'], ...REQUIRED);
    return;
  }
  checkArrayMax(e, [...path, 'choices'], choices, 25);
  choices.forEach((c: any, i: number) => {
    checkLen(e, [...path, 'choices', i, 'name'], c?.name, 1, 100, true);
    if (isStr(c?.value)) checkLen(e, [...path, 'choices', i, 'value'], c.value, 0, 100);
    else if (typeof c?.value !== 'number') e.add([...path, 'choices', i, 'value'], ...REQUIRED);
  });
}

// ---------------------------------------------------------------- application commands

const NAME_RE = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

function checkCommandName(e: FormErrors, p: Path, name: unknown, chatInput: boolean): number {
  if (!isStr(name)) {
    e.add(p, ...REQUIRED);
    return 0;
  }
  if (chatInput) {
    if (!NAME_RE.test(name) || name !== name.toLowerCase()) {
      e.add(p, 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
    }
  } else {
    checkLen(e, p, name, 1, 32, true);
  }
  return len(name);
}

function checkOptions(e: FormErrors, p: Path, options: unknown, depth: number): number {
  if (options === undefined || options === null) return 0;
  if (!checkArrayMax(e, p, options, 25)) return 0;
  let size = 0;
  const names = new Set<string>();
  let seenOptional = false;
  const list = options as any[];
  const subs = list.filter((o) => o?.type === 1 || o?.type === 2).length;
  if (subs > 0 && subs !== list.length) {
    e.add(p, 'APPLICATION_COMMAND_OPTIONS_TYPE_INVALID', 'Sub-command and sub-command group option types are mutually exclusive to all other types');
  }
  list.forEach((o: any, i: number) => {
    const op = [...p, i];
    if (typeof o?.type !== 'number' || o.type < 1 || o.type > 11) {
      e.add([...op, 'type'], 'BASE_TYPE_CHOICES', 'Value must be one of {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}.');
    }
    size += checkCommandName(e, [...op, 'name'], o?.name, true);
    if (isStr(o?.name)) {
      if (names.has(o.name)) e.add([...op, 'name'], 'APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS', 'Option name already exists');
      names.add(o.name);
    }
    checkLen(e, [...op, 'description'], o?.description, 1, 100, true);
    size += len(o?.description);
    if (o?.type === 1 || o?.type === 2) {
      if ((o.type === 2 && depth > 0) || (o.type === 1 && depth > 1)) {
        e.add([...op, 'type'], 'APPLICATION_COMMAND_OPTIONS_TYPE_INVALID', 'Sub-commands cannot be nested this deep');
      }
      if (o.type === 2 && Array.isArray(o.options) && o.options.some((x: any) => x?.type !== 1)) {
        e.add([...op, 'options'], 'APPLICATION_COMMAND_OPTIONS_TYPE_INVALID', 'Sub-command groups may only contain sub-commands');
      }
      size += checkOptions(e, [...op, 'options'], o.options, depth + 1);
      return;
    }
    if (o?.required) {
      if (seenOptional) {
        e.add([...op, 'required'], 'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID', 'Required options must be placed before non-required options');
      }
    } else {
      seenOptional = true;
    }
    if (o?.choices !== undefined && o?.choices !== null) {
      if (![3, 4, 10].includes(o.type)) e.add([...op, 'choices'], 'APPLICATION_COMMAND_OPTION_CHOICES_INVALID', 'Choices are only allowed on string, integer and number options');
      if (o.autocomplete) e.add([...op, 'autocomplete'], 'APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_WITH_CHOICES', 'Autocomplete cannot be enabled when choices are set');
      if (checkArrayMax(e, [...op, 'choices'], o.choices, 25)) {
        (o.choices as any[]).forEach((c, j) => {
          checkLen(e, [...op, 'choices', j, 'name'], c?.name, 1, 100, true);
          size += len(c?.name);
          if (isStr(c?.value)) {
            checkLen(e, [...op, 'choices', j, 'value'], c.value, 0, 100);
            size += len(c.value);
          }
        });
      }
    }
    if (o?.type === 3) {
      checkInt(e, [...op, 'min_length'], o.min_length, 0, 6000);
      checkInt(e, [...op, 'max_length'], o.max_length, 1, 6000);
    }
  });
  return size;
}

/** One command body (POST/PATCH, or one element of a PUT). */
export function checkCommand(e: FormErrors, path: Path, cmd: any, partial = false): void {
  if (cmd === null || typeof cmd !== 'object') {
    e.add(path, 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
    return;
  }
  const type = cmd.type ?? 1;
  if (![1, 2, 3, 4].includes(type)) e.add([...path, 'type'], 'BASE_TYPE_CHOICES', 'Value must be one of {1, 2, 3, 4}.');
  const chatInput = type === 1;
  let size = 0;
  if (!partial || cmd.name !== undefined) size += checkCommandName(e, [...path, 'name'], cmd.name, chatInput);
  if (chatInput) {
    if (!partial || cmd.description !== undefined) checkLen(e, [...path, 'description'], cmd.description, 1, 100, true);
  } else if (isStr(cmd.description) && cmd.description.length > 0) {
    e.add([...path, 'description'], 'APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION', 'Context menu commands cannot have a description');
  }
  size += len(cmd.description);
  if (!chatInput && Array.isArray(cmd.options) && cmd.options.length > 0) {
    e.add([...path, 'options'], 'APPLICATION_COMMAND_CONTEXT_MENU_OPTIONS', 'Context menu commands cannot have options');
  }
  size += checkOptions(e, [...path, 'options'], cmd.options, 0);
  if (cmd.default_member_permissions !== undefined && cmd.default_member_permissions !== null) {
    if (!isStr(cmd.default_member_permissions) || !/^\d+$/.test(cmd.default_member_permissions)) {
      e.add([...path, 'default_member_permissions'], 'BASE_TYPE_STRING', 'Must be a string of a permission bitfield.');
    }
  }
  if (size > 4000) e.add(path, 'APPLICATION_COMMAND_TOO_LARGE', 'Command exceeds maximum size (4000)');
}

/** A PUT body: the full list. */
export function checkCommandList(e: FormErrors, list: unknown): void {
  if (!Array.isArray(list)) {
    e.add([], 'BASE_TYPE_ARRAY', 'Must be an array.');
    return;
  }
  const seen = new Map<string, number>();
  const perType = new Map<number, number>();
  list.forEach((cmd: any, i: number) => {
    checkCommand(e, [i], cmd);
    const type = cmd?.type ?? 1;
    perType.set(type, (perType.get(type) ?? 0) + 1);
    const key = `${type}:${cmd?.name}`;
    if (seen.has(key)) e.add([i, 'name'], 'APPLICATION_COMMANDS_DUPLICATE_NAME', 'Application command names must be unique');
    seen.set(key, i);
  });
  if ((perType.get(1) ?? 0) > 100) e.add([], 'APPLICATION_COMMAND_LIMIT_EXCEEDED', 'Maximum number of chat input commands (100) reached');
  if ((perType.get(2) ?? 0) > 15) e.add([], 'APPLICATION_COMMAND_LIMIT_EXCEEDED', 'Maximum number of user commands (15) reached');
  if ((perType.get(3) ?? 0) > 15) e.add([], 'APPLICATION_COMMAND_LIMIT_EXCEEDED', 'Maximum number of message commands (15) reached');
}
