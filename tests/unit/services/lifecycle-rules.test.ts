import type { SubscriptionPayment, SubscriptionUser } from '../../../src/repositories/subscription.repository';
import { renderTemplate, formatDay, DEFAULT_REMINDER_TEMPLATE } from '../../../src/services/lifecycle/messages';
import { DAY_MS, dueReminderThreshold, evaluate, reduceDue, removalDue, roleChanges } from '../../../src/services/lifecycle/rules';

const NOW = new Date('2026-12-20T12:00:00.000Z');
const SUB = 'sub-role';
const PERM = 'perm-role';

let nextId = 1;
function payment(startsAt: string, endsAt: string, subscriptionId: string | null = null): SubscriptionPayment {
  return { id: nextId++, planName: 'Monthly', startsAt: new Date(startsAt), endsAt: new Date(endsAt), subscriptionId };
}
function user(over: Partial<SubscriptionUser> = {}): SubscriptionUser {
  return {
    id: 1, plexId: 1001, title: 'Ann', username: 'ann', userClass: 'standard', discordId: '930000000000001001', removedAt: null,
    dmsClosedAt: null, discordMissingAt: null, plexRemovalDueAt: null, plexRemovalError: null, plexRemovedAt: null, plexRemovedEndAt: null, plexAccessError: null, plexReducedAt: null,
    payments: [], shares: [{ id: 1, plexShareId: 5001, machineIdentifier: 'm', serverName: 'Living Room', pending: false, allLibraries: true, libraries: [] }],
    ...over,
  };
}

describe('lifecycle rules', () => {
  it('evaluates the current payment through stacked renewals, and whether it is recurring', () => {
    const first = payment('2026-11-25T12:00:00Z', '2026-12-25T12:00:00Z');
    const renewal = payment('2026-12-24T00:00:00Z', '2027-01-25T12:00:00Z', 'I-JSE05VWSMN55');
    const e = evaluate(user({ payments: [first, renewal] }), NOW, 7);
    expect(e.status).toEqual({ kind: 'active', endsAt: renewal.endsAt, recurring: true });
    expect(e.currentPayment).toBe(renewal);
    expect(e.recurring).toBe(true);
    // A subscription ID on an earlier payment of the chain does not make the current one recurring.
    const e2 = evaluate(user({ payments: [payment('2026-11-25T12:00:00Z', '2026-12-25T12:00:00Z', 'sub_x'), payment('2026-12-24T00:00:00Z', '2027-01-25T12:00:00Z')] }), NOW, 7);
    expect(e2.recurring).toBe(false);
  });

  it('reminders: the smallest threshold whose time has come, none for recurring, permanent or expired users', () => {
    const ends = (iso: string) => evaluate(user({ payments: [payment('2026-11-25T12:00:00Z', iso)] }), NOW, 7);
    expect(dueReminderThreshold(ends('2026-12-28T12:00:01Z'), [7, 3, 1], NOW)).toBeNull();
    expect(dueReminderThreshold(ends('2026-12-27T12:00:00Z'), [7, 3, 1], NOW)).toBe(7);
    expect(dueReminderThreshold(ends('2026-12-23T11:00:00Z'), [7, 3, 1], NOW)).toBe(3);
    expect(dueReminderThreshold(ends('2026-12-20T13:00:00Z'), [7, 3, 1], NOW)).toBe(1);
    expect(dueReminderThreshold(ends('2026-12-20T12:00:00Z'), [7, 3, 1], NOW)).toBeNull(); // ended: an expiry notice instead
    const recurring = evaluate(user({ payments: [payment('2026-11-25T12:00:00Z', '2026-12-21T12:00:00Z', 'sub_1')] }), NOW, 7);
    expect(dueReminderThreshold(recurring, [7, 3, 1], NOW)).toBeNull();
    const permanent = evaluate(user({ userClass: 'permanent', payments: [payment('2026-11-25T12:00:00Z', '2026-12-21T12:00:00Z')] }), NOW, 7);
    expect(dueReminderThreshold(permanent, [7, 3, 1], NOW)).toBeNull();
  });

  it('roles: subscriber exactly while active; permanent users only ever get the permanent role', () => {
    const settings = { subscriberRoleId: SUB, permanentRoleId: PERM };
    const active = evaluate(user({ payments: [payment('2026-12-01T00:00:00Z', '2027-01-01T00:00:00Z')] }), NOW, 7);
    const expired = evaluate(user({ payments: [payment('2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z')] }), NOW, 7);
    const upcoming = evaluate(user({ payments: [payment('2027-01-01T00:00:00Z', '2027-02-01T00:00:00Z')] }), NOW, 7);
    const permanent = evaluate(user({ userClass: 'permanent' }), NOW, 7);
    expect(roleChanges(active, new Set(), settings)).toEqual([{ roleId: SUB, action: 'add' }]);
    expect(roleChanges(active, new Set([SUB]), settings)).toEqual([]);
    expect(roleChanges(expired, new Set([SUB, 'other']), settings)).toEqual([{ roleId: SUB, action: 'remove' }]);
    expect(roleChanges(upcoming, new Set([SUB]), settings)).toEqual([{ roleId: SUB, action: 'remove' }]);
    expect(roleChanges(permanent, new Set([SUB]), settings)).toEqual([{ roleId: PERM, action: 'add' }]);
    expect(roleChanges(permanent, new Set(), { subscriberRoleId: SUB, permanentRoleId: null })).toEqual([]);
    // Moved from permanent to standard: the permanent role mirrors the class.
    expect(roleChanges(active, new Set([SUB, PERM]), settings)).toEqual([{ roleId: PERM, action: 'remove' }]);
  });

  it('removal: after the grace days, with shares left, once per payment end, never without a payment', () => {
    const ended = payment('2026-11-01T00:00:00Z', '2026-12-10T12:00:00Z');
    const e = evaluate(user({ payments: [ended] }), NOW, 7);
    expect(e.removeAt).toEqual(new Date(ended.endsAt.getTime() + 7 * DAY_MS));
    expect(removalDue(e, NOW)).toBe(true);
    expect(removalDue(evaluate(user({ payments: [ended] }), NOW, 10), NOW)).toBe(true); // exactly at the removal time
    expect(removalDue(evaluate(user({ payments: [ended] }), NOW, 11), NOW)).toBe(false);
    expect(removalDue(evaluate(user({ payments: [ended], shares: [] }), NOW, 7), NOW)).toBe(false);
    expect(removalDue(evaluate(user({ payments: [ended], plexRemovedEndAt: ended.endsAt }), NOW, 7), NOW)).toBe(false);
    expect(removalDue(evaluate(user({ payments: [] }), NOW, 0), NOW)).toBe(false);
    expect(removalDue(evaluate(user({ userClass: 'permanent', payments: [ended] }), NOW, 0), NOW)).toBe(false);
  });

  it('renew stage: reduced after the grace days, removed its days after the reduction; a reduction for an earlier expiry does not count', () => {
    const ended = payment('2026-11-01T00:00:00Z', '2026-12-10T12:00:00Z');
    const renew = new Map([['Monthly', 5]]);
    const graceOver = new Date(ended.endsAt.getTime() + 7 * DAY_MS);
    const fresh = evaluate(user({ payments: [ended] }), NOW, 7, renew);
    expect(fresh.reduceAt).toEqual(graceOver);
    expect(fresh.removeAt).toEqual(new Date(graceOver.getTime() + 5 * DAY_MS));
    expect(reduceDue(fresh, NOW)).toBe(true);
    expect(removalDue(fresh, NOW)).toBe(false);
    expect(reduceDue(fresh, new Date(graceOver.getTime() - 1))).toBe(false);
    // Reduced a day late: the stage still lasts its 5 days from then.
    const late = new Date(graceOver.getTime() + DAY_MS);
    const reduced = evaluate(user({ payments: [ended], plexReducedAt: late }), NOW, 7, renew);
    expect(reduceDue(reduced, NOW)).toBe(false);
    expect(reduced.removeAt).toEqual(new Date(late.getTime() + 5 * DAY_MS));
    expect(removalDue(reduced, new Date(late.getTime() + 5 * DAY_MS))).toBe(true);
    // Never reduced (plex.tv kept failing): removed when the stage would have ended, not reduced any more.
    expect(reduceDue(fresh, new Date(graceOver.getTime() + 5 * DAY_MS))).toBe(false);
    expect(removalDue(fresh, new Date(graceOver.getTime() + 5 * DAY_MS))).toBe(true);
    const earlier = evaluate(user({ payments: [ended], plexReducedAt: new Date('2026-10-01T00:00:00Z') }), NOW, 7, renew);
    expect(reduceDue(earlier, NOW)).toBe(true);
    // Another plan, or a permanent user: no stage.
    expect(evaluate(user({ payments: [ended] }), NOW, 7, new Map([['Yearly', 5]])).reduceAt).toBeNull();
    expect(reduceDue(evaluate(user({ userClass: 'permanent', payments: [ended] }), NOW, 7, renew), NOW)).toBe(false);
  });

  it('templates: placeholders filled, dates in the owner time zone, capped at 2000 characters', () => {
    const text = renderTemplate(DEFAULT_REMINDER_TEMPLATE, { name: 'Zoë', plan: 'Monthly', endsAt: '2026-12-25', daysLeft: 3, removeAt: '2027-01-01' });
    expect(text).toBe('Hi Zoë! Your Monthly subscription ends on 2026-12-25 (3 day(s) left). Renew before then to keep your access to the Plex server.');
    expect(renderTemplate('{name} {name} {unknown}', { name: 'A', plan: '', endsAt: '', daysLeft: 0, removeAt: '' })).toBe('A A {unknown}');
    expect(renderTemplate('{name}', { name: 'x'.repeat(3000), plan: '', endsAt: '', daysLeft: 0, removeAt: '' })).toHaveLength(2000);
    expect(formatDay(new Date('2026-12-25T23:30:00Z'), 'UTC')).toBe('2026-12-25');
    expect(formatDay(new Date('2026-12-25T23:30:00Z'), 'Europe/Paris')).toBe('2026-12-26');
  });
});
