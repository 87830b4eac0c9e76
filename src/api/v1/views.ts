// Building blocks of the presenters' views: the zod schemas of what the API answers. Each
// presenter returns its view's type, so the compiler holds the presenter to the view, and the
// OpenAPI document describes responses from the same views (a named view becomes a component).
import { z } from 'zod';

/** Views that appear in the OpenAPI document as components/schemas, by name. */
export const namedViews = new Map<z.ZodType, string>();

export function named<T extends z.ZodType>(name: string, view: T): T {
  namedViews.set(view, name);
  return view;
}

export const id = z.uuid();
export const timestamp = z.iso.datetime().meta({ description: 'ISO 8601 in UTC, e.g. "2027-03-01T19:30:00.000Z"' });

/** `{id, display_name}`: how a ticket names its owner, assignee and alias, and history its actor. */
export const summary = z.strictObject({ id, display_name: z.string() });
