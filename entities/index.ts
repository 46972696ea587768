import { ImportCursor } from './import-cursor.entity';
import { Invite } from './invite.entity';
import { Lock } from './lock.entity';
import { MediaServer } from './media-server.entity';
import { OutboxEntry } from './outbox-entry.entity';
import { Payment } from './payment.entity';
import { PaymentNotice } from './payment-notice.entity';
import { PaymentEvent } from './payment-event.entity';
import { Plan } from './plan.entity';
import { PlanAccess } from './plan-access.entity';
import { PlexRemoval } from './plex-removal.entity';
import { SharedServer } from './shared-server.entity';
import { SyncRun } from './sync-run.entity';
import { UnmatchedPayment } from './unmatched-payment.entity';
import { User } from './user.entity';

export { Lock, MediaServer, Payment, PaymentNotice, Plan, PlexRemoval, SharedServer, SyncRun, User };
export type { UserClass } from './media-server.entity';
export type { DurationUnit } from './plan.entity';
export type { PaymentSource } from './payment.entity';
export type { NoticeKind } from './payment-notice.entity';
export type { SyncKind, SyncOutcome } from './sync-run.entity';
export { ImportCursor, OutboxEntry, PaymentEvent, PlanAccess, UnmatchedPayment };
export { Invite };
export type { InviteStatus } from './invite.entity';
export type { OutboxKind } from './outbox-entry.entity';
export type { ImportSource, ImportStatus, PaymentEventKind } from './payment-event.entity';

export const ENTITIES = [MediaServer, User, Plan, Payment, SharedServer, SyncRun, Lock, UnmatchedPayment, PaymentEvent, ImportCursor, PaymentNotice, PlexRemoval, OutboxEntry, PlanAccess, Invite];
