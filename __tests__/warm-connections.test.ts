import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import net, { type AddressInfo, type Socket } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { buildConnector } from 'undici';
import { createWarmConnections, type Connector } from '../src/ververica/warm-connections.js';

/** A real TCP server that counts the connections it accepts and can cut them. */
async function tcpServer(): Promise<{
  origin: URL;
  accepted: Socket[];
  stop(): Promise<void>;
}> {
  const accepted: Socket[] = [];
  const server = net.createServer((socket) => {
    accepted.push(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: new URL(`http://127.0.0.1:${port}`),
    accepted,
    stop: () =>
      new Promise((resolve) => {
        for (const socket of accepted) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A connector that records its calls and connects only when the test says so. */
function manualConnector(): {
  connect: Connector;
  asked: Array<{ options: buildConnector.Options; callback: buildConnector.Callback }>;
} {
  const asked: Array<{ options: buildConnector.Options; callback: buildConnector.Callback }> = [];
  return { connect: (options, callback) => void asked.push({ options, callback }), asked };
}

/** What undici passes when a call to `origin` needs a connection. */
function ask(origin: URL): buildConnector.Options {
  return {
    protocol: origin.protocol,
    hostname: origin.hostname,
    host: origin.host,
    port: origin.port,
  };
}

function take(connect: Connector, options: buildConnector.Options): Promise<Socket> {
  return new Promise((resolve, reject) =>
    connect(options, (error, socket) => (error ? reject(error) : resolve(socket as Socket))),
  );
}

const until = async (done: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!done()) throw new Error('timed out');
};

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('warm connections against a real server', () => {
  it('opens them at once, and hands them to calls without opening more', async () => {
    const server = await tcpServer();
    const warm = createWarmConnections();
    cleanups.push(
      () => server.stop(),
      () => warm.close(),
    );

    warm.warm(server.origin, 3);
    await until(() => server.accepted.length === 3);
    await until(() => warm.waiting === 3);
    const sockets = [
      await take(warm.connect, ask(server.origin)),
      await take(warm.connect, ask(server.origin)),
    ];

    expect(server.accepted).toHaveLength(3);
    expect(warm.waiting).toBe(1);
    expect(sockets[0]).not.toBe(sockets[1]);
    expect(sockets.every((s) => !s.destroyed && s.remotePort === Number(server.origin.port))).toBe(
      true,
    );
    for (const socket of sockets) socket.destroy();
  });

  it('does not keep a process alive with connections nobody took', async () => {
    const server = await tcpServer();
    cleanups.push(() => server.stop());
    const module = pathToFileURL(path.resolve('src/ververica/warm-connections.ts')).href;
    const script = [
      `const { createWarmConnections } = await import(${JSON.stringify(module)});`,
      `createWarmConnections().warm(new URL(${JSON.stringify(server.origin.href)}), 2);`,
    ].join('\n');

    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // A child held open by its sockets is stopped, and fails the test by its exit code.
    const stop = setTimeout(() => child.kill(), 10_000);
    cleanups.push(() => clearTimeout(stop));
    await until(() => server.accepted.length === 2);

    // With the connections up, nothing else is left for the child to do.
    await expect(exited).resolves.toBe(0);
  });

  it('closes what no call took, and connects on its own after that', async () => {
    const server = await tcpServer();
    const warm = createWarmConnections();
    cleanups.push(() => server.stop());
    warm.warm(server.origin, 2);
    await until(() => warm.waiting === 2 && server.accepted.length === 2);
    const closedByClient = Promise.all(
      server.accepted.map((s) => new Promise((resolve) => s.once('close', resolve))),
    );

    warm.close();
    warm.warm(server.origin, 2);

    await closedByClient;
    expect(warm.waiting).toBe(0);
    const own = await take(warm.connect, ask(server.origin));
    await until(() => server.accepted.length === 3);
    own.destroy();
  });

  it('never hands out a connection the server has closed meanwhile', async () => {
    const server = await tcpServer();
    const warm = createWarmConnections();
    cleanups.push(
      () => server.stop(),
      () => warm.close(),
    );
    warm.warm(server.origin, 1);
    await until(() => warm.waiting === 1 && server.accepted.length === 1);

    server.accepted[0]?.destroy();
    await until(() => warm.waiting === 0);
    const fresh = await take(warm.connect, ask(server.origin));

    expect(fresh.destroyed).toBe(false);
    await until(() => server.accepted.length === 2);
    fresh.destroy();
  });
});

describe('warm connections: which call gets what', () => {
  it('gives a call the connection still being opened instead of opening another', async () => {
    const base = manualConnector();
    const warm = createWarmConnections(base.connect);
    const origin = new URL('https://ververica.cn-hangzhou.aliyuncs.com');

    warm.warm(origin, 1);
    let got: Socket | undefined;
    warm.connect(ask(origin), (_error, socket) => (got = socket ?? undefined));
    const socket = new net.Socket();
    base.asked[0]?.callback(null, socket);
    await Promise.resolve();

    expect(base.asked).toHaveLength(1);
    expect(base.asked[0]?.options).toMatchObject({ hostname: origin.hostname, port: '' });
    expect(got).toBe(socket);
    expect(warm.waiting).toBe(0);
  });

  it('lets the waiting call connect on its own when the warm connection fails', async () => {
    const base = manualConnector();
    const warm = createWarmConnections(base.connect);
    const origin = new URL('https://ververica.cn-hangzhou.aliyuncs.com');
    warm.warm(origin, 1);
    const callback: buildConnector.Callback = () => undefined;
    const options = { ...ask(origin), servername: origin.hostname };

    warm.connect(options, callback);
    base.asked[0]?.callback(new Error('ECONNREFUSED'), null);

    expect(base.asked).toHaveLength(2);
    expect(base.asked[1]?.options).toBe(options);
    expect(base.asked[1]?.callback).toBe(callback);
  });

  it.each([
    ['another host', { hostname: 'ververica.cn-shanghai.aliyuncs.com' }],
    ['another port', { port: '8443' }],
    ['another TLS server name', { servername: 'other.example.com' }],
    ['a fixed local address', { localAddress: '127.0.0.2' }],
  ])('opens a new connection for %s', (_what, differs) => {
    const base = manualConnector();
    const warm = createWarmConnections(base.connect);
    const origin = new URL('https://ververica.cn-hangzhou.aliyuncs.com');
    warm.warm(origin, 1);

    warm.connect({ ...ask(origin), ...differs }, () => undefined);

    expect(base.asked).toHaveLength(2);
    expect(warm.waiting).toBe(1);
  });

  it('takes a warmed connection for the same TLS name given explicitly', () => {
    const base = manualConnector();
    const warm = createWarmConnections(base.connect);
    const origin = new URL('https://ververica.cn-hangzhou.aliyuncs.com');
    warm.warm(origin, 1);

    warm.connect({ ...ask(origin), servername: origin.hostname }, () => undefined);

    expect(base.asked).toHaveLength(1);
  });

  it('warms IPv6 hosts without their brackets, as undici asks for them', () => {
    const base = manualConnector();
    const warm = createWarmConnections(base.connect);
    const origin = new URL('http://[::1]:8080');
    warm.warm(origin, 1);

    warm.connect({ ...ask(origin), hostname: '::1' }, () => undefined);

    expect(base.asked).toHaveLength(1);
    expect(base.asked[0]?.options.hostname).toBe('::1');
  });
});
