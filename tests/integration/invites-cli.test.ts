import { FakePlexTv } from '../fakes/plex/fake-plex-tv';
import { DEFAULT_TOKEN, SMALL_IDS, smallAccount } from '../fakes/plex/plex-data';
import { runCli, runCliOk } from '../support/cli';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../support/databases';

describe.each(DATABASE_KINDS)('streams-manager invite on %s', (kind) => {
  let plex: FakePlexTv;
  let db: TestDatabase;
  let env: Record<string, string>;
  beforeEach(async () => {
    plex = new FakePlexTv({ ...smallAccount(), knownAccounts: [{ id: 7777, title: 'Newcomer', username: 'newcomer', email: 'new@example.com' }] });
    db = await createTestDatabase(kind);
    env = { DATABASE_URL: db.url, PLEX_TV_URL: await plex.start(), PLEX_TOKEN: DEFAULT_TOKEN, PLEX_RETRIES: '1', PLEX_RETRY_DELAY_MS: '5' };
  });
  afterEach(async () => {
    await plex.stop();
    await db.drop();
  });

  const ok = (args: string[]) => runCliOk(args, env);

  it('--dry-run shares nothing; --json prints the users list item and the shares; cancel unshares', async () => {
    await ok(['plans', 'create', '--name', 'Cabin', '--duration', '30d', '--price', '5', '--default']);
    await ok(['plans', 'set-access', 'Cabin', '--server', SMALL_IDS.cabin, '--libraries', 'Films']);
    plex.resetRequests();

    expect(await ok(['invite', 'newcomer', '--plan', 'Cabin', '--until', '2099-01-31', '--dry-run'])).toBe(
      `Would invite newcomer on plan "Cabin" until 2099-01-31:\n  Cabin & Co's: Films\n`,
    );
    expect(plex.requests.filter((r) => r.method !== 'GET')).toEqual([]);

    const printed = JSON.parse(await ok(['invite', 'newcomer', '--plan', 'Cabin', '--until', '2099-01-31', '--json']));
    const shareId = plex.sharesOf(SMALL_IDS.cabin).find((s) => s.user.id === 7777)!.share.shareId;
    expect(printed).toEqual({
      user: { plexId: 7777, title: 'newcomer', username: 'newcomer', class: 'standard', statusText: expect.stringContaining('2099-01-31'), removed: false, needsReview: false, discordId: null },
      shares: [{ machineIdentifier: SMALL_IDS.cabin, shareId, libraries: ['Films'], pending: true }],
    });
    expect(JSON.parse(await ok(['invite', 'list', '--json']))).toEqual([expect.objectContaining({ invitedAs: 'newcomer', plexId: 7777, status: 'awaiting-acceptance' })]);
    expect(await ok(['invite', 'cancel', '7777'])).toBe(`invite of newcomer cancelled: unshared Cabin & Co's\n`);
    expect(plex.deletedShares).toEqual([{ machineIdentifier: SMALL_IDS.cabin, shareId }]);

    const bad = await runCli(['invite', 'newcomer', '--plan', 'Cabin', '--until', '2099-02-30'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--until "2099-02-30" is not a date: use YYYY-MM-DD');
  });
});
