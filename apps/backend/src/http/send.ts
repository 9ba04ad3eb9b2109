import type { Response } from 'express';

/** Sends JSON text as it is (no re-serialisation); `undefined` sends no body. */
export function sendJson(res: Response, status: number, body: string | undefined): void {
  res.statusCode = status;
  if (body === undefined) {
    res.end();
    return;
  }
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}
