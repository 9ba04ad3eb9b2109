import type { TLSSocket } from 'node:tls';
import express, { type Request, type RequestHandler, type Router } from 'express';
import { collectionUrl } from '../http/base-url.ts';
import { MethodNotAllowedError, NotFoundError } from '../http/errors.ts';
import { ifNoneMatch } from '../http/if-none-match.ts';
import { jsonBody } from '../http/json-body.ts';
import { sendJson } from '../http/send.ts';
import type { TodoRepository } from './repository.ts';
import { parseNewTodo, parseTodoId, parseTodoPatch } from './validation.ts';

function methodNotAllowed(allowed: readonly string[]): RequestHandler {
  return (req) => {
    throw new MethodNotAllowedError(req.method, allowed);
  };
}

function todoId(req: Request): string {
  const id = parseTodoId(String(req.params.id));
  if (id === undefined) throw new NotFoundError('todo');
  return id;
}

/** The Todo-Backend API under `/api/todos`; the handlers only translate between HTTP and the repository. */
export function todoRouter(todos: TodoRepository, publicUrl: string | undefined): Router {
  const router = express.Router();
  const base = (req: Request) => collectionUrl(publicUrl, req.headers, (req.socket as TLSSocket).encrypted === true);
  const body = jsonBody();

  router
    .route('/api/todos')
    .get(async (req, res) => {
      const list = await todos.list(base(req));
      if (ifNoneMatch(req.headers['if-none-match'], list.etag)) {
        res.writeHead(304, { ETag: list.etag, 'Cache-Control': 'no-cache' }).end();
        return;
      }
      res
        .writeHead(200, {
          'Content-Type': 'application/json; charset=utf-8',
          'Content-Length': list.body.length,
          ETag: list.etag,
          'Cache-Control': 'no-cache',
        })
        .end(list.body);
    })
    .post(body, async (req, res) => {
      const created = await todos.create(base(req), parseNewTodo(req.body));
      res.setHeader('Location', `${base(req)}${created.id}`);
      sendJson(res, 201, created.body);
    })
    .delete(async (_req, res) => {
      await todos.deleteAll();
      sendJson(res, 204, undefined);
    })
    .all(methodNotAllowed(['GET', 'POST', 'DELETE']));

  router
    .route('/api/todos/:id')
    .get(async (req, res) => {
      const todo = await todos.get(base(req), todoId(req));
      if (todo === undefined) throw new NotFoundError('todo');
      sendJson(res, 200, todo);
    })
    .patch(body, async (req, res) => {
      const id = todoId(req);
      const todo = await todos.update(base(req), id, parseTodoPatch(req.body));
      if (todo === undefined) throw new NotFoundError('todo');
      sendJson(res, 200, todo);
    })
    .delete(async (req, res) => {
      if (!(await todos.delete(todoId(req)))) throw new NotFoundError('todo');
      sendJson(res, 204, undefined);
    })
    .all(methodNotAllowed(['GET', 'PATCH', 'DELETE']));

  return router;
}
