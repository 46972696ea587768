import { Lock } from './lock.entity';
import { MediaServer } from './media-server.entity';
import { Payment } from './payment.entity';
import { Plan } from './plan.entity';
import { SharedServer } from './shared-server.entity';
import { SyncRun } from './sync-run.entity';
import { User } from './user.entity';

export { Lock, MediaServer, Payment, Plan, SharedServer, SyncRun, User };
export type { UserClass } from './media-server.entity';
export type { DurationUnit } from './plan.entity';
export type { PaymentSource } from './payment.entity';
export type { SyncKind, SyncOutcome } from './sync-run.entity';

export const ENTITIES = [MediaServer, User, Plan, Payment, SharedServer, SyncRun, Lock];
