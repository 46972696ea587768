import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import dotenv from 'dotenv';
import { EnvDocument, formatValue, readEnvText, writeEnvFileAtomic } from '../../../src/config/env-file';

const SAMPLE = [
  '# streams-manager-bot configuration',
  '',
  '# The bot token',
  'DISCORD_TOKEN=old-token',
  'export PLEX_TOKEN="plex old"  # owner token',
  'MY_OWN_SETTING=keep me',
  'not a variable line',
  "QUOTED='a # not a comment'",
  'MULTI="line one',
  'line two"',
  'DISCORD_GUILD_ID= # filled by setup',
  '',
].join('\n');

describe('EnvDocument', () => {
  it('reads values as dotenv does, multi-line and quoted ones included', () => {
    const doc = EnvDocument.parse(SAMPLE);
    expect(doc.values()).toEqual(dotenv.parse(SAMPLE));
    expect(doc.get('PLEX_TOKEN')).toBe('plex old');
    expect(doc.get('QUOTED')).toBe('a # not a comment');
  });

  it('changes only the given variables, in place, keeping comments, export, order and unknown lines', () => {
    const doc = EnvDocument.parse(SAMPLE);
    doc.set({ DISCORD_TOKEN: 'new-token', PLEX_TOKEN: 'plex-new', DISCORD_GUILD_ID: '123456789012345678', MULTI: 'one' });
    const text = doc.toString();
    expect(text).toBe(
      [
        '# streams-manager-bot configuration',
        '',
        '# The bot token',
        'DISCORD_TOKEN=new-token',
        'export PLEX_TOKEN=plex-new  # owner token',
        'MY_OWN_SETTING=keep me',
        'not a variable line',
        "QUOTED='a # not a comment'",
        'MULTI=one',
        'DISCORD_GUILD_ID=123456789012345678 # filled by setup',
        '',
      ].join('\n'),
    );
    expect(dotenv.parse(text)).toMatchObject({ DISCORD_TOKEN: 'new-token', PLEX_TOKEN: 'plex-new', MY_OWN_SETTING: 'keep me', DISCORD_GUILD_ID: '123456789012345678', MULTI: 'one' });
  });

  it('appends new variables after a blank line and can clear one', () => {
    const doc = EnvDocument.parse('A=1\n');
    doc.set({ B: '2', A: '' });
    expect(doc.toString()).toBe('A=\n\nB=2\n');
    expect(EnvDocument.parse('').toString()).toBe('');
    const empty = EnvDocument.parse('');
    empty.set({ X: 'y' });
    expect(empty.toString()).toBe('X=y\n');
  });

  it('keeps Windows line ends', () => {
    const doc = EnvDocument.parse('# c\r\nA=1\r\n');
    doc.set({ A: '2' });
    expect(doc.toString()).toBe('# c\r\nA=2\r\n');
  });

  it.each([
    ['plain', 'abc.DEF-123_x:/@'],
    ['spaces', 'two words'],
    ['a hash', 'pass#word'],
    ['a hash after a space', 'pass #word'],
    ['single quotes', "it's"],
    ['both quotes', `it's "quoted"`],
    ['a line break', 'one\ntwo'],
    ['an equals sign', 'a=b'],
    ['dollar signs', 'pa$$word'],
  ])('writes a value with %s so it reads back unchanged', (_what, value) => {
    const doc = EnvDocument.parse('# head\nKEY=old # note\n');
    doc.set({ KEY: value });
    expect(dotenv.parse(doc.toString()).KEY).toBe(value);
    expect(doc.toString().startsWith('# head\n')).toBe(true);
  });

  it('refuses a value it cannot write faithfully, naming the variable', () => {
    expect(() => formatValue('KEY', 'a\'b"c`d')).toThrow(/^KEY:/);
  });
});

describe('writeEnvFileAtomic', () => {
  it('writes the file with mode 0600, replacing the old one, and leaves no temporary file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smb-env-'));
    try {
      const file = path.join(dir, '.env');
      fs.writeFileSync(file, 'A=1\n', { mode: 0o644 });
      writeEnvFileAtomic(file, 'A=2\n');
      expect(readEnvText(file)).toBe('A=2\n');
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(fs.readdirSync(dir)).toEqual(['.env']);
      expect(readEnvText(path.join(dir, 'missing'))).toBeNull();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
