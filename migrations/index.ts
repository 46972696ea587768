import { CreateCoreSchema1764000000000 } from './1764000000000-CreateCoreSchema';
import { AddUserReview1764100000000 } from './1764100000000-AddUserReview';
import { AddLifecycle1764200000000 } from './1764200000000-AddLifecycle';
import { AddPaymentsImport1764300000000 } from './1764300000000-AddPaymentsImport';
import { CreateOutbox1764400000000 } from './1764400000000-CreateOutbox';
import { AddPaymentVoiding1764700000000 } from './1764700000000-AddPaymentVoiding';
import { AddPlanAccess1764800000000 } from './1764800000000-AddPlanAccess';
import { AddPlexAccessError1764900000000 } from './1764900000000-AddPlexAccessError';
import { CreateInvites1765000000000 } from './1765000000000-CreateInvites';
import { AddRenewStage1765100000000 } from './1765100000000-AddRenewStage';
import { AddDiscordLinkOrigin1765200000000 } from './1765200000000-AddDiscordLinkOrigin';
import { AddPlanPayOptions1765300000000 } from './1765300000000-AddPlanPayOptions';

/** Every migration in order: an explicit list, so the build needs no folder scan. */
export const MIGRATIONS = [
  CreateCoreSchema1764000000000,
  AddUserReview1764100000000,
  AddLifecycle1764200000000,
  AddPaymentsImport1764300000000,
  CreateOutbox1764400000000,
  AddPaymentVoiding1764700000000,
  AddPlanAccess1764800000000,
  AddPlexAccessError1764900000000,
  CreateInvites1765000000000,
  AddRenewStage1765100000000,
  AddDiscordLinkOrigin1765200000000,
  AddPlanPayOptions1765300000000,
];
