/**
 * The reference a Checkout Session carries to name the user it was created for
 * (`client_reference_id` and metadata): the import reads it back to match the payment.
 */
const PREFIX = 'smb-user-';

export function checkoutReference(plexId: number): string {
  return `${PREFIX}${plexId}`;
}

/** The plex.tv id a reference names, or null when it is not one of ours. */
export function plexIdOfReference(reference: string | null | undefined): number | null {
  const m = reference ? /^smb-user-(\d{1,15})$/.exec(reference.trim()) : null;
  return m ? Number(m[1]) : null;
}
