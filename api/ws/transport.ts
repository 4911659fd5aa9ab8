// The seam between the gateway and the WebSocket library: the gateway sees only this, so the
// `ws` server behind @fastify/websocket can be swapped (e.g. for uWebSockets.js) in one file.
import type { WebSocket } from 'ws';

export interface Connection {
  /** A text frame: a string, or its UTF-8 bytes when one encoding serves many clients. */
  send(text: string | Buffer): void;
  readonly bufferedAmount: number;
  close(code: number, reason: string): void;
  /** Each message in arrival order; binary frames are passed on (flagged) so they can be refused. */
  onMessage(cb: (text: string, binary: boolean) => void): void;
  onClose(cb: () => void): void;
}

/** Largest client message accepted; subscriptions are small. */
export const MAX_CLIENT_MESSAGE_BYTES = 64 * 1024;

export function wsConnection(socket: WebSocket): Connection {
  return {
    send: (text) => { if (socket.readyState === socket.OPEN) socket.send(text, { binary: false }); },
    get bufferedAmount() { return socket.bufferedAmount; },
    close: (code, reason) => socket.close(code, reason),
    onMessage: (cb) => socket.on('message', (data, isBinary) => cb(isBinary ? '' : data.toString(), isBinary)),
    onClose: (cb) => socket.on('close', cb),
  };
}
