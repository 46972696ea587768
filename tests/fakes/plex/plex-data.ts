/**
 * Data model and builders for the fake plex.tv server (tests/fakes/plex/fake-plex-tv.ts).
 *
 * Everything here is deterministic: fixed ids, fixed timestamps, and a tiny seeded PRNG for the
 * generated account (no Math.random), so a test or benchmark sees the same account every run.
 */

export type FakeSectionType = 'movie' | 'show' | 'artist' | 'photo';

export interface FakeSection {
  /** plex.tv-global library id (`Section@id`, used by share calls). */
  id: number;
  /** server-local key (`Section@key`). */
  key: string;
  title: string;
  type: FakeSectionType;
}

export interface FakeServer {
  machineIdentifier: string;
  name: string;
  sections: FakeSection[];
  /**
   * Default true. false = a server a friend shares WITH the owner: it appears in /api/resources as
   * owned="0" with ownerId/sourceTitle, and never in shares (no shared_servers, no /api/servers/{mid}).
   */
  owned?: boolean;
  /** For owned=false: the plex.tv user id of the friend who owns it (`Device@ownerId`). */
  ownerUserId?: number;
  /** Optional extras; derived deterministically when absent. */
  productVersion?: string;
  platform?: string;
  createdAt?: number;
  lastSeenAt?: number;
}

export interface FakeShare {
  machineIdentifier: string;
  /** `SharedServer@id` = `/api/users` `Server@id`; the id DELETE .../shared_servers/{shareId} takes. */
  shareId: number;
  /** unix seconds */
  invitedAt: number;
  /** unix seconds; 0 = pending (invite not accepted) */
  acceptedAt: number;
  allLibraries: boolean;
  /** `Section@id`s shared; the server's other sections are listed with shared="0". */
  sectionIds: number[];
}

export interface FakeUser {
  id: number;
  title: string;
  /** null = managed/home user: attribute ABSENT in /api/users, "" in shared_servers. */
  username: string | null;
  email: string | null;
  thumb?: string;
  home?: boolean;
  restricted?: boolean;
  shares: FakeShare[];
  /** machineIdentifiers of owned=false servers this user shares with the owner (`Server owned="0"`). */
  friendServers?: string[];
  /**
   * An e-mail invited with no Plex account behind it (see FakePlexAccount.accountlessInvites):
   * its shares answer userID="0", and /api/users leaves it out until FakePlexTv.createAccount().
   */
  accountless?: boolean;
}

export interface FakePlexAccount {
  token: string;
  /** The owner's own account, as GET /api/v2/user answers it for `token` (default: id 1, "owner"). */
  owner?: { id: number; username: string; email: string; title?: string };
  /** When true, requests without an X-Plex-Client-Identifier header get 400. */
  clientIdentifierRequired?: boolean;
  servers: FakeServer[];
  users: FakeUser[];
  /** Also list a player and a client device in /api/resources. Default true. */
  extraDevices?: boolean;
  /**
   * Plex accounts that exist on plex.tv but are not linked to the owner yet: an invite by their
   * e-mail, username or id makes them a user (with the invite pending).
   */
  knownAccounts?: Array<{ id: number; title: string; username: string; email: string }>;
  /**
   * When true, an invite to an e-mail with no Plex account is a share with no account yet
   * (userID="0", not in /api/users) until the invitee signs up (FakePlexTv.createAccount);
   * when false (default) the fake lists the invitee as a user at once.
   */
  accountlessInvites?: boolean;
}

export const DEFAULT_TOKEN = 'test-plex-token';

/** A fixed "now" for all hand-made timestamps: 2023-11-14T22:13:20Z. */
export const BASE_TIME = 1_700_000_000;
const DAY = 86_400;

// ---------------------------------------------------------------------------------------------
// Hand-made account
// ---------------------------------------------------------------------------------------------

/** Machine identifiers of smallAccount()'s servers. */
export const SMALL_IDS = {
  livingRoom: '5d1c0a7e2b9f4c3a8e6d1b0f9a8c7e6d5b4a3c21',
  cabin: '9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d',
  grandma: 'f00dfacec0ffee0123456789abcdef0123456789',
} as const;

/** User ids of smallAccount()'s users. */
export const SMALL_USERS = {
  /** "O'Brien & Søn": friend sharing both owned servers (partial on Living Room, all on Cabin). */
  obrien: 1001,
  /** "Zoë": friend with a pending invite on Cabin. */
  zoe: 1002,
  /** "Kids": managed/home user (no username, no email) sharing Living Room. */
  kids: 1003,
  /** "Lonely Friend": friend with no shares at all. */
  noShares: 1004,
  /** "Ünal Çelik": friend with all libraries of Living Room. */
  unal: 1005,
  /** "Grandma Jo": shares her own server with the owner (friendServers), gets nothing from us. */
  grandma: 1006,
} as const;

/**
 * Small hand-made account:
 * - 2 owned servers ("Living Room" with 4 sections, "Cabin & Co's" with 3) + 1 friend-owned server.
 * - O'Brien & Søn (1001): Living Room sections 101+102 (accepted, share 5001) and Cabin all (5002).
 * - Zoë (1002): pending invite on Cabin section 201 (acceptedAt 0, share 5003).
 * - Kids (1003): managed/home user, username/email null, Living Room section 101 (share 5004).
 * - Lonely Friend (1004): no shares.
 * - Ünal Çelik (1005): Living Room all libraries (share 5005).
 * - Grandma Jo (1006): no shares from us; shares "Grandma's Plex" with the owner.
 */
export function smallAccount(): FakePlexAccount {
  const livingRoom: FakeServer = {
    machineIdentifier: SMALL_IDS.livingRoom,
    name: 'Living Room',
    sections: [
      { id: 101, key: '1', title: 'Movies', type: 'movie' },
      { id: 102, key: '2', title: 'TV Shows', type: 'show' },
      { id: 103, key: '3', title: 'Music', type: 'artist' },
      { id: 104, key: '4', title: 'Photos', type: 'photo' },
    ],
    createdAt: BASE_TIME - 400 * DAY,
    lastSeenAt: BASE_TIME - 60,
  };
  const cabin: FakeServer = {
    machineIdentifier: SMALL_IDS.cabin,
    name: "Cabin & Co's",
    sections: [
      { id: 201, key: '1', title: 'Films', type: 'movie' },
      { id: 202, key: '2', title: 'Séries <HD>', type: 'show' },
      { id: 203, key: '5', title: 'Kids & Family', type: 'movie' },
    ],
    createdAt: BASE_TIME - 200 * DAY,
    lastSeenAt: BASE_TIME - 3600,
  };
  const grandma: FakeServer = {
    machineIdentifier: SMALL_IDS.grandma,
    name: "Grandma's Plex",
    owned: false,
    ownerUserId: SMALL_USERS.grandma,
    sections: [{ id: 301, key: '1', title: 'Old Movies', type: 'movie' }],
    createdAt: BASE_TIME - 900 * DAY,
    lastSeenAt: BASE_TIME - 7200,
  };

  const users: FakeUser[] = [
    {
      id: SMALL_USERS.obrien,
      title: "O'Brien & Søn",
      username: 'obrien_son',
      email: 'obrien@example.com',
      shares: [
        {
          machineIdentifier: SMALL_IDS.livingRoom,
          shareId: 5001,
          invitedAt: BASE_TIME - 100 * DAY,
          acceptedAt: BASE_TIME - 99 * DAY,
          allLibraries: false,
          sectionIds: [101, 102],
        },
        {
          machineIdentifier: SMALL_IDS.cabin,
          shareId: 5002,
          invitedAt: BASE_TIME - 50 * DAY,
          acceptedAt: BASE_TIME - 49 * DAY,
          allLibraries: true,
          sectionIds: [201, 202, 203],
        },
      ],
    },
    {
      id: SMALL_USERS.zoe,
      title: 'Zoë',
      username: 'zoe',
      email: 'zoe@example.com',
      shares: [
        {
          machineIdentifier: SMALL_IDS.cabin,
          shareId: 5003,
          invitedAt: BASE_TIME - 2 * DAY,
          acceptedAt: 0,
          allLibraries: false,
          sectionIds: [201],
        },
      ],
    },
    {
      id: SMALL_USERS.kids,
      title: 'Kids',
      username: null,
      email: null,
      home: true,
      restricted: true,
      shares: [
        {
          machineIdentifier: SMALL_IDS.livingRoom,
          shareId: 5004,
          invitedAt: BASE_TIME - 300 * DAY,
          acceptedAt: BASE_TIME - 300 * DAY,
          allLibraries: false,
          sectionIds: [101],
        },
      ],
    },
    {
      id: SMALL_USERS.noShares,
      title: 'Lonely Friend',
      username: 'lonely',
      email: 'lonely@example.com',
      shares: [],
    },
    {
      id: SMALL_USERS.unal,
      title: 'Ünal Çelik',
      username: 'unal.celik',
      email: 'unal@example.com',
      shares: [
        {
          machineIdentifier: SMALL_IDS.livingRoom,
          shareId: 5005,
          invitedAt: BASE_TIME - 30 * DAY,
          acceptedAt: BASE_TIME - 29 * DAY,
          allLibraries: true,
          sectionIds: [101, 102, 103, 104],
        },
      ],
    },
    {
      id: SMALL_USERS.grandma,
      title: 'Grandma Jo',
      username: 'grandma_jo',
      email: 'jo@example.com',
      shares: [],
      friendServers: [SMALL_IDS.grandma],
    },
  ];

  return { token: DEFAULT_TOKEN, servers: [livingRoom, cabin, grandma], users };
}

// ---------------------------------------------------------------------------------------------
// Generated account
// ---------------------------------------------------------------------------------------------

/** mulberry32: tiny, fast, deterministic 32-bit PRNG. Returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hex(rand: () => number, length: number): string {
  let s = '';
  while (s.length < length) s += ((rand() * 0x100000000) >>> 0).toString(16).padStart(8, '0');
  return s.slice(0, length);
}

export interface GeneratedAccountOptions {
  users: number;
  servers: number;
  sectionsPerServer?: number;
  /**
   * How many of the servers each user shares: 'all' (default), or a range: user i then shares
   * between min and max consecutive servers starting at server i mod servers.
   */
  serversPerUser?: 'all' | { min: number; max: number };
  seed?: number;
  token?: string;
}

/** First generated user id; user i (0-based) has id GENERATED_USER_ID_BASE + i. */
export const GENERATED_USER_ID_BASE = 2_000_000;
/** First generated share id. */
export const GENERATED_SHARE_ID_BASE = 10_000_000;

const SECTION_TYPES: FakeSectionType[] = ['movie', 'show', 'artist', 'photo'];
const SECTION_TITLES: Record<FakeSectionType, string> = {
  movie: 'Movies',
  show: 'TV Shows',
  artist: 'Music',
  photo: 'Photos',
};
/** A few names that stress escaping and non-ASCII handling; used for every 97th user. */
const TRICKY_TITLES = ["O'Brien & Søn", 'Zoë "Z" <Admin>', 'Łukasz Żółć', 'Ærøskøbing & Co', '山田 太郎'];

/**
 * Deterministic big account: every user shares every server (or `serversPerUser` of them); ~1 in 50 shares pending
 * (acceptedAt 0); ~1 in 100 users managed (username/email null, home). Same options → same account.
 */
export function generatedAccount(opts: GeneratedAccountOptions): FakePlexAccount {
  const { users: userCount, servers: serverCount } = opts;
  const sectionsPerServer = opts.sectionsPerServer ?? 3;
  const rand = seededRandom(opts.seed ?? 1);

  const servers: FakeServer[] = [];
  let sectionId = 1_000_000;
  for (let s = 0; s < serverCount; s++) {
    const sections: FakeSection[] = [];
    for (let k = 0; k < sectionsPerServer; k++) {
      const type = SECTION_TYPES[k % SECTION_TYPES.length] as FakeSectionType;
      const round = Math.floor(k / SECTION_TYPES.length);
      sections.push({
        id: ++sectionId,
        key: String(k + 1),
        title: SECTION_TITLES[type] + (round > 0 ? ` ${round + 1}` : ''),
        type,
      });
    }
    servers.push({
      machineIdentifier: hex(rand, 40),
      name: `Server ${String(s + 1).padStart(2, '0')}`,
      sections,
      createdAt: BASE_TIME - Math.floor(rand() * 1000) * DAY,
      lastSeenAt: BASE_TIME - Math.floor(rand() * 3600),
    });
  }

  const users: FakeUser[] = [];
  let shareId = GENERATED_SHARE_ID_BASE;
  for (let i = 0; i < userCount; i++) {
    const id = GENERATED_USER_ID_BASE + i;
    const managed = rand() < 0.01;
    const title =
      i % 97 === 96 ? `${TRICKY_TITLES[Math.floor(i / 97) % TRICKY_TITLES.length]} ${i}` : `User ${i}`;
    const shares: FakeShare[] = [];
    const spread = opts.serversPerUser ?? 'all';
    const count =
      spread === 'all' ? servers.length : Math.min(servers.length, spread.min + Math.floor(rand() * (spread.max - spread.min + 1)));
    const userServers = spread === 'all' ? servers : Array.from({ length: count }, (_, k) => servers[(i + k) % servers.length]!);
    for (const server of userServers) {
      const invitedAt = BASE_TIME - Math.floor(rand() * 700 * DAY);
      const pending = rand() < 0.02;
      const allLibraries = rand() < 0.5;
      let sectionIds: number[];
      if (allLibraries) {
        sectionIds = server.sections.map((x) => x.id);
      } else {
        sectionIds = server.sections.filter(() => rand() < 0.6).map((x) => x.id);
        if (sectionIds.length === 0 && server.sections.length > 0) {
          const first = server.sections[Math.floor(rand() * server.sections.length)] as FakeSection;
          sectionIds = [first.id];
        }
      }
      shares.push({
        machineIdentifier: server.machineIdentifier,
        shareId: ++shareId,
        invitedAt,
        acceptedAt: pending ? 0 : invitedAt + 1 + Math.floor(rand() * 3 * DAY),
        allLibraries,
        sectionIds,
      });
    }
    users.push({
      id,
      title,
      username: managed ? null : `user${i}`,
      email: managed ? null : `user${i}@example.com`,
      thumb: `https://plex.tv/users/${id.toString(16).padStart(16, '0')}/avatar?c=${BASE_TIME}`,
      home: managed,
      restricted: managed,
      shares,
    });
  }

  return { token: opts.token ?? DEFAULT_TOKEN, servers, users };
}
