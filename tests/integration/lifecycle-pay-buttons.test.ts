import { FakeStripe, STRIPE_KEY } from '../fakes/stripe/fake-stripe';
import { DATABASE_KINDS } from '../support/databases';
import { T0 } from '../support/harness';
import { DAY, discordIdOf, HOUR, SMALL_USERS as U, startLifecycleBed, type LifecycleBed } from '../support/lifecycle';

const END = new Date(T0.getTime() + 30 * DAY); // the default payment's end

describe.each(DATABASE_KINDS)('pay buttons in the reminder and expiry DMs on %s', (kind) => {
  let bed: LifecycleBed | undefined;
  let stripe: FakeStripe | undefined;
  afterEach(async () => {
    await bed?.close();
    bed = undefined;
    await stripe?.stop();
    stripe = undefined;
  });

  const dmsTo = (plexId: number) => bed!.discord.dms.filter((d) => d.userId === discordIdOf(plexId));
  const linkRow = (label: string, url: string) => [{ type: 1, components: [expect.objectContaining({ type: 2, style: 5, label, url })] }];

  it('carry the plan\'s pay link as a link button and point to /subscription for card; a plan without options adds nothing', async () => {
    stripe = new FakeStripe();
    bed = await startLifecycleBed(kind, [{ plexId: U.obrien }, { plexId: U.unal }], { STRIPE_SECRET_KEY: STRIPE_KEY, STRIPE_API_URL: await stripe.start() });
    await bed.link([U.obrien, U.unal]);
    await bed.app.pay.setPlanPay('Monthly', { url: 'https://paypal.me/owner/{amount}{currency}?for={email}' });
    // Ünal is on a plan with no pay options.
    await bed.app.catalog.createPlan({ name: 'Friends', duration: '1m', price: '5.00', currency: 'USD' });
    await bed.sql('UPDATE payments SET plan_id = (SELECT id FROM plans WHERE name = ?) WHERE user_id = (SELECT id FROM users WHERE plex_id = ?)', ['Friends', U.unal]);

    bed.clock.set(new Date(END.getTime() - 2 * DAY));
    expect((await bed.app.lifecycle.run()).remindersSent).toBe(2);
    const [reminder] = dmsTo(U.obrien);
    expect(reminder!.content).toBe(
      "Hi O'Brien & Søn! Your Monthly subscription ends on 2026-12-25 (2 day(s) left). Renew before then to keep your access to the Plex server.\n\n" +
        'Renew with the button below, or by card with /subscription (which also shows your subscription).',
    );
    expect(reminder!.components).toEqual(linkRow('Pay 10.00 USD', 'https://paypal.me/owner/10.00USD?for=obrien%40example.com'));
    // Card payment exists (Stripe is set up) but no pay link: only the pointer to /subscription.
    const [other] = dmsTo(U.unal);
    expect(other!.content).toMatch(/keep your access to the Plex server\.\n\nRenew by card with \/subscription/);
    expect(other!.components ?? []).toEqual([]);
    // No Checkout Session at send time: one would expire before the DM is read.
    expect(stripe.requests).toEqual([]);

    bed.clock.set(new Date(END.getTime() + HOUR));
    expect((await bed.app.lifecycle.run()).expiredNotified).toBe(2);
    const expired = dmsTo(U.obrien)[1]!;
    expect(expired.content).toContain('your access to the Plex server will be removed on 2027-01-01.\n\nRenew to get your access back with the button below');
    expect(expired.components).toEqual(linkRow('Pay 10.00 USD', 'https://paypal.me/owner/10.00USD?for=obrien%40example.com'));
    expect(bed.discord.violations).toEqual([]);
  });

  it('without pay options or Stripe the DMs are the configured text alone', async () => {
    bed = await startLifecycleBed(kind, [{ plexId: U.obrien }], { REMINDER_TEMPLATE: '{name}: {plan} ends {endsAt}' });
    await bed.link([U.obrien]);
    bed.clock.set(new Date(END.getTime() - 2 * DAY));
    expect((await bed.app.lifecycle.run()).remindersSent).toBe(1);
    expect(dmsTo(U.obrien).map((d) => [d.content, d.components ?? []])).toEqual([["O'Brien & Søn: Monthly ends 2026-12-25", []]]);
  });

  it('a DM left unsent keeps its buttons for the next run, and a long template gives way to the pay line within 2000 characters', async () => {
    // Within the 1800 characters the configuration allows, but {name} grows the text past 2000.
    bed = await startLifecycleBed(kind, [{ plexId: U.obrien }], { REMINDER_TEMPLATE: `${'{name}'.repeat(200)}${'x'.repeat(600)}` });
    await bed.link([U.obrien]);
    await bed.app.pay.setPlanPay('Monthly', { url: 'https://pay.example/{plexId}' });
    bed.clock.set(new Date(END.getTime() - 2 * DAY));
    bed.discord.failNext({ method: 'POST', path: /^\/channels\/\d+\/messages$/, status: 503, times: 12 });
    expect((await bed.app.lifecycle.run()).remindersSent).toBe(0);
    bed.clock.advance(HOUR);
    expect((await bed.app.lifecycle.run()).remindersSent).toBe(1);
    const [dm] = dmsTo(U.obrien);
    expect(dm!.components).toEqual(linkRow('Pay 10.00 USD', `https://pay.example/${U.obrien}`));
    expect(dm!.content.length).toBeLessThanOrEqual(2000);
    expect(dm!.content).toMatch(/…\n\nRenew with the button below; \/subscription shows your subscription\.$/);
    expect(bed.discord.violations).toEqual([]);
  });
});
