/* The fake plex.tv for the benchmark, in a process of its own so its work is not counted as ours. */
import http from 'node:http';
import { FakePlexTv } from '../fakes/plex/fake-plex-tv';
import { generatedAccount } from '../fakes/plex/plex-data';

async function main(): Promise<void> {
  const users = Number(process.argv[2] ?? 10_000);
  const servers = Number(process.argv[3] ?? 20);
  // Default: each user shares 1 to 3 of the servers (2 on average), as friends do.
  const spread = process.argv[4] === 'all' ? 'all' : { min: 1, max: 3 };
  const account = generatedAccount({ users, servers, serversPerUser: spread });
  const fake = new FakePlexTv(account);
  const url = await fake.start();
  // Render and cache every answer before the clock starts.
  const paths = ['/api/resources?includeHttps=1', '/api/users', ...account.servers.map((s) => `/api/servers/${s.machineIdentifier}/shared_servers`)];
  for (const path of paths) {
    await new Promise<void>((resolve, reject) => {
      http
        .get(`${url}${path}`, { headers: { 'X-Plex-Token': account.token } }, (res) => {
          res.resume();
          res.on('end', resolve);
        })
        .on('error', reject);
    });
  }
  fake.resetRequests();
  // The benchmark asks over IPC how many requests reached plex.tv (so it can check the constant count).
  process.on('message', (message) => {
    if (message === 'requests') process.send?.({ requests: fake.requests.length });
  });
  process.stdout.write(`${JSON.stringify({ url, token: account.token })}\n`);
  process.on('SIGTERM', () => void fake.stop().then(() => process.exit(0)));
}

void main();
