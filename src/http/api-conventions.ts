// What every /api request goes through before its route: content negotiation (406),
// body type (415), the JSON body parser (100 kB: 413; malformed: 400).
import express, { type RequestHandler } from 'express';
import { HttpError } from '../errors';

const JSON_TYPES = ['application/json', 'application/*+json'];

export const requireJsonAccept: RequestHandler = (req, _res, next) => {
  if (!req.accepts('application/json')) {
    throw new HttpError(406, 'This API only answers with application/json; check your Accept header.');
  }
  next();
};

export const requireJsonBody: RequestHandler = (req, _res, next) => {
  // req.is() is null when there is no body, false when the body has another type. An empty
  // body (Content-Length: 0, as curl and many clients send on a bare POST) needs no type.
  if (req.headers['content-length'] !== '0' && req.is(JSON_TYPES) === false) {
    throw new HttpError(415, 'Request bodies must be JSON, sent as Content-Type: application/json.');
  }
  next();
};

export const parseJsonBody = express.json({ limit: '100kb', type: JSON_TYPES, strict: true });

export const apiConventions: RequestHandler[] = [requireJsonAccept, requireJsonBody, parseJsonBody];
