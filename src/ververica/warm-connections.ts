// Connections to the API opened ahead of the calls that use them. undici opens a connection only
// when a call needs one, and before it reuses a connection that has just answered it waits a turn
// of the event loop, then another for its idle-connection check. When many answers arrive at once,
// each next call is written only after the whole batch has been handled, so the calls of a sync
// move in lock step and every round trip grows by the time the batch takes. A pool twice the size
// of `concurrency`, opened while the first call is in flight, always holds a connection that is up
// and has been idle since an earlier turn. TLS set-up also moves off the calls' path.
import { isIP, type Socket } from 'node:net';
import { buildConnector } from 'undici';

export type Connector = buildConnector.connector;

export interface WarmConnections {
  /** For undici's `connect` option: a warmed connection to the origin asked for, or a new one. */
  readonly connect: Connector;
  /** Starts opening `count` connections to `origin` (the scheme, host and port of the URL). */
  warm(origin: URL, count: number): void;
  /** Closes the warmed connections that no call took; warming after this does nothing. */
  close(): void;
  /** Warmed connections not taken yet, up or still connecting. */
  readonly waiting: number;
}

interface Warming {
  key: string;
  socket?: Socket;
  /** A call that asked for a connection while this one was still connecting. */
  taker?: { options: buildConnector.Options; callback: buildConnector.Callback };
}

/** The origin as undici asks for it: brackets off an IPv6 host, a port only when not default. */
function target(origin: URL): buildConnector.Options {
  const hostname = origin.hostname.replace(/^\[(.*)\]$/, '$1');
  return { protocol: origin.protocol, hostname, host: origin.host, port: origin.port };
}

/** What makes two connections interchangeable: scheme, host, port and, for TLS, the SNI name. */
function keyOf(options: buildConnector.Options): string {
  const sni =
    options.protocol === 'https:'
      ? options.servername || (isIP(options.hostname) ? '' : options.hostname)
      : '';
  return `${options.protocol}//${options.hostname}:${options.port} ${sni}`;
}

export function createWarmConnections(base: Connector = buildConnector({})): WarmConnections {
  const warming: Warming[] = [];
  let closed = false;

  const remove = (entry: Warming): void => {
    const index = warming.indexOf(entry);
    if (index >= 0) warming.splice(index, 1);
  };

  const hand = (socket: Socket, callback: buildConnector.Callback): void => {
    // An idle warmed connection must not keep the process alive; a taken one is undici's to manage.
    socket.ref();
    // undici expects the callback after its connect call has returned, as for a new connection.
    queueMicrotask(() => callback(null, socket));
  };

  const connect: Connector = (options, callback) => {
    // A tunnel through a proxy or a fixed local address is not what was warmed.
    if (!closed && !options.httpSocket && !options.localAddress && !options.socketPath) {
      const key = keyOf(options);
      const up = warming.find((w) => w.key === key && w.socket);
      const connecting = warming.find((w) => w.key === key && !w.socket && !w.taker);
      if (up?.socket) {
        remove(up);
        hand(up.socket, callback);
        return;
      }
      if (connecting) {
        connecting.taker = { options, callback };
        return;
      }
    }
    base(options, callback);
  };

  const warm = (origin: URL, count: number): void => {
    if (closed) return;
    const options = target(origin);
    for (let i = 0; i < count; i++) {
      const entry: Warming = { key: keyOf(options) };
      warming.push(entry);
      base(options, (error, socket) => {
        const { taker } = entry;
        if (error || !socket) {
          remove(entry);
          // A call waiting for this one connects on its own, and meets any error itself.
          if (taker) base(taker.options, taker.callback);
          return;
        }
        if (taker) {
          remove(entry);
          hand(socket, taker.callback);
        } else if (closed) {
          remove(entry);
          socket.destroy();
        } else {
          entry.socket = socket;
          socket.unref();
          // Closed by the server while idle: no call should get it.
          socket.once('close', () => remove(entry));
        }
      });
    }
  };

  const close = (): void => {
    closed = true;
    for (const entry of [...warming]) {
      if (!entry.socket) continue; // destroyed when it connects, or handed to its taker
      remove(entry);
      entry.socket.destroy();
    }
  };

  return {
    connect,
    warm,
    close,
    get waiting() {
      return warming.length;
    },
  };
}
