import { runCli, runCliOk } from '../support/cli';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases';

describe.each(DATABASE_KINDS)('plans set-pay in the CLI on %s', (kind) => {
  let db: TestDatabase;
  let env: Record<string, string>;
  beforeEach(async () => {
    db = await createTestDatabase(kind);
    env = { DATABASE_URL: db.url, LOG_LEVEL: 'silent' };
  });
  afterEach(async () => {
    await db.drop();
  });

  const run = (args: string[]) => runCli(args, env);
  const ok = (args: string[]) => runCliOk(args, env);

  it('sets, shows and clears a plan\'s pay link and Stripe price; refuses a bad template or price', async () => {
    await ok(['plans', 'create', '--name', 'Monthly', '--duration', '1m', '--price', '10.00', '--default']);
    expect(await ok(['plans', 'set-pay', 'Monthly', '--url', 'https://paypal.me/owner/{amount}{currency}'])).toBe(
      'plan "Monthly" pay options: link https://paypal.me/owner/{amount}{currency}\n',
    );
    expect(JSON.parse(await ok(['plans', 'set-pay', 'Monthly', '--stripe-price', 'price_1AbC', '--json']))).toEqual({
      name: 'Monthly',
      payUrlTemplate: 'https://paypal.me/owner/{amount}{currency}',
      stripePriceId: 'price_1AbC',
    });
    expect(JSON.parse(await ok(['plans', 'list', '--json']))[0]).toMatchObject({ name: 'Monthly', payUrlTemplate: 'https://paypal.me/owner/{amount}{currency}', stripePriceId: 'price_1AbC' });
    expect(await ok(['plans', 'list'])).toContain('link https://paypal.me/owner/{amount}{currency}; card subscription price_1AbC');

    const bad = await run(['plans', 'set-pay', 'Monthly', '--url', 'https://paypal.me/owner/{total}']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('unknown placeholder {total}');
    const noOption = await run(['plans', 'set-pay', 'Monthly']);
    expect(noOption.code).not.toBe(0);
    expect(noOption.stderr).toContain('--url TEMPLATE, --stripe-price price_…, or --none');

    expect(await ok(['plans', 'set-pay', 'Monthly', '--none'])).toBe('plan "Monthly" pay options: none (no pay buttons)\n');
    expect(JSON.parse(await ok(['plans', 'list', '--json']))[0]).toMatchObject({ payUrlTemplate: null, stripePriceId: null });
  });
});
