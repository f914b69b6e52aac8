import type http from 'node:http';
import type { RequestHandler } from 'express';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/postgres-adapter';
import type { Pool } from 'pg';
import type { AccountsService } from '../accounts/accounts.service';
import type { Logger } from '../lib/logger';
import { PUBLIC_ROOM, type RealtimeHub } from './hub';

export interface RealtimeDeps {
  httpServer: http.Server;
  /** The same express-session middleware the app uses, so a socket knows its user. */
  sessionMiddleware: RequestHandler;
  accounts: AccountsService;
  hub: RealtimeHub;
  logger: Logger;
  /** With a PostgreSQL server: events reach sockets on every app node through LISTEN/NOTIFY. */
  pool?: Pool;
}

/**
 * Socket.IO on the app's HTTP server. A socket's user comes from its session cookie; it joins
 * its own user room and the rooms of its verified organizations. Unauthenticated sockets can
 * only watch public rooms.
 */
export function startRealtime(deps: RealtimeDeps): Server {
  const io = new Server(deps.httpServer, { serveClient: true, cors: { origin: false } });
  if (deps.pool) io.adapter(createAdapter(deps.pool, { tableName: 'socket_io_attachments' }));
  io.engine.use(deps.sessionMiddleware);
  io.use((socket, next) => {
    const req = socket.request as http.IncomingMessage & { session?: { passport?: { user?: string } } };
    const userId = req.session?.passport?.user;
    if (!userId) return next();
    deps.accounts.loadActor(userId).then(
      (actor) => {
        socket.data.actor = actor ?? null;
        next();
      },
      (err) => next(err),
    );
  });
  io.on('connection', (socket) => {
    const actor = socket.data.actor;
    if (actor) {
      socket.join(`user:${actor.userId}`);
      for (const m of actor.memberships) if (m.organizationStatus === 'verified') socket.join(`org:${m.organizationId}`);
    }
    socket.on('watch', (room: unknown, ack?: (ok: boolean) => void) => {
      const ok = typeof room === 'string' && PUBLIC_ROOM.test(room);
      if (ok) socket.join(room);
      if (typeof ack === 'function') ack(ok);
    });
  });
  deps.hub.attach(io);
  deps.logger.info('realtime ready', { adapter: deps.pool ? 'postgres' : 'memory' });
  return io;
}
