/*
 * One measured run, in a fresh process so its peak RSS is its own:
 *   first   — users sync then shared-servers sync on an empty database
 *   resync  — the same again on a database that already holds everything
 *   naive   — one repository save() per user and per share over the same data
 * Prints one JSON line of figures.
 */
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/config/logger';
import { StatementCounter } from '../../src/database/data-source';
import { PlexTvClient } from '../../src/plex/plex-tv.client';
import { MediaServer, SharedServer, User } from '../../entities';

async function main(): Promise<void> {
  const [mode, databaseUrl, plexUrl, token, budgetSeconds] = process.argv.slice(2) as [string, string, string, string, string?];
  const counter = new StatementCounter();
  const plex = new PlexTvClient({ baseUrl: plexUrl, token, clientIdentifier: 'bench' });
  const config = loadConfig({ DATABASE_URL: databaseUrl, PLEX_TV_URL: plexUrl, PLEX_TOKEN: token, LOG_LEVEL: 'silent' });
  const app = await createApp(config, { plex, queryLogger: counter, logger: createLogger('silent') });
  if (mode === 'first') await app.catalog.createPlan({ name: 'Monthly', duration: '1m', price: '10.00', makeDefault: true });
  counter.reset();
  const started = performance.now();
  let rows = 0;
  let complete = true;
  if (mode === 'first' || mode === 'resync') {
    const users = await app.usersSync().run();
    const shares = await app.sharedServersSync().run();
    rows = users.created + users.updated + users.unchanged + shares.created + shares.updated + shares.unchanged;
  } else {
    // The naive loop: what an ORM-first sync does, row by row.
    const ds = app.store.dataSource;
    const servers = await plex.getOwnedServers();
    const plexUsers = await plex.getUsers();
    const budgetMs = Number(budgetSeconds ?? 120) * 1000;
    const serverRepo = ds.getRepository(MediaServer);
    const userRepo = ds.getRepository(User);
    const shareRepo = ds.getRepository(SharedServer);
    const now = new Date();
    const serverIds = new Map<string, number>();
    for (const s of servers) {
      const saved = await serverRepo.save(new MediaServer({ machineIdentifier: s.machineIdentifier, name: s.name, importAs: 'standard', enabled: true, createdAt: now, updatedAt: now }));
      serverIds.set(s.machineIdentifier, saved.id);
    }
    const userIds = new Map<number, number>();
    const totalRows = plexUsers.length + plexUsers.reduce((n, u) => n + u.servers.length, 0);
    for (const u of plexUsers) {
      const saved = await userRepo.save(
        new User({ plexId: u.plexId, username: u.username, email: u.email, title: u.title, thumb: u.thumb, home: u.home, userClass: 'standard', createdAt: now, updatedAt: now }),
      );
      userIds.set(u.plexId, saved.id);
      rows++;
      if (performance.now() - started > budgetMs) break;
    }
    outer: for (const s of servers) {
      for (const share of await plex.getShares(s.machineIdentifier)) {
        if (performance.now() - started > budgetMs) break outer;
        const userId = userIds.get(share.plexUserId);
        if (userId === undefined) continue;
        await shareRepo.save(
          new SharedServer({ userId, serverId: serverIds.get(s.machineIdentifier)!, plexShareId: share.shareId, invitedAt: share.invitedAt, acceptedAt: share.acceptedAt, pending: share.pending, allLibraries: share.allLibraries, libraries: share.libraries, createdAt: now, updatedAt: now }),
        );
        rows++;
      }
    }
    complete = rows >= totalRows;
    if (!complete) {
      // Time-boxed: report the measured rate and the time the whole data would take at that rate.
      const elapsed = performance.now() - started;
      process.stdout.write(
        `${JSON.stringify({ mode, wallMs: (elapsed / rows) * totalRows, measuredMs: elapsed, rows, totalRows, complete, statements: Math.round((counter.statements / rows) * totalRows), writes: counter.writes, plexRequests: plex.requestsSent, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
      );
      await app.close();
      return;
    }
  }
  const wallMs = performance.now() - started;
  process.stdout.write(
    `${JSON.stringify({ mode, wallMs, rows, complete, statements: counter.statements, writes: counter.writes, plexRequests: plex.requestsSent, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
  );
  await app.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
