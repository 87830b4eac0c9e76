// Who is asking. Every query of an API resource takes the actor as a required argument, so
// "no actor means everything" cannot happen by accident.
import type { Request } from 'express';
import { HttpError } from '../errors';

export interface Actor {
  readonly userId: string;
}

/** The authenticated caller of an /api/v1 route (set by api-authentication). */
export function actorOf(req: Request): Actor {
  // Unreachable behind guardRoutes(authenticate); a 401 rather than a crash if a route forgets it.
  if (!req.caller) throw new HttpError(401, 'Authentication is required.');
  return { userId: req.caller.userId };
}
