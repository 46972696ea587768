/**
 * Self-test of the fake plex.tv (tests/fakes/plex). Uses node's fetch and a tiny regex-based XML
 * reader; imports nothing from src/.
 */
import { FakePlexTv, PLEX_ERRORS, XML_CONTENT_TYPE } from '../fakes/plex/fake-plex-tv';
import {
  DEFAULT_TOKEN,
  SMALL_IDS,
  SMALL_USERS,
  generatedAccount,
  smallAccount,
} from '../fakes/plex/plex-data';

// ---------------------------------------------------------------------------------------------
// Minimal XML reading
// ---------------------------------------------------------------------------------------------

type Attrs = Record<string, string>;

function decodeXml(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) => {
    switch (e) {
      case 'amp':
        return '&';
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
      default:
        return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    }
  });
}

function parseAttrs(tag: string): Attrs {
  const out: Attrs = {};
  for (const m of tag.matchAll(/([A-Za-z_][\w.-]*)="([^"]*)"/g)) out[m[1]!] = decodeXml(m[2]!);
  return out;
}

/** Start tags of every `<name ...>` / `<name .../>` element, as attribute maps. */
function elements(xml: string, name: string): Attrs[] {
  const re = new RegExp(`<${name}(\\s[^>]*?)?/?>`, 'g');
  return [...xml.matchAll(re)].map((m) => parseAttrs(m[1] ?? ''));
}

/** Raw start tag (attribute text) of the first `<name ... attr="value"` element. */
function rawStartTag(xml: string, name: string, attr: string, value: string): string | undefined {
  const re = new RegExp(`<${name}\\s[^>]*\\b${attr}="${value}"[^>]*>`);
  return re.exec(xml)?.[0];
}

/** The inner XML of the element `<name attr="value" ...>...</name>` ('' when self-closing). */
function innerOf(xml: string, name: string, attr: string, value: string): string | undefined {
  const re = new RegExp(`<${name}\\s[^>]*\\b${attr}="${value}"[^>]*?(/>|>([\\s\\S]*?)</${name}>)`);
  const m = re.exec(xml);
  if (!m) return undefined;
  return m[1] === '/>' ? '' : m[2]!;
}

/** Strict-enough well-formedness check: prolog, balanced tags, quoted attributes, valid entities. */
function isWellFormed(xml: string): boolean {
  const token =
    /<\?xml[^?]*\?>|<\/([A-Za-z][\w]*)\s*>|<([A-Za-z][\w]*)((?:\s+[A-Za-z_][\w.-]*="(?:[^"<&]|&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)*")*)\s*(\/?)>|([^<]+)/y;
  const stack: string[] = [];
  let roots = 0;
  let pos = 0;
  while (pos < xml.length) {
    token.lastIndex = pos;
    const m = token.exec(xml);
    if (!m) return false;
    pos = token.lastIndex;
    if (m[1]) {
      if (stack.pop() !== m[1]) return false;
    } else if (m[2]) {
      if (stack.length === 0) roots++;
      if (!m[4]) stack.push(m[2]);
    } else if (m[5] !== undefined) {
      if (stack.length === 0 && m[5].trim() !== '') return false;
    }
  }
  return stack.length === 0 && roots === 1;
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers
// ---------------------------------------------------------------------------------------------

interface Got {
  status: number;
  body: string;
  headers: Headers;
}

async function get(
  base: string,
  path: string,
  opts: { token?: string | null; headers?: Record<string, string>; method?: string; signal?: AbortSignal; json?: unknown } = {},
): Promise<Got> {
  const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
  const token = opts.token === undefined ? DEFAULT_TOKEN : opts.token;
  if (token !== null) headers['X-Plex-Token'] = token;
  let body: string | undefined;
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  }
  const res = await fetch(base + path, { method: opts.method ?? 'GET', headers, body, signal: opts.signal });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

const PROLOG = '<?xml version="1.0" encoding="UTF-8"?>';

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

describe('FakePlexTv (small account)', () => {
  let fake: FakePlexTv;
  let base: string;

  beforeEach(async () => {
    fake = new FakePlexTv(smallAccount());
    base = await fake.start();
  });

  afterEach(async () => {
    await fake.stop();
  });

  describe('auth', () => {
    it('answers 401 with plex.tv error XML without a token', async () => {
      const r = await get(base, '/api/users', { token: null });
      expect(r.status).toBe(401);
      expect(r.body.startsWith(PROLOG)).toBe(true);
      expect(r.body).toBe(PLEX_ERRORS.unauthorized);
      expect(isWellFormed(r.body)).toBe(true);
      expect(elements(r.body, 'error')).toEqual([
        { code: '1001', message: 'User could not be authenticated', status: '401' },
      ]);
    });

    it('answers 401 for a wrong header token and a wrong query token', async () => {
      expect((await get(base, '/api/users', { token: 'nope' })).status).toBe(401);
      const q = await get(base, '/api/resources?X-Plex-Token=nope', { token: null });
      expect(q.status).toBe(401);
      expect(q.body).toContain('code="1001"');
    });

    it('accepts the token from the header or from the query', async () => {
      expect((await get(base, '/api/users')).status).toBe(200);
      const q = await get(base, `/api/users?X-Plex-Token=${DEFAULT_TOKEN}`, { token: null });
      expect(q.status).toBe(200);
      expect(q.headers.get('content-type')).toBe(XML_CONTENT_TYPE);
    });

    it('requires X-Plex-Client-Identifier when the account says so (400)', async () => {
      fake.update((a) => {
        a.clientIdentifierRequired = true;
      });
      const without = await get(base, '/api/users');
      expect(without.status).toBe(400);
      expect(elements(without.body, 'error')[0]).toMatchObject({ code: '1000', status: '400' });
      const withId = await get(base, '/api/users', { headers: { 'X-Plex-Client-Identifier': 'abc' } });
      expect(withId.status).toBe(200);
    });

    it('answers 404 for unknown routes and wrong methods', async () => {
      expect((await get(base, '/api/v2/friends')).status).toBe(404);
      expect((await get(base, '/api/users', { method: 'POST' })).status).toBe(404);
      expect((await get(base, '/api/servers', { method: 'GET' })).status).toBe(404);
    });
  });

  describe('GET /api/resources', () => {
    it('lists owned servers, the shared-in server and extra devices', async () => {
      const r = await get(base, '/api/resources?includeHttps=1&includeRelay=1');
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe(XML_CONTENT_TYPE);
      expect(r.body.startsWith(PROLOG)).toBe(true);
      expect(isWellFormed(r.body)).toBe(true);

      const container = elements(r.body, 'MediaContainer')[0]!;
      const devices = elements(r.body, 'Device');
      expect(container.size).toBe(String(devices.length));
      expect(devices).toHaveLength(5);

      const servers = devices.filter((d) => d.provides!.split(',').includes('server'));
      expect(servers.map((d) => d.clientIdentifier).sort()).toEqual(
        [SMALL_IDS.livingRoom, SMALL_IDS.cabin, SMALL_IDS.grandma].sort(),
      );
      const living = servers.find((d) => d.clientIdentifier === SMALL_IDS.livingRoom)!;
      expect(living).toMatchObject({ name: 'Living Room', product: 'Plex Media Server', owned: '1', presence: '1' });
      expect(living.accessToken).toMatch(/^[\w-]{20}$/);
      expect(living.ownerId).toBeUndefined();
      expect(living.createdAt).toMatch(/^\d{10}$/);
      expect(living.lastSeenAt).toMatch(/^\d{10}$/);
      expect(servers.find((d) => d.clientIdentifier === SMALL_IDS.cabin)!.name).toBe("Cabin & Co's");

      const grandma = servers.find((d) => d.clientIdentifier === SMALL_IDS.grandma)!;
      expect(grandma).toMatchObject({ owned: '0', ownerId: String(SMALL_USERS.grandma), sourceTitle: 'grandma_jo' });

      const livingInner = innerOf(r.body, 'Device', 'clientIdentifier', SMALL_IDS.livingRoom)!;
      const conns = elements(livingInner, 'Connection');
      expect(conns.length).toBeGreaterThanOrEqual(2);
      for (const c of conns) {
        expect(Object.keys(c).sort()).toEqual(['address', 'local', 'port', 'protocol', 'uri']);
        expect(c.uri).toBe(`${c.protocol}://${c.address!.replace(/\./g, '-')}.${SMALL_IDS.livingRoom}.plex.direct:${c.port}`);
      }
      expect(conns.map((c) => c.local).sort()).toEqual(['0', '1']);

      const others = devices.filter((d) => !d.provides!.split(',').includes('server'));
      expect(others).toHaveLength(2);
      for (const d of others) {
        expect(d.provides).toContain('client');
        expect(d.provides).toContain('player');
        expect(d.owned).toBe('1');
      }
    });

    it('drops the player/client devices when extraDevices is false', async () => {
      fake.update((a) => {
        a.extraDevices = false;
      });
      const r = await get(base, '/api/resources');
      expect(elements(r.body, 'Device')).toHaveLength(3);
      expect(elements(r.body, 'MediaContainer')[0]!.size).toBe('3');
    });
  });

  describe('GET /api/users', () => {
    it('renders the container and every user, with and without a trailing slash', async () => {
      const r = await get(base, '/api/users');
      const r2 = await get(base, '/api/users/');
      expect(r.status).toBe(200);
      expect(r2.status).toBe(200);
      expect(r2.body).toBe(r.body);
      expect(r.body.startsWith(PROLOG)).toBe(true);
      expect(isWellFormed(r.body)).toBe(true);

      const container = elements(r.body, 'MediaContainer')[0]!;
      expect(container).toMatchObject({
        friendlyName: 'myPlex',
        identifier: 'com.plexapp.plugins.myplex',
        totalSize: '6',
        size: '6',
      });
      expect(container.machineIdentifier).toMatch(/^[0-9a-f]{40}$/);
      expect(Object.values(SMALL_IDS)).not.toContain(container.machineIdentifier);

      const users = elements(r.body, 'User');
      expect(users.map((u) => Number(u.id))).toEqual(Object.values(SMALL_USERS));
      const obrien = users.find((u) => u.id === String(SMALL_USERS.obrien))!;
      expect(Object.keys(obrien)).toEqual([
        'id', 'title', 'username', 'email', 'recommendationsPlaylistId', 'thumb', 'protected', 'home',
        'allowTuners', 'allowSync', 'allowCameraUpload', 'allowChannels', 'allowSubtitleAdmin', 'filterAll',
        'filterMovies', 'filterMusic', 'filterPhotos', 'filterTelevision', 'restricted',
      ]);
      expect(obrien).toMatchObject({ username: 'obrien_son', email: 'obrien@example.com', home: '0' });
    });

    it('lists shares as <Server> children with pending, numLibraries and owned flags', async () => {
      const { body } = await get(base, '/api/users');

      const obrienServers = elements(innerOf(body, 'User', 'id', String(SMALL_USERS.obrien))!, 'Server');
      expect(obrienServers).toHaveLength(2);
      const lr = obrienServers.find((s) => s.machineIdentifier === SMALL_IDS.livingRoom)!;
      expect(lr).toMatchObject({
        id: '5001',
        name: 'Living Room',
        numLibraries: '2',
        allLibraries: '0',
        owned: '1',
        pending: '0',
      });
      expect(Object.keys(lr)).toEqual([
        'id', 'serverId', 'machineIdentifier', 'name', 'lastSeenAt', 'numLibraries', 'allLibraries', 'owned', 'pending',
      ]);
      expect(lr.serverId).toMatch(/^\d+$/);
      const cabin = obrienServers.find((s) => s.machineIdentifier === SMALL_IDS.cabin)!;
      expect(cabin).toMatchObject({ id: '5002', name: "Cabin & Co's", numLibraries: '3', allLibraries: '1' });

      const zoe = elements(innerOf(body, 'User', 'id', String(SMALL_USERS.zoe))!, 'Server');
      expect(zoe).toEqual([expect.objectContaining({ id: '5003', pending: '1', owned: '1', numLibraries: '1' })]);

      // A friend with no shares: a <User> without children.
      expect(innerOf(body, 'User', 'id', String(SMALL_USERS.noShares))).toBe('');

      // A friend who shares their own server with the owner: owned="0", never one of ours.
      const grandma = elements(innerOf(body, 'User', 'id', String(SMALL_USERS.grandma))!, 'Server');
      expect(grandma).toEqual([
        expect.objectContaining({ machineIdentifier: SMALL_IDS.grandma, owned: '0', name: "Grandma's Plex" }),
      ]);
    });

    it('leaves username and email ABSENT for managed users', async () => {
      const { body } = await get(base, '/api/users');
      const tag = rawStartTag(body, 'User', 'id', String(SMALL_USERS.kids))!;
      expect(tag).toBeDefined();
      expect(tag).not.toMatch(/\busername=/);
      expect(tag).not.toMatch(/\bemail=/);
      const kids = parseAttrs(tag);
      expect(kids).toMatchObject({ title: 'Kids', home: '1', restricted: '1' });
      expect(elements(innerOf(body, 'User', 'id', String(SMALL_USERS.kids))!, 'Server')).toEqual([
        expect.objectContaining({ id: '5004', machineIdentifier: SMALL_IDS.livingRoom, owned: '1' }),
      ]);
    });

    it("escapes and round-trips O'Brien & Søn, Zoë and Ünal Çelik", async () => {
      const res = await fetch(`${base}/api/users`, { headers: { 'X-Plex-Token': DEFAULT_TOKEN } });
      const bytes = Buffer.from(await res.arrayBuffer());
      const body = bytes.toString('utf8');
      // Raw UTF-8 on the wire, entity-escaped markup characters.
      expect(bytes.includes(Buffer.from('Søn', 'utf8'))).toBe(true);
      expect(body).toContain('title="O&apos;Brien &amp; Søn"');
      expect(body).not.toContain("O'Brien");
      const titles = elements(body, 'User').map((u) => u.title);
      expect(titles).toContain("O'Brien & Søn");
      expect(titles).toContain('Zoë');
      expect(titles).toContain('Ünal Çelik');
    });
  });

  describe('GET /api/servers/{mid}/shared_servers', () => {
    it('lists one SharedServer per share with every section of the server', async () => {
      const r = await get(base, `/api/servers/${SMALL_IDS.livingRoom}/shared_servers`);
      expect(r.status).toBe(200);
      expect(r.body.startsWith(PROLOG)).toBe(true);
      expect(isWellFormed(r.body)).toBe(true);
      expect(elements(r.body, 'MediaContainer')[0]).toEqual({
        friendlyName: 'myPlex',
        identifier: 'com.plexapp.plugins.myplex',
        machineIdentifier: SMALL_IDS.livingRoom,
        size: '3',
      });
      const shares = elements(r.body, 'SharedServer');
      expect(shares.map((s) => s.userID)).toEqual(
        [SMALL_USERS.obrien, SMALL_USERS.kids, SMALL_USERS.unal].map(String),
      );
      const obrien = shares[0]!;
      expect(Object.keys(obrien)).toEqual([
        'id', 'username', 'email', 'userID', 'accessToken', 'name', 'acceptedAt', 'invitedAt', 'allowSync',
        'allowCameraUpload', 'allowChannels', 'allowTuners', 'allowSubtitleAdmin', 'owned', 'allLibraries',
        'filterAll', 'filterMovies', 'filterMusic', 'filterPhotos', 'filterTelevision',
      ]);
      expect(obrien).toMatchObject({
        id: '5001',
        username: 'obrien_son',
        email: 'obrien@example.com',
        name: 'Living Room',
        owned: '0',
        allLibraries: '0',
      });
      expect(Number(obrien.acceptedAt)).toBeGreaterThan(Number(obrien.invitedAt));
      expect(obrien.accessToken).toMatch(/^[\w-]{20}$/);

      const sections = elements(innerOf(r.body, 'SharedServer', 'id', '5001')!, 'Section');
      expect(sections).toEqual([
        { id: '101', key: '1', title: 'Movies', type: 'movie', shared: '1' },
        { id: '102', key: '2', title: 'TV Shows', type: 'show', shared: '1' },
        { id: '103', key: '3', title: 'Music', type: 'artist', shared: '0' },
        { id: '104', key: '4', title: 'Photos', type: 'photo', shared: '0' },
      ]);
      const unalSections = elements(innerOf(r.body, 'SharedServer', 'id', '5005')!, 'Section');
      expect(unalSections.map((s) => s.shared)).toEqual(['1', '1', '1', '1']);
    });

    it('gives managed users empty username and email', async () => {
      const r = await get(base, `/api/servers/${SMALL_IDS.livingRoom}/shared_servers`);
      const tag = rawStartTag(r.body, 'SharedServer', 'userID', String(SMALL_USERS.kids))!;
      expect(tag).toContain('username=""');
      expect(tag).toContain('email=""');
    });

    it('shows pending invites with acceptedAt="0" and escapes names', async () => {
      const r = await get(base, `/api/servers/${SMALL_IDS.cabin}/shared_servers/`);
      expect(r.status).toBe(200);
      expect(r.body).toContain('name="Cabin &amp; Co&apos;s"');
      expect(r.body).toContain('title="Séries &lt;HD&gt;"');
      const zoe = elements(r.body, 'SharedServer').find((s) => s.userID === String(SMALL_USERS.zoe))!;
      expect(zoe).toMatchObject({ id: '5003', acceptedAt: '0', username: 'zoe', name: "Cabin & Co's" });
      expect(Number(zoe.invitedAt)).toBeGreaterThan(0);
      const secs = elements(innerOf(r.body, 'SharedServer', 'id', '5003')!, 'Section');
      expect(secs.map((s) => [s.title, s.shared])).toEqual([
        ['Films', '1'],
        ['Séries <HD>', '0'],
        ['Kids & Family', '0'],
      ]);
    });

    it('answers 404 for an unknown or not-owned server', async () => {
      const unknown = await get(base, '/api/servers/deadbeef/shared_servers');
      expect(unknown.status).toBe(404);
      expect(unknown.body).toBe(PLEX_ERRORS.notFound);
      expect((await get(base, `/api/servers/${SMALL_IDS.grandma}/shared_servers`)).status).toBe(404);
    });
  });

  describe('GET /api/servers/{mid}', () => {
    it('lists the library sections of an owned server', async () => {
      const r = await get(base, `/api/servers/${SMALL_IDS.cabin}`);
      expect(r.status).toBe(200);
      expect(isWellFormed(r.body)).toBe(true);
      const server = elements(r.body, 'Server')[0]!;
      expect(server).toMatchObject({ name: "Cabin & Co's", machineIdentifier: SMALL_IDS.cabin, owned: '1' });
      expect(elements(r.body, 'Section')).toEqual([
        { id: '201', key: '1', type: 'movie', title: 'Films' },
        { id: '202', key: '2', type: 'show', title: 'Séries <HD>' },
        { id: '203', key: '5', type: 'movie', title: 'Kids & Family' },
      ]);
      expect((await get(base, '/api/servers/unknown')).status).toBe(404);
      expect((await get(base, `/api/servers/${SMALL_IDS.grandma}`)).status).toBe(404);
    });
  });

  describe('DELETE /api/servers/{mid}/shared_servers/{id}', () => {
    it('removes the share, records it and invalidates cached bodies', async () => {
      const before = await get(base, `/api/servers/${SMALL_IDS.livingRoom}/shared_servers`);
      expect(before.body).toContain('<SharedServer id="5004"');

      const del = await get(base, `/api/servers/${SMALL_IDS.livingRoom}/shared_servers/5004`, { method: 'DELETE' });
      expect(del.status).toBe(200);
      expect(del.body).toBe('');
      expect(fake.deletedShares).toEqual([{ machineIdentifier: SMALL_IDS.livingRoom, shareId: 5004 }]);

      const after = await get(base, `/api/servers/${SMALL_IDS.livingRoom}/shared_servers`);
      expect(after.body).not.toContain('<SharedServer id="5004"');
      expect(elements(after.body, 'MediaContainer')[0]!.size).toBe('2');
      const users = await get(base, '/api/users');
      // The managed user stays listed, now without servers.
      expect(innerOf(users.body, 'User', 'id', String(SMALL_USERS.kids))).toBe('');

      // Deleting again, on the wrong server, or with an unknown id → 404.
      const again = await get(base, `/api/servers/${SMALL_IDS.livingRoom}/shared_servers/5004`, { method: 'DELETE' });
      expect(again.status).toBe(404);
      const wrongServer = await get(base, `/api/servers/${SMALL_IDS.cabin}/shared_servers/5001`, { method: 'DELETE' });
      expect(wrongServer.status).toBe(404);
      const unknownServer = await get(base, '/api/servers/nope/shared_servers/5001', { method: 'DELETE' });
      expect(unknownServer.status).toBe(404);
      expect(fake.deletedShares).toHaveLength(1);
    });

    it('requires auth', async () => {
      const r = await get(base, `/api/servers/${SMALL_IDS.livingRoom}/shared_servers/5001`, {
        method: 'DELETE',
        token: 'bad',
      });
      expect(r.status).toBe(401);
      expect(fake.deletedShares).toEqual([]);
    });
  });

  describe('POST /api/servers/{mid}/shared_servers (v1 invite)', () => {
    const share = (mid: string, invitee: { invited_email?: string; invited_id?: number }, ids: Array<number | string>) =>
      get(base, `/api/servers/${mid}/shared_servers`, {
        method: 'POST',
        json: { server_id: mid, shared_server: { library_section_ids: ids, ...invitee }, sharing_settings: { allowSync: '0' } },
      });

    it('creates a pending share that later GETs of shared_servers and /api/users show', async () => {
      fake.nowSeconds = () => 1_800_000_000;
      const r = await share(SMALL_IDS.cabin, { invited_email: 'lonely@example.com' }, [201, '203']);
      expect(r.status).toBe(200);
      expect(isWellFormed(r.body)).toBe(true);
      const created = elements(r.body, 'SharedServer')[0]!;
      expect(created).toMatchObject({ userID: String(SMALL_USERS.noShares), username: 'lonely', acceptedAt: '0', invitedAt: '1800000000', allLibraries: '0' });
      expect(Number(created.id)).toBeGreaterThan(5005);
      expect(elements(r.body, 'Section').map((x) => [x.id, x.shared])).toEqual([['201', '1'], ['202', '0'], ['203', '1']]);
      expect(JSON.parse(fake.requests.at(-1)!.body)).toMatchObject({ shared_server: { invited_email: 'lonely@example.com' } });

      const list = await get(base, `/api/servers/${SMALL_IDS.cabin}/shared_servers`);
      expect(rawStartTag(list.body, 'SharedServer', 'id', created.id!)).toContain('acceptedAt="0"');
      const users = await get(base, '/api/users');
      const servers = elements(innerOf(users.body, 'User', 'id', String(SMALL_USERS.noShares))!, 'Server');
      expect(servers).toEqual([expect.objectContaining({ id: created.id, machineIdentifier: SMALL_IDS.cabin, pending: '1', numLibraries: '2' })]);

      // The invitee accepts in Plex: no longer pending anywhere.
      fake.acceptShare(SMALL_IDS.cabin, Number(created.id), 1_800_000_100);
      const after = await get(base, `/api/servers/${SMALL_IDS.cabin}/shared_servers`);
      expect(rawStartTag(after.body, 'SharedServer', 'id', created.id!)).toContain('acceptedAt="1800000100"');
      const usersAfter = await get(base, '/api/users');
      expect(elements(innerOf(usersAfter.body, 'User', 'id', String(SMALL_USERS.noShares))!, 'Server')[0]).toMatchObject({ pending: '0' });
    });

    it('invites by username, by account id, and marks a share of every library allLibraries', async () => {
      const byName = await share(SMALL_IDS.livingRoom, { invited_email: 'Grandma_Jo' }, [101, 102, 103, 104]);
      expect(elements(byName.body, 'SharedServer')[0]).toMatchObject({ userID: String(SMALL_USERS.grandma), allLibraries: '1' });
      const byId = await share(SMALL_IDS.livingRoom, { invited_id: SMALL_USERS.zoe }, [102]);
      expect(elements(byId.body, 'SharedServer')[0]).toMatchObject({ userID: String(SMALL_USERS.zoe), email: 'zoe@example.com' });
    });

    it('gives an e-mail with no Plex account a pending invite too, and a known account becomes a user', async () => {
      fake.update((a) => {
        a.knownAccounts = [{ id: 7777, title: 'Newcomer', username: 'newcomer', email: 'new@example.com' }];
      });
      const known = await share(SMALL_IDS.cabin, { invited_email: 'new@example.com' }, [201]);
      expect(elements(known.body, 'SharedServer')[0]).toMatchObject({ userID: '7777', username: 'newcomer', acceptedAt: '0' });
      const nobody = await share(SMALL_IDS.cabin, { invited_email: 'nobody@example.net' }, [201]);
      expect(nobody.status).toBe(200);
      const invite = elements(nobody.body, 'SharedServer')[0]!;
      expect(invite).toMatchObject({ email: 'nobody@example.net', acceptedAt: '0' });
      const users = await get(base, '/api/users');
      expect(elements(innerOf(users.body, 'User', 'id', invite.userID!)!, 'Server')[0]).toMatchObject({ pending: '1' });
      expect(elements(users.body, 'User').find((u) => u.id === '7777')).toMatchObject({ username: 'newcomer' });
    });

    it('answers 400 naming the invitee when the server is already shared with them', async () => {
      const r = await share(SMALL_IDS.cabin, { invited_email: 'zoe@example.com' }, [201]);
      expect(r.status).toBe(400);
      expect(elements(r.body, 'error')[0]).toMatchObject({ status: '400', message: 'Already sharing this server with zoe@example.com' });
      const byId = await share(SMALL_IDS.livingRoom, { invited_id: SMALL_USERS.obrien }, [101]);
      expect(byId.status).toBe(400);
      expect(elements(byId.body, 'error')[0]!.message).toBe('Already sharing this server with obrien_son');
      // Nothing changed.
      expect(fake.sharesOf(SMALL_IDS.cabin).map((x) => x.share.shareId)).toEqual([5002, 5003]);
    });

    it('answers 400 to bad bodies, unknown libraries and unknown usernames; 404 to a server not ours', async () => {
      expect((await share(SMALL_IDS.cabin, { invited_email: 'lonely' }, [101])).status).toBe(400);
      expect((await share(SMALL_IDS.cabin, { invited_email: 'lonely' }, [])).status).toBe(400);
      expect((await share(SMALL_IDS.cabin, { invited_email: 'no-such-username' }, [201])).status).toBe(400);
      expect((await share(SMALL_IDS.cabin, {}, [201])).status).toBe(400);
      const notJson = await fetch(`${base}/api/servers/${SMALL_IDS.cabin}/shared_servers`, {
        method: 'POST',
        headers: { 'X-Plex-Token': DEFAULT_TOKEN },
        body: 'nope',
      });
      expect(notJson.status).toBe(400);
      expect((await share(SMALL_IDS.grandma, { invited_email: 'lonely' }, [301])).status).toBe(404);
      expect(fake.sharesOf(SMALL_IDS.cabin)).toHaveLength(2);
    });

    it('requires auth', async () => {
      const r = await get(base, `/api/servers/${SMALL_IDS.cabin}/shared_servers`, {
        method: 'POST',
        token: 'bad',
        json: { shared_server: { library_section_ids: [201], invited_email: 'lonely' } },
      });
      expect(r.status).toBe(401);
      expect(fake.sharesOf(SMALL_IDS.cabin)).toHaveLength(2);
    });
  });

  describe('PUT /api/servers/{mid}/shared_servers/{id}', () => {
    const put = (mid: string, id: number, ids: number[], token?: string) =>
      get(base, `/api/servers/${mid}/shared_servers/${id}`, {
        method: 'PUT',
        token,
        json: { server_id: mid, shared_server: { library_section_ids: ids } },
      });

    it("changes the share's libraries, seen in later GETs", async () => {
      const r = await put(SMALL_IDS.livingRoom, 5005, [103]);
      expect(r.status).toBe(200);
      expect(elements(r.body, 'SharedServer')[0]).toMatchObject({ id: '5005', allLibraries: '0' });
      const list = await get(base, `/api/servers/${SMALL_IDS.livingRoom}/shared_servers`);
      const sections = elements(innerOf(list.body, 'SharedServer', 'id', '5005')!, 'Section');
      expect(sections.filter((x) => x.shared === '1').map((x) => x.title)).toEqual(['Music']);
      const users = await get(base, '/api/users');
      expect(elements(innerOf(users.body, 'User', 'id', String(SMALL_USERS.unal))!, 'Server')[0]).toMatchObject({ numLibraries: '1', allLibraries: '0' });
    });

    it('answers 404 for a gone share, 400 for unknown libraries, 401 for a bad token', async () => {
      expect((await put(SMALL_IDS.livingRoom, 9999, [101])).status).toBe(404);
      expect((await put(SMALL_IDS.cabin, 5005, [201])).status).toBe(404);
      expect((await put(SMALL_IDS.livingRoom, 5005, [201])).status).toBe(400);
      expect((await put(SMALL_IDS.livingRoom, 5005, [101], 'bad')).status).toBe(401);
      expect(fake.sharesOf(SMALL_IDS.livingRoom).find((x) => x.share.shareId === 5005)!.share.allLibraries).toBe(true);
    });
  });

  describe('dead endpoints', () => {
    it('answer 410 Gone', async () => {
      for (const [method, path] of [
        ['DELETE', `/api/friends/${SMALL_USERS.obrien}`],
        ['GET', '/api/invites/requested'],
        ['PUT', '/api/invites/requests/123'],
      ] as const) {
        const r = await get(base, path, { method });
        expect([method, path, r.status]).toEqual([method, path, 410]);
        expect(elements(r.body, 'error')[0]).toMatchObject({ status: '410' });
      }
      // The friend is still there.
      expect(fake.account.users.some((u) => u.id === SMALL_USERS.obrien)).toBe(true);
    });
  });

  describe('faults on write calls', () => {
    it('429 with Retry-After, then 503, then the share goes through', async () => {
      const path = new RegExp(`^/api/servers/${SMALL_IDS.cabin}/shared_servers$`);
      fake.injectFault({ method: 'POST', path, status: 429, headers: { 'Retry-After': '2' } });
      fake.injectFault({ method: 'POST', path, status: 503 });
      const post = () =>
        get(base, `/api/servers/${SMALL_IDS.cabin}/shared_servers`, {
          method: 'POST',
          json: { shared_server: { library_section_ids: [201], invited_email: 'lonely' } },
        });
      const limited = await post();
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('2');
      expect((await post()).status).toBe(503);
      expect(fake.sharesOf(SMALL_IDS.cabin)).toHaveLength(2);
      expect((await post()).status).toBe(200);
      expect(fake.sharesOf(SMALL_IDS.cabin)).toHaveLength(3);
    });

    it('a fault on DELETE leaves the share in place', async () => {
      fake.injectFault({ method: 'DELETE', path: /shared_servers\/5001$/, status: 500 });
      const r = await get(base, `/api/servers/${SMALL_IDS.livingRoom}/shared_servers/5001`, { method: 'DELETE' });
      expect(r.status).toBe(500);
      expect(fake.deletedShares).toEqual([]);
    });
  });

  describe('update()', () => {
    it('invalidates cached XML', async () => {
      const first = await get(base, '/api/users');
      expect(first.body).toContain('title="Zoë"');
      const again = await get(base, '/api/users');
      expect(again.body).toBe(first.body); // served from cache, identical
      fake.update((a) => {
        a.users.find((u) => u.id === SMALL_USERS.zoe)!.title = 'Zoë & Co';
        a.users.push({ id: 4242, title: 'New Friend', username: 'newbie', email: 'n@example.com', shares: [] });
      });
      const after = await get(base, '/api/users');
      expect(after.body).toContain('title="Zoë &amp; Co"');
      expect(elements(after.body, 'MediaContainer')[0]!.size).toBe('7');
      expect(elements(after.body, 'User').map((u) => u.id)).toContain('4242');
    });

    it('does not alias the account passed to the constructor', async () => {
      const acct = smallAccount();
      const f2 = new FakePlexTv(acct);
      acct.users.length = 0;
      expect(f2.account.users).toHaveLength(6);
    });
  });

  describe('request log', () => {
    it('records method, path, query and headers', async () => {
      fake.resetRequests();
      const t0 = Date.now();
      await get(base, '/api/resources?includeHttps=1&includeRelay=1', {
        headers: { 'X-Plex-Client-Identifier': 'client-1', 'X-Plex-Product': 'test' },
      });
      expect(fake.requests).toHaveLength(1);
      const req = fake.requests[0]!;
      expect(req).toMatchObject({
        method: 'GET',
        path: '/api/resources',
        query: { includeHttps: '1', includeRelay: '1' },
      });
      expect(req.headers['x-plex-token']).toBe(DEFAULT_TOKEN);
      expect(req.headers['x-plex-client-identifier']).toBe('client-1');
      expect(req.at).toBeGreaterThanOrEqual(t0);
      fake.resetRequests();
      expect(fake.requests).toHaveLength(0);
    });
  });

  describe('faults', () => {
    it('status + body, consumed in order of injection, times counted down', async () => {
      fake.injectFault({ path: /^\/api\/users\/?$/, status: 503, body: 'down for maintenance', times: 2 });
      fake.injectFault({ path: /^\/api\/users\/?$/, status: 429, headers: { 'Retry-After': '1' } });
      const a = await get(base, '/api/users');
      const b2 = await get(base, '/api/users/');
      const c = await get(base, '/api/users');
      const d = await get(base, '/api/users');
      expect([a.status, b2.status, c.status, d.status]).toEqual([503, 503, 429, 200]);
      expect(a.body).toBe('down for maintenance');
      expect(c.headers.get('retry-after')).toBe('1');
      expect(c.body).toContain('status="429"');
      // Faults apply before auth, and count the request.
      expect(fake.requests).toHaveLength(4);
    });

    it('matches the method when given, and only the path (not the query)', async () => {
      fake.injectFault({ method: 'DELETE', path: /shared_servers\/\d+$/, status: 500 });
      const getRes = await get(base, `/api/servers/${SMALL_IDS.livingRoom}/shared_servers?x=1`);
      expect(getRes.status).toBe(200);
      const del = await get(base, `/api/servers/${SMALL_IDS.livingRoom}/shared_servers/5001`, { method: 'DELETE' });
      expect(del.status).toBe(500);
      expect(fake.deletedShares).toEqual([]);
      const del2 = await get(base, `/api/servers/${SMALL_IDS.livingRoom}/shared_servers/5001`, { method: 'DELETE' });
      expect(del2.status).toBe(200);
    });

    it('times: Infinity keeps failing until cleared', async () => {
      fake.injectFault({ path: /^\/api\/resources$/, status: 502, times: Infinity });
      for (let i = 0; i < 3; i++) expect((await get(base, '/api/resources')).status).toBe(502);
      fake.clearFaults();
      expect((await get(base, '/api/resources')).status).toBe(200);
    });

    it('delayMs makes a client timeout fire; without a timeout the normal answer arrives late', async () => {
      fake.injectFault({ path: /^\/api\/users$/, delayMs: 1500 });
      const t0 = Date.now();
      await expect(get(base, '/api/users', { signal: AbortSignal.timeout(150) })).rejects.toThrow();
      expect(Date.now() - t0).toBeLessThan(1400);

      fake.injectFault({ path: /^\/api\/users$/, delayMs: 200 });
      const t1 = Date.now();
      const slow = await get(base, '/api/users');
      expect(Date.now() - t1).toBeGreaterThanOrEqual(180);
      expect(slow.status).toBe(200);
      expect(isWellFormed(slow.body)).toBe(true);
    });

    it('truncate sends 200 with the first half of the normal XML', async () => {
      const full = await get(base, '/api/users');
      fake.injectFault({ path: /^\/api\/users$/, truncate: true });
      const cut = await get(base, '/api/users');
      expect(cut.status).toBe(200);
      const fullBytes = Buffer.byteLength(full.body);
      const cutBytes = Buffer.byteLength(cut.body);
      expect(cutBytes).toBeLessThanOrEqual(Math.ceil(fullBytes / 2) + 1);
      expect(cutBytes).toBeGreaterThan(fullBytes / 2 - 4);
      expect(full.body.startsWith(cut.body.slice(0, -2))).toBe(true);
      expect(cut.body).not.toContain('</MediaContainer>');
      expect(isWellFormed(cut.body)).toBe(false);
      // Next request is whole again.
      expect((await get(base, '/api/users')).body).toBe(full.body);
    });

    it('malformed sends 200 with broken XML', async () => {
      fake.injectFault({ path: /shared_servers/, malformed: true });
      const r = await get(base, `/api/servers/${SMALL_IDS.cabin}/shared_servers`);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe(XML_CONTENT_TYPE);
      expect(r.body.startsWith(PROLOG)).toBe(true);
      expect(isWellFormed(r.body)).toBe(false);
    });

    it('destroy drops the connection without an answer', async () => {
      fake.injectFault({ path: /^\/api\/resources$/, destroy: true });
      await expect(get(base, '/api/resources')).rejects.toThrow();
      // The server keeps working afterwards.
      expect((await get(base, '/api/resources')).status).toBe(200);
    });

    it('delay + status combine', async () => {
      fake.injectFault({ path: /^\/api\/users$/, delayMs: 100, status: 500 });
      const t0 = Date.now();
      const r = await get(base, '/api/users');
      expect(r.status).toBe(500);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(90);
      expect(r.body).toContain('<errors>');
    });
  });

  it('stop() closes the server even with a delayed request in flight', async () => {
    fake.injectFault({ path: /^\/api\/users$/, delayMs: 30_000 });
    const pending = get(base, '/api/users').then(
      () => 'answered',
      () => 'failed',
    );
    await new Promise((r) => setTimeout(r, 50));
    await fake.stop();
    expect(await pending).toBe('failed');
    await expect(get(base, '/api/users')).rejects.toThrow();
  });
});

describe('plex-data builders', () => {
  it('smallAccount() is deterministic and covers the edge cases', () => {
    const a = smallAccount();
    expect(smallAccount()).toEqual(a);
    expect(a.token).toBe(DEFAULT_TOKEN);
    expect(a.servers.filter((s) => s.owned !== false)).toHaveLength(2);
    expect(a.servers.filter((s) => s.owned === false)).toHaveLength(1);
    expect(a.users.some((u) => u.username === null && u.email === null && u.home)).toBe(true);
    expect(a.users.some((u) => u.shares.some((s) => s.acceptedAt === 0))).toBe(true);
    expect(a.users.some((u) => u.shares.length === 0 && !u.friendServers)).toBe(true);
    expect(a.users.some((u) => (u.friendServers ?? []).length > 0)).toBe(true);
  });

  it('generatedAccount() is deterministic per seed', () => {
    const a = generatedAccount({ users: 300, servers: 4, seed: 42 });
    const b = generatedAccount({ users: 300, servers: 4, seed: 42 });
    const c = generatedAccount({ users: 300, servers: 4, seed: 43 });
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(a.servers).toHaveLength(4);
    for (const s of a.servers) {
      expect(s.sections).toHaveLength(3);
      expect(s.machineIdentifier).toMatch(/^[0-9a-f]{40}$/);
    }
    for (const u of a.users) expect(u.shares.map((s) => s.machineIdentifier)).toEqual(a.servers.map((s) => s.machineIdentifier));
    const shareIds = a.users.flatMap((u) => u.shares.map((s) => s.shareId));
    expect(new Set(shareIds).size).toBe(shareIds.length);
  });
});

describe('FakePlexTv (generated 10,000 users x 20 servers)', () => {
  const acct = generatedAccount({ users: 10_000, servers: 20, seed: 1 });
  let fake: FakePlexTv;
  let base: string;

  beforeAll(async () => {
    fake = new FakePlexTv(acct);
    base = await fake.start();
  });

  afterAll(async () => {
    await fake.stop();
  });

  it('has the promised proportions', () => {
    const users = acct.users;
    const shares = users.flatMap((u) => u.shares);
    const managed = users.filter((u) => u.username === null).length;
    const pending = shares.filter((s) => s.acceptedAt === 0).length;
    expect(shares).toHaveLength(200_000);
    expect(managed).toBeGreaterThan(50);
    expect(managed).toBeLessThan(200);
    expect(pending / shares.length).toBeGreaterThan(0.01);
    expect(pending / shares.length).toBeLessThan(0.03);
  });

  // Its speed is measured by npm run bench, not here: timed tests fail on a busy machine.
  it('renders /api/users for 10,000 users x 20 servers and serves the same bytes over HTTP', async () => {
    const t0 = performance.now();
    const rendered = fake.renderBody('/api/users')!;
    const renderMs = performance.now() - t0;

    fake.update(() => undefined); // drop the cache: the HTTP request renders again
    const t1 = performance.now();
    const res = await fetch(`${base}/api/users`, { headers: { 'X-Plex-Token': DEFAULT_TOKEN } });
    const bytes = Buffer.from(await res.arrayBuffer());
    const httpMs = performance.now() - t1;

    const t2 = performance.now();
    const cachedRes = await fetch(`${base}/api/users`, { headers: { 'X-Plex-Token': DEFAULT_TOKEN } });
    const cachedBytes = Buffer.from(await cachedRes.arrayBuffer());
    const cachedMs = performance.now() - t2;

    // eslint-disable-next-line no-console
    console.log(
      `fake plex.tv /api/users, 10,000 users x 20 servers: ${(bytes.length / 1e6).toFixed(1)} MB; ` +
        `render ${renderMs.toFixed(0)} ms; first HTTP GET (render + transfer) ${httpMs.toFixed(0)} ms; ` +
        `cached HTTP GET ${cachedMs.toFixed(0)} ms`,
    );

    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(bytes.length));
    expect(bytes.equals(rendered)).toBe(true); // re-rendering after update() gives the same bytes
    expect(cachedBytes.equals(bytes)).toBe(true);

    const body = bytes.toString('utf8');
    expect(body.startsWith(PROLOG)).toBe(true);
    expect(body.endsWith('</MediaContainer>\n')).toBe(true);
    expect(body.match(/<User /g)).toHaveLength(10_000);
    expect(body.match(/<Server /g)).toHaveLength(200_000);
    expect(body.match(/ pending="1"/g)!.length).toBe(
      acct.users.reduce((n, u) => n + u.shares.filter((s) => s.acceptedAt === 0).length, 0),
    );
    expect(isWellFormed(body)).toBe(true);
  });

  it('serves a 10,000-entry shared_servers', async () => {
    const mid = acct.servers[7]!.machineIdentifier;
    const t0 = performance.now();
    const r = await get(base, `/api/servers/${mid}/shared_servers`);
    const ms = performance.now() - t0;
    // eslint-disable-next-line no-console
    console.log(`fake plex.tv shared_servers (10,000 shares): ${(Buffer.byteLength(r.body) / 1e6).toFixed(1)} MB in ${ms.toFixed(0)} ms`);
    expect(r.status).toBe(200);
    expect(elements(r.body, 'MediaContainer')[0]!.size).toBe('10000');
    expect(r.body.match(/<SharedServer /g)).toHaveLength(10_000);
    expect(r.body.match(/<Section /g)).toHaveLength(30_000);
  });
});
