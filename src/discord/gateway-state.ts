import { Status, type Client } from 'discord.js';
import type { CheckResult } from '../services/system-status.service';

/**
 * Whether the client's gateway connection is up: every shard READY (or resumed). discord.js keeps
 * the manager's own status at Ready after the first connection, so the shards are what tell.
 */
export function gatewayState(client: Client): { ready: boolean; detail: string } {
  const shards = [...client.ws.shards.values()];
  if (shards.length === 0) return { ready: false, detail: 'not connected' };
  const down = shards.filter((s) => s.status !== Status.Ready);
  if (down.length === 0) return { ready: true, detail: `connected (heartbeat ${client.ws.ping < 0 ? '?' : `${Math.round(client.ws.ping)} ms`})` };
  return { ready: false, detail: `not connected (${down.map((s) => Status[s.status]?.toLowerCase() ?? String(s.status)).join(', ')})` };
}

/** The bot's Discord check: its connected client already proved the token; the gateway says if it still listens. */
export function connectedClientCheck(client: Client): () => Promise<CheckResult> {
  return async () => {
    const gateway = gatewayState(client);
    const who = client.user ? `bot ${client.user.username} (${client.user.id})` : 'bot';
    return gateway.ready ? { state: 'ok', detail: `${who}, gateway ${gateway.detail}` } : { state: 'unreachable', detail: `${who}, gateway ${gateway.detail}` };
  };
}
