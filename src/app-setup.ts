import fs from 'node:fs';
import path from 'node:path';
import { createApp, type App } from './app';
import { loadConfig } from './config/config';
import { EnvDocument, readEnvText } from './config/env-file';
import { DiscordSetupClient } from './discord/discord-setup.client';
import { PlexPinClient } from './plex/plex-pin.client';
import { PlexTvClient } from './plex/plex-tv.client';
import { SetupService } from './services/setup.service';
import { version } from '../package.json';

/** How often the wizard asks Discord whether the bot joined a server (the owner is clicking through the invite). */
const GUILD_POLL_MS = 2_000;

/**
 * The setup wizard's share of the composition root: the variables as the bot will see them (the
 * .env file under the process environment, as dotenv does), the plex.tv and Discord clients for
 * whatever token the owner gives, and the database opened only when the wizard needs it.
 */
export function createSetup(envPath: string): { setup: SetupService; close(): Promise<void> } {
  const fileText = readEnvText(envPath);
  const env: Record<string, string | undefined> = { ...(fileText === null ? {} : EnvDocument.parse(fileText).values()), ...process.env };
  const config = loadConfig(env);
  const example = path.join(path.dirname(envPath), '.env.example');
  const plex = { baseUrl: config.PLEX_TV_URL, timeoutMs: config.PLEX_TIMEOUT_MS, retries: config.PLEX_RETRIES, retryDelayMs: config.PLEX_RETRY_DELAY_MS, version };
  let app: Promise<App> | undefined;
  const setup = new SetupService({
    env,
    envPath,
    templateText: fs.existsSync(example) ? fs.readFileSync(example, 'utf8') : null,
    plexPins: (clientIdentifier) => new PlexPinClient({ ...plex, clientIdentifier }),
    plexServers: (token, clientIdentifier) => new PlexTvClient({ ...plex, token, clientIdentifier }),
    discord: (token) => new DiscordSetupClient({ token, apiUrl: config.DISCORD_API_URL }),
    catalog: async () => (await (app ??= createApp(config))).catalog,
    pinPollMs: config.PLEX_PIN_POLL_MS,
    guildPollMs: GUILD_POLL_MS,
  });
  return { setup, close: async () => (app ? (await app).close() : undefined) };
}
