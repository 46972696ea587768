/**
 * The plex.tv sharing client against the fake plex.tv: the writes land, and every fault plex.tv
 * answers becomes its own typed error whose message names the user and the server.
 */
import { FakePlexTv } from '../fakes/plex/fake-plex-tv';
import { DEFAULT_TOKEN, SMALL_IDS, SMALL_USERS, smallAccount } from '../fakes/plex/plex-data';
import { PlexSharingClient } from '../../src/plex/plex-sharing.client';
import {
  PlexAlreadySharedError,
  PlexAuthError,
  PlexNotFoundError,
  PlexRateLimitedError,
  PlexShareGoneError,
  PlexShareRequestError,
} from '../../src/plex/errors';

describe('PlexSharingClient against the fake plex.tv', () => {
  let fake: FakePlexTv;
  let client: PlexSharingClient;
  const make = (extra: Partial<ConstructorParameters<typeof PlexSharingClient>[0]> = {}) =>
    new PlexSharingClient({ baseUrl: fake.url, token: DEFAULT_TOKEN, clientIdentifier: 'test-client', retries: 3, retryDelayMs: 10, ...extra });

  beforeEach(async () => {
    fake = new FakePlexTv(smallAccount());
    await fake.start();
    client = make();
  });
  afterEach(() => fake.stop());

  it("lists a server's libraries with the ids the share calls take", async () => {
    const server = await client.getServerLibraries(SMALL_IDS.cabin);
    expect(server).toEqual({
      machineIdentifier: SMALL_IDS.cabin,
      name: "Cabin & Co's",
      libraries: [
        { id: 201, key: '1', title: 'Films', type: 'movie' },
        { id: 202, key: '2', title: 'Séries <HD>', type: 'show' },
        { id: 203, key: '5', title: 'Kids & Family', type: 'movie' },
      ],
    });
    await expect(client.getServerLibraries(SMALL_IDS.grandma)).rejects.toBeInstanceOf(PlexNotFoundError);
  });

  it('shares by e-mail and by account id; the share is pending and sent with the headers and body plex.tv expects', async () => {
    const created = await client.share({ machineIdentifier: SMALL_IDS.cabin, serverName: 'Cabin', invitee: { emailOrUsername: 'lonely@example.com' }, librarySectionIds: [201, 203] });
    expect(created).toMatchObject({ machineIdentifier: SMALL_IDS.cabin, plexUserId: SMALL_USERS.noShares, pending: true, acceptedAt: null, libraryIds: [201, 203], libraries: ['Films', 'Kids & Family'] });
    const post = fake.requests.find((r) => r.method === 'POST')!;
    expect(post.headers['x-plex-client-identifier']).toBe('test-client');
    expect(post.headers['content-type']).toMatch(/application\/json/);
    expect(JSON.parse(post.body)).toEqual({
      server_id: SMALL_IDS.cabin,
      shared_server: { library_section_ids: [201, 203], invited_email: 'lonely@example.com' },
      sharing_settings: {},
    });
    const byId = await client.share({ machineIdentifier: SMALL_IDS.livingRoom, invitee: { accountId: SMALL_USERS.zoe }, librarySectionIds: [101] });
    expect(byId).toMatchObject({ plexUserId: SMALL_USERS.zoe, libraries: ['Movies'] });
    expect(fake.sharesOf(SMALL_IDS.livingRoom).map((x) => x.user.id)).toContain(SMALL_USERS.zoe);
  });

  it('maps "already sharing" (400) to its own error naming the user and the server, and 422 too', async () => {
    const already = client.share({ machineIdentifier: SMALL_IDS.cabin, serverName: 'Cabin', invitee: { emailOrUsername: 'zoe@example.com' }, librarySectionIds: [201] });
    await expect(already).rejects.toBeInstanceOf(PlexAlreadySharedError);
    await expect(already).rejects.toThrow('plex.tv says Cabin is already shared with zoe@example.com (400): update that share instead');
    fake.injectFault({ method: 'POST', path: /shared_servers$/, status: 422 });
    await expect(client.share({ machineIdentifier: SMALL_IDS.cabin, invitee: { emailOrUsername: 'lonely' }, librarySectionIds: [201] })).rejects.toBeInstanceOf(PlexAlreadySharedError);
  });

  it('another 400 carries plex.tv\'s reason and is not "already sharing"', async () => {
    const bad = client.share({ machineIdentifier: SMALL_IDS.cabin, serverName: 'Cabin', invitee: { emailOrUsername: 'lonely' }, librarySectionIds: [999] });
    await expect(bad).rejects.toBeInstanceOf(PlexShareRequestError);
    await expect(bad).rejects.toThrow('plex.tv answered 400 to sharing Cabin with lonely (Invalid library section id: 999)');
  });

  it('updates a share and unshares; a gone share is its own error', async () => {
    await client.updateShare({ machineIdentifier: SMALL_IDS.livingRoom, shareId: 5005, user: 'unal.celik', librarySectionIds: [103] });
    expect(fake.sharesOf(SMALL_IDS.livingRoom).find((x) => x.share.shareId === 5005)!.share.sectionIds).toEqual([103]);
    await client.unshare({ machineIdentifier: SMALL_IDS.livingRoom, shareId: 5005, user: 'unal.celik', serverName: 'Living Room' });
    expect(fake.deletedShares).toEqual([{ machineIdentifier: SMALL_IDS.livingRoom, shareId: 5005 }]);

    const gone = client.unshare({ machineIdentifier: SMALL_IDS.livingRoom, shareId: 5005, user: 'unal.celik', serverName: 'Living Room' });
    await expect(gone).rejects.toBeInstanceOf(PlexShareGoneError);
    await expect(gone).rejects.toThrow('the share 5005 of Living Room with unal.celik no longer exists on plex.tv (404)');
    await expect(client.updateShare({ machineIdentifier: SMALL_IDS.livingRoom, shareId: 5005, user: 'unal.celik', librarySectionIds: [101] })).rejects.toBeInstanceOf(PlexShareGoneError);
  });

  it('401 is the token error, not retried, and never shows the token', async () => {
    const bad = new PlexSharingClient({ baseUrl: fake.url, token: 'wrong-secret-token', clientIdentifier: 'x', retries: 3, retryDelayMs: 10 });
    const error = await bad.share({ machineIdentifier: SMALL_IDS.cabin, invitee: { emailOrUsername: 'lonely' }, librarySectionIds: [201] }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(PlexAuthError);
    expect(String((error as Error).message)).not.toContain('wrong-secret-token');
    expect(bad.requestsSent).toBe(1);
  });

  it('retries 5xx with backoff, then names the user and the server', async () => {
    fake.injectFault({ method: 'PUT', path: /shared_servers\/5001$/, status: 503, times: 2 });
    await client.updateShare({ machineIdentifier: SMALL_IDS.livingRoom, shareId: 5001, user: 'obrien_son', librarySectionIds: [101] });
    expect(client.requestsSent).toBe(3);

    fake.injectFault({ method: 'DELETE', path: /shared_servers\/5001$/, status: 500, times: Infinity });
    const failed = client.unshare({ machineIdentifier: SMALL_IDS.livingRoom, serverName: 'Living Room', shareId: 5001, user: 'obrien_son' });
    await expect(failed).rejects.toThrow('plex.tv answered 500 to unsharing Living Room from obrien_son (Internal server error) after 4 attempts');
    expect(fake.deletedShares).toEqual([]);
  });

  it('honours 429 Retry-After before trying again', async () => {
    fake.injectFault({ method: 'POST', path: /shared_servers$/, status: 429, headers: { 'Retry-After': '1' } });
    const started = Date.now();
    await client.share({ machineIdentifier: SMALL_IDS.cabin, invitee: { emailOrUsername: 'lonely' }, librarySectionIds: [201] });
    const posts = fake.requests.filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(2);
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('gives up on a 429 that asks for a longer wait than allowed, or that never clears', async () => {
    fake.injectFault({ method: 'POST', path: /shared_servers$/, status: 429, headers: { 'Retry-After': '3600' } });
    const long = client.share({ machineIdentifier: SMALL_IDS.cabin, serverName: 'Cabin', invitee: { emailOrUsername: 'lonely' }, librarySectionIds: [201] });
    await expect(long).rejects.toBeInstanceOf(PlexRateLimitedError);
    await expect(long).rejects.toThrow('plex.tv answered 429 (too many requests, asked to wait 3600 s) to sharing Cabin with lonely: try again later');

    fake.injectFault({ method: 'DELETE', path: /shared_servers\/5001$/, status: 429, times: Infinity });
    const never = client.unshare({ machineIdentifier: SMALL_IDS.livingRoom, serverName: 'Living Room', shareId: 5001, user: 'obrien_son' });
    await expect(never).rejects.toThrow(/429 \(too many requests\) to unsharing Living Room from obrien_son after 4 attempts/);
  });

  it('sends at most 5 writes at once', async () => {
    fake.update((a) => {
      a.users = Array.from({ length: 20 }, (_, i) => ({ id: 20_000 + i, title: `u${i}`, username: `u${i}`, email: `u${i}@example.com`, shares: [] }));
    });
    // Every answer is slow, so the requests pile up if nothing holds them back.
    fake.injectFault({ method: 'POST', path: /shared_servers$/, delayMs: 150, times: Infinity });
    let inFlight = 0;
    let peak = 0;
    const original = fake.requests.push.bind(fake.requests);
    fake.requests.push = (...items) => {
      inFlight += items.length;
      peak = Math.max(peak, inFlight);
      setTimeout(() => (inFlight -= items.length), 140);
      return original(...items);
    };
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => client.share({ machineIdentifier: SMALL_IDS.cabin, invitee: { emailOrUsername: `u${i}` }, librarySectionIds: [201] })),
    );
    expect(fake.sharesOf(SMALL_IDS.cabin)).toHaveLength(20);
    expect(peak).toBe(5);
  });
});
