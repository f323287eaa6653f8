/**
 * Jest setup file for the whole suite: no test may reach a non-loopback address. It patches the places a
 * connection or a query starts (net/tls sockets, UDP sockets, DNS lookups and c-ares queries) so that an
 * attempt to reach anything but 127.0.0.0/8 or ::1 throws before a packet is sent. It fails closed: a host
 * name other than localhost is refused rather than resolved (resolving would itself send a query to the
 * system's resolver), unless the caller brings its own `lookup`; every address a lookup produces is checked
 * before the socket dials it.
 *
 * Installed once per worker process (core modules are shared by the test files a worker runs).
 */
'use strict';

const net = require('node:net');
const dgram = require('node:dgram');
const dns = require('node:dns');

const INSTALLED = Symbol.for('aoai-private-link.network-guard');
const GUARD_CODE = 'ENETGUARD';

function guardError(what) {
  const error = new Error(`network guard: ${what}; tests talk to 127.0.0.1 only`);
  error.code = GUARD_CODE;
  return error;
}

/** 127.0.0.0/8, ::1 and ::ffff:127.x.y.z in any IPv6 spelling. */
function isLoopbackAddress(text) {
  const address = String(text).replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = net.isIP(address);
  if (family === 4) return address.startsWith('127.');
  if (family !== 6) return false;
  const loopback = new net.BlockList();
  loopback.addAddress('::1', 'ipv6');
  loopback.addSubnet('::ffff:7f00:0', 104, 'ipv6');
  return loopback.check(address, 'ipv6');
}

function isLocalhostName(host) {
  return /^localhost\.?$/i.test(String(host));
}

/** Refuses a literal that is not loopback and any name but localhost. */
function checkHost(host, what) {
  if (host === undefined || host === null || host === '') return; // Node's default: localhost
  const bare = String(host).replace(/^\[|\]$/g, '');
  if (net.isIP(bare.replace(/%.*$/, ''))) {
    if (!isLoopbackAddress(bare)) throw guardError(`${what} to ${host} refused`);
    return;
  }
  if (!isLocalhostName(bare)) throw guardError(`${what} to the name ${host} refused (it would be resolved and dialed)`);
}

/** Wraps a lookup so that every answer is checked before the socket may dial it. */
function checkingLookup(lookup, hostname) {
  return function guardedLookup(name, options, callback) {
    if (typeof options === 'function') {
      callback = options;
      options = {};
    }
    return lookup(name, options, (error, address, family) => {
      if (error) return callback(error, address, family);
      const answers = Array.isArray(address) ? address.map((entry) => entry.address) : [address];
      const outside = answers.find((answer) => !isLoopbackAddress(answer));
      if (outside !== undefined) return callback(guardError(`${hostname} resolved to ${outside}; dialing it refused`), Array.isArray(address) ? [] : '', family);
      return callback(null, address, family);
    });
  };
}

function install() {
  // --- TCP and TLS (tls.connect, http, https, undici all end in net.Socket.prototype.connect) -----------
  const originalConnect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function guardedConnect(...args) {
    // The three call shapes: Node's own normalised array, an options object, or (port, host, callback).
    let options;
    let rebuild;
    if (Array.isArray(args[0])) {
      const original = args[0];
      options = original[0];
      rebuild = (patched) => {
        const copy = [patched, ...original.slice(1)];
        // normalizeArgs marks its array; keep the mark so Node does not normalise it again.
        for (const symbol of Object.getOwnPropertySymbols(original)) copy[symbol] = original[symbol];
        return [copy, ...args.slice(1)];
      };
    } else if (args[0] !== null && typeof args[0] === 'object') {
      options = args[0];
      rebuild = (patched) => [patched, ...args.slice(1)];
    } else if (typeof args[0] === 'string' && !/^\d+$/.test(args[0])) {
      options = { path: args[0] };
    } else {
      options = { port: args[0], host: typeof args[1] === 'string' ? args[1] : undefined };
      const callback = args.find((arg) => typeof arg === 'function');
      rebuild = (patched) => (callback ? [patched, callback] : [patched]);
    }
    // Node dials a pipe (a Unix socket, local by nature) exactly when `path` is truthy.
    if (options && !options.path) {
      const host = options.host ?? options.hostname;
      // A name with the caller's own lookup is not sent to the system resolver; its answer is checked below.
      if (typeof options.lookup !== 'function' || net.isIP(String(host ?? '').replace(/^\[|\]$/g, ''))) checkHost(host, 'a TCP connection');
      // A name (localhost) is resolved by the socket: the answer is checked before it is dialed.
      if (host !== undefined && host !== null && host !== '' && !net.isIP(String(host).replace(/^\[|\]$/g, '')) && rebuild) {
        args = rebuild({ ...options, lookup: checkingLookup(options.lookup ?? dns.lookup, host) });
      }
    }
    return originalConnect.apply(this, args);
  };

  // --- UDP ---------------------------------------------------------------------------------------------
  const originalSend = dgram.Socket.prototype.send;
  dgram.Socket.prototype.send = function guardedSend(...args) {
    let address;
    if (typeof args[1] === 'number' && typeof args[2] === 'number' && args.length >= 4 && typeof args[3] !== 'function') {
      address = args[4]; // send(msg, offset, length, port, address)
    } else if (args[1] !== undefined && typeof args[1] !== 'function') {
      address = args[2]; // send(msg, port, address)
    }
    if (typeof address === 'string') checkHost(address, 'a UDP datagram');
    return originalSend.apply(this, args);
  };
  const originalUdpConnect = dgram.Socket.prototype.connect;
  dgram.Socket.prototype.connect = function guardedUdpConnect(port, address, ...rest) {
    if (typeof address === 'string') checkHost(address, 'a UDP connect');
    return originalUdpConnect.call(this, port, address, ...rest);
  };

  // --- DNS: getaddrinfo (lookup) and c-ares (resolve*) ----------------------------------------------------
  const originalLookup = dns.lookup;
  // Looking up an address literal sends nothing (binding a UDP socket looks up 0.0.0.0); dialing it is
  // what the socket guards check. Names other than localhost are refused before any query.
  const lookupAllowed = (hostname) => {
    if (!net.isIP(String(hostname))) checkHost(hostname, 'a DNS lookup');
  };
  dns.lookup = function guardedLookup(hostname, options, callback) {
    lookupAllowed(hostname);
    if (net.isIP(String(hostname))) return originalLookup(hostname, options, callback);
    if (typeof options === 'function') return checkingLookup(originalLookup, hostname)(hostname, {}, options);
    return checkingLookup(originalLookup, hostname)(hostname, options, callback);
  };
  const originalPromisesLookup = dns.promises.lookup;
  dns.promises.lookup = async function guardedPromisesLookup(hostname, options) {
    lookupAllowed(hostname);
    if (net.isIP(String(hostname))) return originalPromisesLookup(hostname, options);
    const answer = await originalPromisesLookup(hostname, options);
    const answers = Array.isArray(answer) ? answer.map((entry) => entry.address) : [answer.address];
    const outside = answers.find((address) => !isLoopbackAddress(address));
    if (outside !== undefined) throw guardError(`${hostname} resolved to ${outside}`);
    return answer;
  };
  const originalLookupService = dns.lookupService;
  dns.lookupService = function guardedLookupService(address, ...rest) {
    checkHost(address, 'a reverse lookup');
    return originalLookupService.call(this, address, ...rest);
  };

  const serverHost = (server) => {
    const text = String(server);
    const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
    if (bracketed) return bracketed[1];
    if (net.isIP(text)) return text;
    return text.replace(/:\d+$/, '');
  };
  const checkServers = (servers) => {
    for (const server of servers) {
      if (!isLoopbackAddress(serverHost(server))) throw guardError(`a DNS query to the server ${server} refused`);
    }
  };
  const QUERY_METHODS = [
    'resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveCaa', 'resolveCname', 'resolveMx', 'resolveNaptr',
    'resolveNs', 'resolvePtr', 'resolveSoa', 'resolveSrv', 'resolveTxt', 'reverse',
  ];
  for (const prototype of [dns.Resolver.prototype, dns.promises.Resolver.prototype]) {
    for (const method of QUERY_METHODS) {
      const original = prototype[method];
      if (typeof original !== 'function') continue;
      prototype[method] = function guardedQuery(...args) {
        checkServers(this.getServers());
        return original.apply(this, args);
      };
    }
  }
  for (const target of [dns, dns.promises]) {
    for (const method of QUERY_METHODS) {
      const original = target[method];
      if (typeof original !== 'function') continue;
      target[method] = function guardedDefaultQuery(...args) {
        checkServers(target.getServers());
        return original.apply(this, args);
      };
    }
  }

  net.Socket.prototype[INSTALLED] = true;
}

if (!net.Socket.prototype[INSTALLED]) install();

module.exports = { GUARD_CODE, isLoopbackAddress };
