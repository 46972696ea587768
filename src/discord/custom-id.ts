import type { UserClass } from '../../entities';

/**
 * Every button, select and modal carries one of these in its custom_id. They are built and parsed
 * here only, and stay within Discord's 100 characters.
 */
export type Action =
  | { kind: 'user-view'; plexId: number }
  | { kind: 'user-edit-profile'; plexId: number }
  | { kind: 'user-edit-payment'; plexId: number }
  | { kind: 'user-set-class'; plexId: number; userClass: UserClass }
  | { kind: 'invite-cancel'; plexId: number }
  | { kind: 'user-unlink-discord'; plexId: number }
  | { kind: 'member-link' }
  | { kind: 'member-link-cancel' }
  | { kind: 'user-profile-modal'; plexId: number }
  | { kind: 'user-payment-modal'; plexId: number }
  | { kind: 'user-retry'; draftId: string }
  | { kind: 'users-page'; viewId: string; page: number }
  | { kind: 'users-open'; viewId: string }
  | { kind: 'shares-page'; viewId: string; page: number }
  | { kind: 'payment-pick' }
  | { kind: 'plan-access-server'; viewId: string }
  | { kind: 'plan-access-libraries'; viewId: string }
  | { kind: 'payment-assign-modal'; unmatchedId: number };

export type ActionKind = Action['kind'];

const MAX = 100;
const ID = /^[A-Za-z0-9_-]{1,40}$/;

export function encodeAction(action: Action): string {
  let id: string;
  switch (action.kind) {
    case 'user-view':
    case 'user-edit-profile':
    case 'user-edit-payment':
    case 'user-profile-modal':
    case 'user-payment-modal':
    case 'invite-cancel':
    case 'user-unlink-discord':
      id = `${action.kind}:${action.plexId}`;
      break;
    case 'user-set-class':
      id = `${action.kind}:${action.plexId}:${action.userClass}`;
      break;
    case 'user-retry':
      id = `${action.kind}:${action.draftId}`;
      break;
    case 'users-page':
    case 'shares-page':
      id = `${action.kind}:${action.viewId}:${action.page}`;
      break;
    case 'users-open':
    case 'plan-access-server':
    case 'plan-access-libraries':
      id = `${action.kind}:${action.viewId}`;
      break;
    case 'payment-pick':
    case 'member-link':
    case 'member-link-cancel':
      id = action.kind;
      break;
    case 'payment-assign-modal':
      id = `${action.kind}:${action.unmatchedId}`;
      break;
  }
  if (id.length > MAX) throw new Error(`custom_id longer than ${MAX} characters: ${id.slice(0, 40)}…`);
  return id;
}

/** Null for anything this bot did not make (or an older version made differently). */
export function decodeAction(customId: string): Action | null {
  const [kind, a, b, ...rest] = customId.split(':');
  if (rest.length > 0) return null;
  const plexId = Number(a);
  const validPlexId = a !== undefined && /^\d{1,15}$/.test(a);
  switch (kind) {
    case 'user-view':
    case 'user-edit-profile':
    case 'user-edit-payment':
    case 'user-profile-modal':
    case 'user-payment-modal':
    case 'invite-cancel':
    case 'user-unlink-discord':
      return validPlexId && b === undefined ? { kind, plexId } : null;
    case 'user-set-class':
      return validPlexId && (b === 'standard' || b === 'permanent') ? { kind, plexId, userClass: b } : null;
    case 'user-retry':
      return a && ID.test(a) && b === undefined ? { kind, draftId: a } : null;
    case 'users-page':
    case 'shares-page':
      return a && ID.test(a) && b !== undefined && /^\d{1,5}$/.test(b) ? { kind, viewId: a, page: Number(b) } : null;
    case 'users-open':
    case 'plan-access-server':
    case 'plan-access-libraries':
      return a && ID.test(a) && b === undefined ? { kind, viewId: a } : null;
    case 'payment-pick':
    case 'member-link':
    case 'member-link-cancel':
      return a === undefined ? { kind } : null;
    case 'payment-assign-modal':
      return validPlexId && b === undefined ? { kind, unmatchedId: plexId } : null;
    default:
      return null;
  }
}
