/**
 * The suite's network guard (test/support/network-guard.js, a jest setup file): every way a test could reach
 * a non-loopback address throws before anything is sent, while loopback keeps working. Targets are chosen so
 * that even a broken guard would not reach another machine: 0.0.0.0 and its IPv6 forms are refused by the
 * guard (not loopback) but land on this host if dialed; names are refused before they are resolved.
 */
import * as dgram from 'node:dgram';
import * as dns from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const guard = require('../support/network-guard.js') as { GUARD_CODE: string; isLoopbackAddress(address: string): boolean };

const refused = expect.objectContaining({ code: 'ENETGUARD' });

test('the guard is installed for the suite by jest.config.js', () => {
  expect((net.Socket.prototype as unknown as Record<symbol, unknown>)[Symbol.for('aoai-private-link.network-guard')]).toBe(true);
});

test('loopback in every spelling is loopback; nothing else is', () => {
  for (const address of ['127.0.0.1', '127.255.0.9', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '::ffff:7f00:1', '[::1]']) {
    expect([address, guard.isLoopbackAddress(address)]).toEqual([address, true]);
  }
  for (const address of ['0.0.0.0', '10.0.0.1', '169.254.169.254', '::', '::ffff:10.0.0.1', 'fe80::1', 'localhost', '2130706433']) {
    expect([address, guard.isLoopbackAddress(address)]).toEqual([address, false]);
  }
});

test('TCP and TLS connects to a non-loopback address or a name throw before a socket dials', () => {
  expect(() => net.connect(9, '0.0.0.0')).toThrow(refused);
  expect(() => net.connect({ host: '::', port: 9 })).toThrow(refused);
  expect(() => net.createConnection({ host: '::ffff:0.0.0.0', port: 9 })).toThrow(refused);
  // Spellings getaddrinfo would turn into an address are names to the guard: refused, not resolved.
  expect(() => net.connect({ host: '0x7f000001', port: 9 })).toThrow(refused);
  expect(() => net.connect({ host: 'example.com', port: 443 })).toThrow(refused);
  expect(() => tls.connect({ host: '0.0.0.0', port: 9 })).toThrow(refused);
  expect(() => http.get('http://0.0.0.0:9/')).toThrow(refused);
  expect(() => https.get('https://[::]:9/')).toThrow(refused);
});

test('a custom lookup that answers a non-loopback address is refused before the socket dials it', async () => {
  const lookup = (_host: string, options: unknown, callback: (...args: unknown[]) => void) => {
    if ((options as { all?: boolean }).all) callback(null, [{ address: '0.0.0.0', family: 4 }]);
    else callback(null, '0.0.0.0', 4);
  };
  for (const host of ['localhost', 'tickets.example.com']) {
    const socket = net.connect({ host, port: 9, lookup: lookup as never });
    const connected = jest.fn();
    socket.on('connect', connected);
    const error = await new Promise((resolve) => socket.on('error', resolve));
    expect(error).toEqual(refused);
    expect(connected).not.toHaveBeenCalled();
  }
});

test('a name with its own lookup that answers loopback connects', async () => {
  const server = net.createServer((socket) => socket.end('hi'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const lookup = (_host: string, options: unknown, callback: (...args: unknown[]) => void) => {
    if ((options as { all?: boolean }).all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
  };
  try {
    const text = await new Promise<string>((resolve, reject) => {
      const socket = net.connect({ host: 'tickets.example.com', port: (server.address() as net.AddressInfo).port, lookup: lookup as never });
      let data = '';
      socket.on('data', (chunk) => (data += chunk));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(text).toBe('hi');
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('UDP datagrams and UDP connects to non-loopback addresses throw', () => {
  const socket = dgram.createSocket('udp4');
  try {
    expect(() => socket.send(Buffer.from('x'), 53, '0.0.0.0')).toThrow(refused);
    expect(() => socket.send(Buffer.from('x'), 0, 1, 53, '0.0.0.0')).toThrow(refused);
    expect(() => socket.send(Buffer.from('x'), 53, 'example.com')).toThrow(refused);
    expect(() => socket.connect(53, '0.0.0.0')).toThrow(refused);
  } finally {
    socket.close();
  }
});

test('DNS: lookups of names and queries to non-loopback servers throw; the system resolver is not asked', async () => {
  expect(() => dns.lookup('example.com', () => undefined)).toThrow(refused);
  await expect(dns.promises.lookup('example.com')).rejects.toEqual(refused);
  const resolver = new dns.promises.Resolver();
  resolver.setServers(['192.0.2.53']);
  expect(() => resolver.resolve4('example.com')).toThrow(refused);
  const callbackResolver = new dns.Resolver();
  callbackResolver.setServers(['[2001:db8::53]:53']);
  expect(() => callbackResolver.resolve4('example.com', () => undefined)).toThrow(refused);
  if (!dns.getServers().every((server) => guard.isLoopbackAddress(server.replace(/^\[|\](:\d+)?$|:\d+$/g, '')))) {
    expect(() => dns.resolve4('example.com', () => undefined)).toThrow(refused);
  }
});

test('loopback still works: by address, by localhost, over TLS-less TCP and UDP', async () => {
  const server = net.createServer((socket) => socket.end('hello'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  try {
    for (const host of ['127.0.0.1', 'localhost']) {
      const text = await new Promise<string>((resolve, reject) => {
        const socket = net.connect({ host, port, family: 4 });
        let data = '';
        socket.on('data', (chunk) => (data += chunk));
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
      });
      expect(text).toBe('hello');
    }
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  const receiver = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => receiver.bind(0, '127.0.0.1', resolve));
  const got = new Promise<string>((resolve) => receiver.once('message', (message) => resolve(String(message))));
  const sender = dgram.createSocket('udp4');
  sender.send(Buffer.from('ping'), receiver.address().port, '127.0.0.1');
  expect(await got).toBe('ping');
  sender.close();
  receiver.close();
});
