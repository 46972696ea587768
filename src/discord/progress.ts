import type { RepliableInteraction } from 'discord.js';
import type { ProgressEvent, ProgressListener } from '../services/progress';

/**
 * Progress of a long command as edits of its deferred reply, at most one edit every
 * `intervalMs` (Discord rate-limits edits). `flush` waits for an edit in flight.
 */
export function replyProgress(
  interaction: RepliableInteraction,
  render: (event: ProgressEvent) => string,
  intervalMs = 2000,
): { listener: ProgressListener; flush: () => Promise<void> } {
  let last = Date.now();
  let chain: Promise<unknown> = Promise.resolve();
  const listener: ProgressListener = (event) => {
    const now = Date.now();
    if (now - last < intervalMs) return;
    last = now;
    chain = chain.then(() => interaction.editReply({ content: render(event) })).catch(() => undefined);
  };
  return { listener, flush: () => chain.then(() => undefined) };
}
