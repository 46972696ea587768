import { Readable } from 'node:stream';
import { sectionSchema, sharedServerSchema, userSchema, userServerSchema } from '../../../src/plex/schemas';
import { parseXmlStream, XmlSyntaxError } from '../../../src/plex/xml-stream';

describe('plex.tv attribute schemas', () => {
  it('treats absent, empty and null username/email alike (managed users) and names them by title', () => {
    for (const blank of [undefined, '', null]) {
      const user = userSchema.parse({ id: '42', title: 'Kid', username: blank, email: blank, home: '1' });
      expect(user).toEqual({ plexId: 42, title: 'Kid', username: null, email: null, thumb: null, home: true });
    }
  });

  it('falls back to username when a title is missing', () => {
    expect(userSchema.parse({ id: '7', username: 'bob' }).title).toBe('bob');
  });

  it('refuses a user without a numeric id, naming the attribute', () => {
    const result = userSchema.safeParse({ id: 'abc', title: 'x' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['id']);
  });

  it('reads "0"/"1" booleans and refuses other values', () => {
    expect(userServerSchema.parse({ id: '1', machineIdentifier: 'm', owned: '1', pending: '1', allLibraries: '0' })).toMatchObject({
      owned: true,
      pending: true,
      allLibraries: false,
    });
    expect(userServerSchema.safeParse({ id: '1', machineIdentifier: 'm', owned: 'yes' }).success).toBe(false);
  });

  it('reads unix seconds, and acceptedAt="0", empty or absent as pending', () => {
    const accepted = sharedServerSchema.parse({ id: '9', userID: '42', invitedAt: '1700000000', acceptedAt: '1700000100' });
    expect(accepted.invitedAt?.toISOString()).toBe('2023-11-14T22:13:20.000Z');
    expect(accepted.acceptedAt?.toISOString()).toBe('2023-11-14T22:15:00.000Z');
    expect(accepted.pending).toBe(false);
    for (const acceptedAt of ['0', '', undefined]) {
      const pending = sharedServerSchema.parse({ id: '9', userID: '42', invitedAt: '1700000000', acceptedAt });
      expect(pending).toMatchObject({ acceptedAt: null, pending: true });
    }
  });

  it('counts a section without a shared attribute as shared (older answers list only shared ones)', () => {
    expect(sectionSchema.parse({ title: 'Movies' }).shared).toBe(true);
    expect(sectionSchema.parse({ title: 'Movies', shared: '0' }).shared).toBe(false);
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
});
