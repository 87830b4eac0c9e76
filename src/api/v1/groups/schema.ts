// The input contract of /api/v1/groups.
import { z } from 'zod';
import { pageFields } from '../../../http/pagination';
import { freeText, personName } from '../fields';

export const listGroupsQuery = z.strictObject({ ...pageFields });

export const updateGroupBody = z.strictObject({
  name: personName.optional(),
  description: freeText.optional(),
});
