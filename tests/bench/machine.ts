/*
 * What the machine itself costs, printed before the sync benchmark's figures. The bars of issue 12
 * are absolute seconds, and the shared 2-core machine they are measured on has run the same build
 * nearly 2x slower in one session than in another. Three references, each the fastest of five:
 *   - an empty Node process, spawn to exit (the CLI pays it twice per sync);
 *   - touching 100 MB of fresh memory inside one: page faults, which some virtual machines make ten
 *     times dearer than others (a sync process touches 100 to 250 MB);
 *   - htmlparser2's Parser in XML mode over the benchmark's own plex.tv answers, issue 12's own
 *     reference: "about 0.6 s" for its 23 MB on the machine the bars were set on.
 */
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { childEnv } from '../support/cli';

const fastest = (runs: number, measure: () => number): number => Math.min(...Array.from({ length: runs }, measure));

function nodeStartMs(): number {
  return fastest(5, () => {
    const started = performance.now();
    const result = spawnSync(process.execPath, ['-e', '0'], { env: childEnv({}) });
    if (result.status !== 0) throw new Error(`node -e 0 exited ${result.status}`);
    return performance.now() - started;
  });
}

function touch100MbMs(): number {
  const script = 'const t = performance.now(); new Uint8Array(100 * 2 ** 20).fill(1); process.stdout.write(String(performance.now() - t));';
  return fastest(5, () => {
    const result = spawnSync(process.execPath, ['-e', script], { env: childEnv({}), encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`the memory probe exited ${result.status}`);
    return Number(result.stdout);
  });
}

function get(url: string, token: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { 'X-Plex-Token': token } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${url}: ${res.statusCode}`))));
      })
      .on('error', reject);
  });
}

/** The answers one users sync and one shares sync read, from the benchmark's fake plex.tv. */
async function plexAnswers(url: string, token: string): Promise<string[]> {
  const resources = await get(`${url}/api/resources?includeHttps=1`, token);
  // The owned servers, as the sync picks them (the account also lists players and phones).
  const machines = [...resources.matchAll(/<Device\b[^>]*>/g)]
    .map((m) => m[0])
    .filter((tag) => /\bprovides="[^"]*\bserver\b/.test(tag) && /\bowned="1"/.test(tag))
    .map((tag) => /\bclientIdentifier="([^"]+)"/.exec(tag)![1]!);
  const answers = [resources, await get(`${url}/api/users`, token)];
  for (const machine of machines) answers.push(await get(`${url}/api/servers/${machine}/shared_servers`, token));
  return answers;
}

function parseMs(answers: string[]): { first: number; best: number } {
  // Loaded here, not at the top: only this reference uses it, after the bench's own start.
  const { Parser } = require('htmlparser2') as typeof import('htmlparser2');
  const once = (): number => {
    const started = performance.now();
    for (const text of answers) {
      const parser = new Parser({ onopentag() {} }, { xmlMode: true, decodeEntities: true });
      for (let i = 0; i < text.length; i += 65_536) parser.write(text.slice(i, i + 65_536));
      parser.end();
    }
    return performance.now() - started;
  };
  const first = once();
  return { first, best: Math.min(first, fastest(4, once)) };
}

export async function machineReference(plexUrl: string, token: string): Promise<string> {
  const answers = await plexAnswers(plexUrl, token);
  const mb = answers.reduce((n, a) => n + Buffer.byteLength(a), 0) / 1e6;
  const parse = parseMs(answers);
  const ms = (v: number) => `${v.toFixed(0)} ms`;
  return (
    `Machine: an empty Node process ${ms(nodeStartMs())}; touching 100 MB of fresh memory ${ms(touch100MbMs())}; ` +
    `htmlparser2 over these ${mb.toFixed(0)} MB of plex.tv XML ${(parse.first / 1000).toFixed(2)} s (warm ${(parse.best / 1000).toFixed(2)} s; issue 12: about 0.6 s for 23 MB where its bars were set)`
  );
}
