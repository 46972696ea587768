import { ConfigError, loadConfig, requirePlexToken } from '../../../src/config/config';
import { createLogger } from '../../../src/config/logger';
import { Writable } from 'node:stream';

describe('loadConfig', () => {
  it('has working defaults: SQLite under ./data and plex.tv', () => {
    const config = loadConfig({});
    expect(config.DATABASE_URL).toBe('sqlite:./data/streams-manager.sqlite');
    expect(config.PLEX_TV_URL).toBe('https://plex.tv');
    expect(config.PLEX_TIMEOUT_MS).toBe(30_000);
    expect(config.DEFAULT_IMPORT_AS).toBe('standard');
  });

  it('treats blank values as unset', () => {
    expect(loadConfig({ PLEX_TOKEN: '  ', DATABASE_URL: '' }).PLEX_TOKEN).toBeUndefined();
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://x' })).toThrow(/DATABASE_URL: must be sqlite:PATH or mysql:/);
    expect(() => loadConfig({ PLEX_TIMEOUT_MS: 'soon' })).toThrow(/PLEX_TIMEOUT_MS/);
    expect(() => loadConfig({ DEFAULT_IMPORT_AS: 'forever' })).toThrow(/DEFAULT_IMPORT_AS/);
    expect(() => loadConfig({ PLEX_TV_URL: 'not a url' })).toThrow(ConfigError);
  });

  it('takes HEALTH_PORT as a port from 1 to 65535, off when unset', () => {
    expect(loadConfig({}).HEALTH_PORT).toBeUndefined();
    expect(loadConfig({ HEALTH_PORT: ' 8787 ' }).HEALTH_PORT).toBe(8787);
    expect(() => loadConfig({ HEALTH_PORT: '0' })).toThrow(/HEALTH_PORT: must be a port from 1 to 65535/);
    expect(() => loadConfig({ HEALTH_PORT: '70000' })).toThrow(/HEALTH_PORT: must be a port from 1 to 65535/);
    expect(() => loadConfig({ HEALTH_PORT: '80.5' })).toThrow(/HEALTH_PORT: must be a whole number/);
    expect(() => loadConfig({ HEALTH_PORT: 'http' })).toThrow(/HEALTH_PORT/);
  });

  it('asks for PLEX_TOKEN only where plex.tv is needed', () => {
    expect(() => requirePlexToken(loadConfig({}))).toThrow(/PLEX_TOKEN is not set/);
    expect(requirePlexToken(loadConfig({ PLEX_TOKEN: 'abc' }))).toBe('abc');
  });
});

describe('logging', () => {
  it('never writes a token', () => {
    let out = '';
    const sink = new Writable({
      write(chunk, _enc, done) {
        out += String(chunk);
        done();
      },
    });
    const logger = createLogger('info', sink);
    logger.info({ token: 'secret-1', headers: { 'X-Plex-Token': 'secret-2', authorization: 'Bot secret-3' }, config: { DISCORD_TOKEN: 'secret-4' } }, 'hello');
    expect(out).toContain('hello');
    expect(out).not.toMatch(/secret-/);
  });
});
