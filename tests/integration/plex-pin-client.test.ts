import { FakePlexTv } from '../fakes/plex/fake-plex-tv';
import { DEFAULT_TOKEN, smallAccount } from '../fakes/plex/plex-data';
import { PlexPinClient } from '../../src/plex/plex-pin.client';

/** The PIN client against the fake plex.tv: the owner's sign-in as the setup wizard does it. */
describe('PlexPinClient', () => {
  let plex: FakePlexTv;
  let client: PlexPinClient;
  beforeEach(async () => {
    plex = new FakePlexTv(smallAccount());
    client = new PlexPinClient({ baseUrl: await plex.start(), clientIdentifier: 'install-1', retries: 0 });
  });
  afterEach(() => plex.stop());

  it('asks for a 4-character code (for plex.tv/link) that lives shorter than a strong PIN', async () => {
    const short = await client.createPin({ strong: false });
    const strong = await client.createPin();
    expect(short.code).toMatch(/^[0-9A-Z]{4}$/);
    expect(strong.code.length).toBeGreaterThan(4);
    expect(short.expiresIn).toBeLessThan(strong.expiresIn);
    expect(plex.requests.map((r) => r.query.strong)).toEqual([undefined, 'true']);
  });

  it('gets the owner token once the owner signs in, for the owner account', async () => {
    const pin = await client.createPin({ strong: false });
    expect(await client.checkPin(pin.id)).toEqual({ authToken: null });
    plex.signInOwner(pin.code);
    expect(await client.checkPin(pin.id)).toEqual({ authToken: DEFAULT_TOKEN });
    expect(await client.whoIs(DEFAULT_TOKEN)).toEqual({ id: 1, username: 'owner', email: 'owner@example.com', title: 'owner' });
  });

  it('answers expired once plex.tv no longer knows the PIN (404), and for another install', async () => {
    plex.shortPinExpiresInSeconds = 0;
    const pin = await client.createPin({ strong: false });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await client.checkPin(pin.id)).toBe('expired');
    plex.shortPinExpiresInSeconds = 900;
    const live = await client.createPin({ strong: false });
    const other = new PlexPinClient({ baseUrl: plex.url, clientIdentifier: 'install-2', retries: 0 });
    expect(await other.checkPin(live.id)).toBe('expired');
  });
});
