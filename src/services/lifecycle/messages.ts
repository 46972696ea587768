/** The DMs and admin messages of the lifecycle. Templates come from REMINDER_TEMPLATE / EXPIRED_TEMPLATE. */

export const DEFAULT_REMINDER_TEMPLATE =
  'Hi {name}! Your {plan} subscription ends on {endsAt} ({daysLeft} day(s) left). Renew before then to keep your access to the Plex server.';

export const DEFAULT_EXPIRED_TEMPLATE =
  'Hi {name}, your {plan} subscription ended on {endsAt}, so your subscriber role was removed. ' +
  'Renew to get it back; your access to the Plex server will be removed on {removeAt}.';

export interface TemplateValues {
  name: string;
  plan: string;
  endsAt: string;
  daysLeft: number;
  removeAt: string;
}

/** Discord's limit on a message's content. */
export const MAX_MESSAGE = 2000;

/** Fills {name}, {plan}, {endsAt}, {daysLeft}, {removeAt}; the configuration refused any other placeholder. */
export function renderTemplate(template: string, values: TemplateValues): string {
  const text = template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    Object.prototype.hasOwnProperty.call(values, key) ? String(values[key as keyof TemplateValues]) : whole,
  );
  return clip(text);
}

/** A calendar date in the owner's time zone, e.g. 2026-12-25 (en-CA formats dates as ISO). */
export function formatDay(date: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(date);
}

export function clip(text: string): string {
  return text.length <= MAX_MESSAGE ? text : `${text.slice(0, MAX_MESSAGE - 1)}…`;
}
