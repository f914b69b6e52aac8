import type { Server } from 'socket.io';

/**
 * The one way services push live events. Rooms: `user:<id>` and `org:<id>` are private (joined
 * by the server from the socket's session); `project:<id>` and `board` are public (any socket may
 * watch them). Before a Socket.IO server is attached (tests through supertest, scripts) events
 * go nowhere. Call only after the transaction that caused the event has committed.
 */
export class RealtimeHub {
  private io?: Server;

  attach(io: Server): void {
    this.io = io;
  }

  toUser(userId: string, event: string, payload: unknown): void {
    this.io?.to(`user:${userId}`).emit(event, payload);
  }

  toOrganization(organizationId: string, event: string, payload: unknown): void {
    this.io?.to(`org:${organizationId}`).emit(event, payload);
  }

  toProject(projectId: string, event: string, payload: unknown): void {
    this.io?.to(`project:${projectId}`).emit(event, payload);
  }

  toBoard(event: string, payload: unknown): void {
    this.io?.to('board').emit(event, payload);
  }
}

/** Public rooms a socket may ask to watch; everything else is joined only by the server. */
export const PUBLIC_ROOM = /^(board|project:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
