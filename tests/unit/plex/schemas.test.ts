import { Readable } from 'node:stream';
import {
  isSharedSection,
  plainlyValid,
  sectionSchema,
  sharedServerSchema,
  toPlexShare,
  toPlexUser,
  toUserServer,
  userSchema,
  userServerSchema,
} from '../../../src/plex/schemas';

const user = (attrs: Record<string, unknown>) => toPlexUser(userSchema.parse(attrs));
const share = (attrs: Record<string, unknown>) => toPlexShare(sharedServerSchema.parse(attrs));
import { parseXmlStream, XmlSyntaxError } from '../../../src/plex/xml-stream';

describe('plex.tv attribute schemas', () => {
  it('treats absent, empty and null username/email alike (managed users) and names them by title', () => {
    for (const blank of [undefined, '', null]) {
      expect(user({ id: '42', title: 'Kid', username: blank, email: blank, home: '1' })).toEqual({
        plexId: 42,
        title: 'Kid',
        username: null,
        email: null,
        thumb: null,
        home: true,
        servers: [],
      });
    }
  });

  it('falls back to username when a title is missing', () => {
    expect(user({ id: '7', username: 'bob' }).title).toBe('bob');
    expect(user({ id: '8', title: '' }).title).toBe('Plex user 8');
  });

  it('refuses a user without a numeric id, naming the attribute', () => {
    const result = userSchema.safeParse({ id: 'abc', title: 'x' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['id']);
  });

  it('reads "0"/"1" booleans and refuses other values', () => {
    expect(toUserServer(userServerSchema.parse({ id: '1', machineIdentifier: 'm', owned: '1', pending: '1', allLibraries: '0' }))).toEqual({
      machineIdentifier: 'm',
      shareId: 1,
      pending: true,
    });
    // owned="0": a server the friend shares with the owner, not ours.
    expect(toUserServer(userServerSchema.parse({ id: '1', machineIdentifier: 'm', owned: '0' }))).toBeNull();
    expect(userServerSchema.safeParse({ id: '1', machineIdentifier: 'm', owned: 'yes' }).success).toBe(false);
  });

  it('reads unix seconds, and acceptedAt="0", empty or absent as pending', () => {
    const accepted = share({ id: '9', userID: '42', invitedAt: '1700000000', acceptedAt: '1700000100' });
    expect(accepted.invitedAt?.toISOString()).toBe('2023-11-14T22:13:20.000Z');
    expect(accepted.acceptedAt?.toISOString()).toBe('2023-11-14T22:15:00.000Z');
    expect(accepted.pending).toBe(false);
    for (const acceptedAt of ['0', '', undefined]) {
      const pending = share({ id: '9', userID: '42', invitedAt: '1700000000', acceptedAt });
      expect(pending).toMatchObject({ acceptedAt: null, pending: true });
    }
  });

  it('counts a section without a shared attribute as shared (older answers list only shared ones)', () => {
    expect(isSharedSection(sectionSchema.parse({ title: 'Movies' }))).toBe(true);
    expect(isSharedSection(sectionSchema.parse({ title: 'Movies', shared: '0' }))).toBe(false);
    expect(sharedServerSchema.safeParse({ id: '9', userID: '42', acceptedAt: 'yesterday' }).success).toBe(false);
  });
});

describe('parseXmlStream', () => {
  const collect = async (xml: string, chunkSize = 7) => {
    const chunks: string[] = [];
    for (let i = 0; i < xml.length; i += chunkSize) chunks.push(xml.slice(i, i + chunkSize));
    const seen: string[] = [];
    await parseXmlStream(Readable.from(chunks.map((c) => Buffer.from(c))), {
      open: (name, attributes, path) => seen.push(`${path.join('>')}:${attributes.title ?? ''}`),
    });
    return seen;
  };

  it('decodes entities and non-ASCII text split across chunks', async () => {
    const seen = await collect('<?xml version="1.0"?><MediaContainer><User title="O&apos;Brien &amp; Søn"/><User title="Zoë"/></MediaContainer>', 3);
    expect(seen).toEqual(['MediaContainer:', "MediaContainer>User:O'Brien & Søn", 'MediaContainer>User:Zoë']);
  });

  it('refuses truncated XML', async () => {
    await expect(collect('<MediaContainer><User title="a"/><User tit')).rejects.toThrow(XmlSyntaxError);
    await expect(collect('<MediaContainer><User title="a"/>')).rejects.toThrow(XmlSyntaxError);
  });

  it('refuses malformed XML and an empty answer', async () => {
    await expect(collect('<MediaContainer><User title="a></MediaContainer>')).rejects.toThrow(XmlSyntaxError);
    await expect(collect('')).rejects.toThrow(/root element/);
  });

  // The parser is a forgiving one made strict: each of these would otherwise pass for a valid, shorter answer.
  it.each([
    ['a document cut off inside a tag', '<MediaContainer><User title="a"/><Us', /the document ended before <\/MediaContainer>/],
    ['a document cut off between elements', '<MediaContainer><User title="a"></User>', /ended before <\/MediaContainer>/],
    ['a document cut off inside an end tag', '<MediaContainer><User title="a"/></MediaConta', /ended before <\/MediaContainer>/],
    ['an end tag that closes the wrong element', '<MediaContainer><User title="a"></MediaContainer>', /<User> is not closed/],
    ['an end tag that closes nothing', '<MediaContainer></User></MediaContainer>', /an end tag that matches no open element, inside <MediaContainer>/],
    ['an unquoted attribute', '<MediaContainer><User title=a/></MediaContainer>', /attribute title has no quoted value/],
    ['an attribute without a value', '<MediaContainer><User home/></MediaContainer>', /attribute home has no quoted value/],
    ['an attribute given twice', '<MediaContainer><User id="1" id="2"/></MediaContainer>', /<User> repeats an attribute/],
    ['a second root element', '<MediaContainer/><MediaContainer/>', /after the root element closed/],
    ['text after the root element', '<MediaContainer/>junk', /text outside the root element/],
  ])('refuses %s', async (_what, xml, message) => {
    for (const chunkSize of [1, 7, 4096]) await expect(collect(xml, chunkSize)).rejects.toThrow(message);
  });

  describe('reading only the attributes asked for', () => {
    const read = async (xml: string, attributes: Record<string, readonly string[]>, chunkSize: number) => {
      const chunks: string[] = [];
      for (let i = 0; i < xml.length; i += chunkSize) chunks.push(xml.slice(i, i + chunkSize));
      const seen: string[] = [];
      await parseXmlStream(Readable.from(chunks.map((c) => Buffer.from(c))), {
        attributes,
        open: (name, values) => seen.push(`${name} ${JSON.stringify(values)}`),
      });
      return seen;
    };
    const WANTED = { MediaContainer: [], User: ['id', 'title'] };

    it('gives a listed element only its listed attributes, decoded, and an unlisted one all of them', async () => {
      const xml =
        '<MediaContainer size="3"><User email="a&amp;b@x.io" id="1" title="O&apos;Brien &amp; S&#248;n"/>' +
        '<User id="2" email="c@x.io" title="Zoë"/><constructor a="1" b="&lt;"/></MediaContainer>';
      for (const chunkSize of [1, 3, 7, 4096]) {
        expect(await read(xml, WANTED, chunkSize)).toEqual([
          'MediaContainer {}',
          `User ${JSON.stringify({ id: '1', title: "O'Brien & Søn" })}`,
          `User ${JSON.stringify({ id: '2', title: 'Zoë' })}`,
          `constructor ${JSON.stringify({ a: '1', b: '<' })}`,
        ]);
      }
    });

    // Names are matched against the last tag's order without being copied: a repeat must still show.
    it.each([
      ['a repeated attribute that is not read', '<MediaContainer><User id="1" email="a" email="b"/></MediaContainer>', /<User> repeats an attribute/],
      ['a repeat in a tag after one in the usual order', '<MediaContainer><User id="1" title="a" home="0"/><User id="2" id="3"/></MediaContainer>', /<User> repeats an attribute/],
      ['a repeat after the order changed', '<MediaContainer><User id="1" title="a"/><User title="b" id="2" title="c"/></MediaContainer>', /<User> repeats an attribute/],
      ['an unquoted attribute that is not read', '<MediaContainer><User id="1" email=a/></MediaContainer>', /attribute email has no quoted value/],
      ['a document that ends inside a comment', '<MediaContainer><User id="1"/></MediaContainer><!-- cut', /ended inside a comment/],
      ['a document that ends inside a processing instruction holding a <', '<MediaContainer/><?pi a="<" b="cut', /text outside the root element/],
    ])('refuses %s', async (_what, xml, message) => {
      for (const chunkSize of [1, 7, 4096]) await expect(read(xml, WANTED, chunkSize)).rejects.toThrow(message);
    });

    // Not XML, but what htmlparser2 (and so this parser before) reads as names: cut by chunk ends, they must still be read whole.
    it("reads a name that holds a '<' or a quote and is cut by the end of a chunk", async () => {
      const xml = '<MediaContainer u<sername="x"><User ti"tle="a" id="1"/><Us<er id="2"/></MediaContainer>';
      for (const chunkSize of [1, 2, 3, 5, 4096]) {
        expect(await read(xml, { MediaContainer: [] }, chunkSize)).toEqual([
          'MediaContainer {}',
          `User ${JSON.stringify({ 'ti"tle': 'a', id: '1' })}`,
          `Us<er ${JSON.stringify({ id: '2' })}`,
        ]);
      }
    });

    it('reads tags whose attributes change order, count or names from one tag to the next', async () => {
      const xml =
        '<MediaContainer><User id="1" title="a" home="0"/><User id="2" title="b"/><User title="c" id="3"/>' +
        '<User id="4" thumb="t" title="d" home="1"/><User id="5" title="e" home="0"/></MediaContainer>';
      const users = [['1', 'a'], ['2', 'b'], ['3', 'c'], ['4', 'd'], ['5', 'e']].map(([id, title]) => ({ id, title }));
      for (const chunkSize of [1, 5, 4096]) {
        const seen = (await read(xml, WANTED, chunkSize)).slice(1).map((line) => JSON.parse(line.slice('User '.length)) as object);
        expect(seen).toEqual(users);
      }
    });
  });

  it('accepts self-closing and explicitly closed elements, a prolog and trailing whitespace', async () => {
    const xml = '<?xml version="1.0" encoding="UTF-8"?>\n<MediaContainer size="2">\n  <User title="a"/>\n  <User title=\'b\'><Server id="1"/></User>\n</MediaContainer>\n';
    for (const chunkSize of [1, 5, 4096]) {
      expect(await collect(xml, chunkSize)).toEqual(['MediaContainer:', 'MediaContainer>User:a', 'MediaContainer>User:b', 'MediaContainer>User>Server:']);
    }
  });
});

describe('the hand checks in front of the schemas', () => {
  // Attribute values as the XML parser hands them out: always strings, or absent.
  const VALUES = [undefined, '', '0', '1', '2', '9', '10', '007', ':', '1/', 'x', ' 1', '1 ', '-1', '1.5', '1e3', '\uff11', '\u0663', 'true', 'null'];
  type Case = { name: string; check: (a: Record<string, string>) => boolean; schema: import('zod').ZodTypeAny; map: (a: object) => unknown; base: Record<string, string> };
  const cases: Case[] = [
    { name: 'User', check: plainlyValid.user, schema: userSchema, map: (a: object) => toPlexUser(a as never), base: { id: '5', title: 'Ann', username: 'ann', email: 'a@x.io', thumb: 't', home: '0' } },
    { name: 'Server', check: plainlyValid.userServer, schema: userServerSchema, map: (a: object) => toUserServer(a as never), base: { id: '9', machineIdentifier: 'm1', owned: '1', pending: '0', allLibraries: '1' } },
    {
      name: 'SharedServer',
      check: plainlyValid.sharedServer,
      schema: sharedServerSchema,
      map: (a: object) => toPlexShare(a as never),
      base: { id: '3', userID: '5', username: 'ann', email: 'a@x.io', invitedAt: '1700000000', acceptedAt: '0', allLibraries: '0' },
    },
    { name: 'Section', check: plainlyValid.section, schema: sectionSchema, map: (a: object) => isSharedSection(a as never), base: { title: 'Movies', shared: '1' } },
  ];
  // A small deterministic generator, so a failure names the same attributes on every run.
  let seed = 12345;
  const pick = <T>(items: readonly T[]): T => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return items[seed % items.length]!;
  };
  const withValue = (base: Record<string, string>, key: string, value: string | undefined): Record<string, string> => {
    const attributes: Record<string, string> = { ...base, extra: 'kept out by zod' };
    if (value === undefined) delete attributes[key];
    else attributes[key] = value;
    return attributes;
  };

  it.each(cases)('<$name>: passes exactly what its schema accepts, and maps to what the schema\'s output maps to', ({ check, schema, map, base }) => {
    const keys = Object.keys(base);
    const samples: Array<Record<string, string>> = [withValue(base, 'extra', 'x')];
    for (const key of keys) for (const value of VALUES) samples.push(withValue(base, key, value));
    for (let i = 0; i < 3000; i++) {
      let attributes: Record<string, string> = { ...base };
      for (const key of keys) attributes = withValue(attributes, key, pick(VALUES));
      samples.push(attributes);
    }
    let passed = 0;
    for (const attributes of samples) {
      const parsed = schema.safeParse(attributes);
      expect({ attributes, plain: check(attributes) }).toEqual({ attributes, plain: parsed.success });
      if (parsed.success) {
        passed++;
        expect(map(attributes)).toEqual(map(parsed.data as object));
      }
    }
    // Both kinds were tried: the check is not one that always says the same.
    expect(passed).toBeGreaterThan(0);
    expect(passed).toBeLessThan(samples.length);
  });
});
