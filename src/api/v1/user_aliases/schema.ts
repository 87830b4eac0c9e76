// The input contract of /api/v1/user_aliases. An alias is always yours: `user_id` is not an
// input (400 like any other field that cannot be set).
import { z } from 'zod';
import { pageFields } from '../../../http/pagination';
import { updatedSinceField } from '../deletions/schema';
import { personName, recordId } from '../fields';

export const aliasPath = z.strictObject({
  id: recordId.meta({ description: "One of your aliases or a mutual member's." }),
});

export const listAliasesQuery = z.strictObject({ ...pageFields, ...updatedSinceField });

export const createAliasBody = z.strictObject({ first_name: personName, last_name: personName });

export const updateAliasBody = createAliasBody.partial();
