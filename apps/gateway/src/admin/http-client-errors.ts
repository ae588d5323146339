import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrorCode } from '@app/contracts';

/**
 * Requests Node's HTTP parser refuses before any route sees them (a request
 * line or headers past its limit, bytes that are not HTTP) get the
 * contract's `{ code, message }` body too, instead of Node's bare status line.
 */
export function answerClientErrorsWithContractBodies(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const body = JSON.stringify({ code: ErrorCode.VALIDATION_FAILED, message: status === 431 ? 'request line or headers too large' : 'malformed HTTP request' });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
