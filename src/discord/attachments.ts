import type { Attachment } from 'discord.js';
import { decodeCsvBytes } from '../payments/paypal-csv';
import { DomainError } from '../services/errors';

/** PayPal exports of several years stay well below this. */
export const MAX_CSV_BYTES = 25 * 1024 * 1024;

/** Downloads a file an admin attached to a command, refusing what cannot be a CSV export. */
export async function downloadCsv(attachment: Attachment, timeoutMs = 30_000): Promise<string> {
  if (!/\.csv$/i.test(attachment.name) && !/csv|text\/plain/i.test(attachment.contentType ?? '')) {
    throw new DomainError(`"${attachment.name}" is not a CSV file: download the activity report from PayPal as CSV`);
  }
  if (attachment.size > MAX_CSV_BYTES) throw new DomainError(`"${attachment.name}" is ${(attachment.size / 1048576).toFixed(1)} MB: the limit is 25 MB`);
  let response: Response;
  try {
    response = await fetch(attachment.url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new DomainError(`Could not download "${attachment.name}" from Discord: ${(error as Error).message}`);
  }
  if (!response.ok) throw new DomainError(`Could not download "${attachment.name}" from Discord (HTTP ${response.status}): attach it again`);
  // Like the CLI: a spreadsheet's UTF-16 file reads as text, not as mojibake.
  return decodeCsvBytes(new Uint8Array(await response.arrayBuffer()));
}
