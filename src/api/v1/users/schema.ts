// The input contract of /api/v1/users.
import { z } from 'zod';
import { pageFields } from '../../../http/pagination';
import { updatedSinceField } from '../deletions/schema';
import { freeText, personName, recordId, text, timeZone } from '../fields';

export const userPath = z.strictObject({ id: recordId.meta({ description: 'You or a mutual member.' }) });

export const listUsersQuery = z.strictObject({
  ...pageFields,
  group_id: z.string().optional().meta({ description: "A group's members; not one of your groups: 404." }),
  ...updatedSinceField,
});

export const updateMeBody = z.strictObject({
  first_name: personName.optional(),
  last_name: personName.optional(),
  timezone: timeZone.optional(),
  bio: freeText.optional(),
  location: text(0, 200).optional(),
  mobile: text(0, 30)
    .refine((value) => /^[0-9+()./ -]*$/.test(value), 'may contain only digits, spaces and + ( ) - . /')
    .optional(),
  sms_notify: z.boolean({ error: 'must be true or false' }).optional(),
});
