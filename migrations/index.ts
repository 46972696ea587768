import { CreateCoreSchema1764000000000 } from './1764000000000-CreateCoreSchema';
import { AddUserReview1764100000000 } from './1764100000000-AddUserReview';

/** Every migration in order: an explicit list, so the build needs no folder scan. */
export const MIGRATIONS = [
  CreateCoreSchema1764000000000,
  AddUserReview1764100000000,
];
