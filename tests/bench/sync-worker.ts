/*
 * The naive loop, for comparison only (BENCH_NAIVE_SECONDS): one TypeORM save() per user and per
 * share over the same data, what an ORM-first sync would do, time-boxed. In a fresh process so its
 * peak RSS is its own. Prints one JSON line of figures. (The syncs themselves are measured as CLI
 * processes by run.ts.)
 */
import { openDatabase } from '../../src/database/data-source';
import { StatementCounter } from './statement-counter';
import { PlexTvClient } from '../../src/plex/plex-tv.client';
import { MediaServer, SharedServer, User } from '../../entities';

async function main(): Promise<void> {
  const [mode, databaseUrl, plexUrl, token, budgetSeconds] = process.argv.slice(2) as [string, string, string, string, string?];
  if (mode !== 'naive') throw new Error(`sync-worker: unknown mode ${mode} (only "naive")`);
  const counter = new StatementCounter();
  const plex = new PlexTvClient({ baseUrl: plexUrl, token, clientIdentifier: 'bench' });
  // The entities are registered here only: the app itself never uses TypeORM's repositories.
  const ds = await openDatabase(databaseUrl, { logger: counter, entities: true });
  counter.reset();
  const started = performance.now();
  let rows = 0;
  let complete = true;
  {
    // The naive loop: what an ORM-first sync does, row by row.
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
      await ds.destroy();
      return;
    }
  }
  const wallMs = performance.now() - started;
  process.stdout.write(
    `${JSON.stringify({ mode, wallMs, rows, complete, statements: counter.statements, writes: counter.writes, plexRequests: plex.requestsSent, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
  );
  await ds.destroy();
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
