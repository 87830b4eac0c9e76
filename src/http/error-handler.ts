// The one error middleware. Under /api every failure is the SPEC §4 error object; elsewhere
// (pages, health checks) the same status with a short text body until pages render their own.
// 5xx are logged with the request id; their bodies never carry a stack or SQL.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { HttpError, notFound, toHttpError } from '../errors';
import { renderPage } from '../web/render';

/** Marks a request as the API's, so its errors are the error object (whatever the path's case). */
export const markApiRequest: RequestHandler = (_req, res, next) => {
  res.locals.api = true;
  next();
};

export const apiRouteNotFound: RequestHandler = () => {
  throw notFound('There is no API route at this path. See /api/v1/openapi.json for the routes.');
};

export const pageNotFound: RequestHandler = () => {
  throw new HttpError(404, 'There is no page at this address.');
};

export const errorHandler: ErrorRequestHandler = (error, req, res, next) => {
  const httpError = toHttpError(error);
  if (httpError.status >= 500) {
    req.log.error({ err: httpError.options.cause ?? error, status: httpError.status }, 'request failed');
  }
  if (res.headersSent) {
    next(error); // Express closes the connection
    return;
  }
  res.set(httpError.options.headers ?? {});
  res.status(httpError.status);
  if (res.locals.api === true) {
    res.json(httpError.body);
  } else if (req.accepts(['text/plain', 'text/html']) === 'text/html' && req.app.get('views')) {
    renderPage(req, res, 'error', { title: httpError.body.error, detail: httpError.detail }, httpError.status);
  } else {
    res.type('text/plain').send(`${httpError.status} ${httpError.body.error}: ${httpError.detail}\n`);
  }
};
