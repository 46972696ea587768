import { ConfigError, loadConfig, requireSubscriberRole } from '../../../src/config/config';

describe('lifecycle configuration', () => {
  it('has defaults: 7,3,1 days, removal after 7 days, hourly roles, a daily run, UTC', () => {
    const c = loadConfig({});
    expect(c.REMINDER_DAYS).toEqual([7, 3, 1]);
    expect(c.REMOVE_AFTER_DAYS).toBe(7);
    expect(c.LIFECYCLE_ROLES_CRON).toBe('0 * * * *');
    expect(c.LIFECYCLE_DAILY_CRON).toBe('0 10 * * *');
    expect(c.CRON_TIMEZONE).toBe('UTC');
    expect(c.REMINDER_TEMPLATE).toBeUndefined();
  });

  it('reads the reminder days as a list, largest first, without repeats', () => {
    expect(loadConfig({ REMINDER_DAYS: '1, 3,14,3' }).REMINDER_DAYS).toEqual([14, 3, 1]);
    expect(loadConfig({ REMOVE_AFTER_DAYS: '0' }).REMOVE_AFTER_DAYS).toBe(0);
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ REMINDER_DAYS: 'weekly' })).toThrow(/REMINDER_DAYS: must be a comma-separated list/);
    expect(() => loadConfig({ REMOVE_AFTER_DAYS: '-1' })).toThrow(/REMOVE_AFTER_DAYS/);
    expect(() => loadConfig({ REMINDER_TEMPLATE: 'Hi {nmae}' })).toThrow(/REMINDER_TEMPLATE: may only use the placeholders \{name\}/);
    expect(() => loadConfig({ EXPIRED_TEMPLATE: 'x'.repeat(1801) })).toThrow(/EXPIRED_TEMPLATE/);
    expect(() => loadConfig({ CRON_TIMEZONE: 'Mars/Olympus' })).toThrow(/CRON_TIMEZONE: must be an IANA time zone/);
    expect(loadConfig({ REMINDER_TEMPLATE: '{name}: {plan} ends {endsAt} ({daysLeft} days), removal {removeAt}' }).REMINDER_TEMPLATE).toContain('{plan}');
  });

  it('asks for the subscriber role only where roles are synced', () => {
    expect(() => requireSubscriberRole(loadConfig({}))).toThrow(ConfigError);
    expect(() => requireSubscriberRole(loadConfig({}))).toThrow(/DISCORD_SUBSCRIBER_ROLE_ID is not set/);
    expect(requireSubscriberRole(loadConfig({ DISCORD_SUBSCRIBER_ROLE_ID: '920000000000000002' }))).toBe('920000000000000002');
  });
});
