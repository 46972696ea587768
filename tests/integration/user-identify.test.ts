import { smallAccount, SMALL_USERS, type FakePlexAccount } from '../fakes/plex/plex-data';
import { DATABASE_KINDS } from '../support/databases';
import { createDefaultPlan, startHarness, type Harness } from '../support/harness';
import { AmbiguousUserError, NotFoundError } from '../../src/services/errors';

/** The small account plus two users whose names overlap others': "Zoey" (zoey) and a second "Ünal". */
const ZOEY = 2001;
const UNAL_TWO = 2002;
function overlappingAccount(): FakePlexAccount {
  const account = smallAccount();
  account.users.push(
    { id: ZOEY, title: 'Zoey', username: 'zoey', email: 'zoey@example.org', shares: [] },
    { id: UNAL_TWO, title: 'ÜNAL Yılmaz', username: 'yilmaz', email: 'yilmaz@example.org', shares: [] },
  );
  return account;
}

describe.each(DATABASE_KINDS)('finding the user an admin typed, on %s', (kind) => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness(kind, overlappingAccount());
    await createDefaultPlan(h.app);
    await h.app.usersSync().run();
  });
  afterEach(async () => h.close());

  it('folds case (and accents) beyond ASCII when searching: "ünal" finds "Ünal Çelik" and "ÜNAL Yılmaz"', async () => {
    const found = await h.app.users.search('ünal');
    expect(found.map((f) => f.plexId).sort()).toEqual([SMALL_USERS.unal, UNAL_TWO]);
    expect((await h.app.users.search('ÜNAL ÇELIK')).map((f) => f.plexId)).toEqual([SMALL_USERS.unal]);
    // Accents are ignored as MariaDB's collation ignores them: "unal" finds both too, "zoë" finds Zoey.
    expect((await h.app.users.search('unal')).map((f) => f.plexId).sort()).toEqual([SMALL_USERS.unal, UNAL_TWO]);
    expect((await h.app.users.search('zoë')).map((f) => f.plexId)).toEqual([SMALL_USERS.zoe, ZOEY]);
  });

  it('refuses a name several users match, listing every candidate, instead of picking one', async () => {
    const refusal = h.app.users.identify('ünal', 'nothing was assigned');
    await expect(refusal).rejects.toThrow(AmbiguousUserError);
    const error = (await refusal.catch((e: unknown) => e)) as AmbiguousUserError;
    expect(error.candidates.map((c) => c.plexId).sort()).toEqual([SMALL_USERS.unal, UNAL_TWO]);
    expect(error.message).toContain('"ünal" matches 2 users, not one: nothing was assigned.');
    expect(error.message).toContain(`- Ünal Çelik · unal.celik · plex ${SMALL_USERS.unal}`);
    expect(error.message).toContain(`- ÜNAL Yılmaz · yilmaz · plex ${UNAL_TWO}`);
    // "zo" is part of both Zoë's and Zoey's names.
    await expect(h.app.users.identify('zo')).rejects.toThrow(/"zo" matches 2 users, not one/);
  });

  it('counts every candidate and lists the first ones when many match', async () => {
    const error = (await h.app.users.identify('example').catch((e: unknown) => e)) as AmbiguousUserError;
    expect(error).toBeInstanceOf(AmbiguousUserError);
    expect(error.message).toMatch(/^"example" matches 7 users, not one\./);
  });

  it('resolves one match, a plex id, and a username or email even when it is part of another user\'s', async () => {
    await expect(h.app.users.identify('çelik')).resolves.toBe(SMALL_USERS.unal);
    await expect(h.app.users.identify(` ${SMALL_USERS.zoe} `)).resolves.toBe(SMALL_USERS.zoe);
    // "zoe" is Zoë's plex.tv username, and part of Zoey's: a username names one account.
    await expect(h.app.users.identify('ZOE')).resolves.toBe(SMALL_USERS.zoe);
    await expect(h.app.users.identify('zoe@example.com')).resolves.toBe(SMALL_USERS.zoe);
    await expect(h.app.users.identify('nobody-like-this', 'nothing was assigned')).rejects.toThrow(
      new NotFoundError('no user matches "nobody-like-this": nothing was assigned'),
    );
  });
});
