/**
 * Fixtures for the probe's tests: a data plane of our own (HTTPS on 127.0.0.1 with a certificate made here,
 * valid only for `*.openai.azure.com`), and a ProbeNetwork whose DNS answers what a test says and whose TCP
 * dials loopback listeners standing for the private addresses. No private address is ever dialled.
 */
import { webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import * as path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { EC2Client } from '@aws-sdk/client-ec2';
import * as x509 from '@peculiar/x509';
import type { DnsAnswer, ProbeNetwork } from '../../functions/probe/network';
import type { ProbeCode, StepInput } from '../../functions/probe-runner/probe-runner';
import { greenfieldHub } from '../../functions/commons/hub';

const crypto = webcrypto;
x509.cryptoProvider.set(crypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface TestTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

const pem = (der: ArrayBuffer, label: string) =>
  `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;

/** A CA and a server certificate for `*.openai.azure.com` only: no localhost, no IP, so SNI and name checks matter. */
export async function makeTls(): Promise<TestTls> {
  const notBefore = new Date(Date.now() - 3_600_000);
  const notAfter = new Date(Date.now() + 86_400_000);
  const caKeys = (await crypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=probe test CA',
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  const serverKeys = (await crypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const server = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: 'CN=*.openai.azure.com',
    issuer: ca.subject,
    notBefore,
    notAfter,
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: '*.openai.azure.com' }]),
    ],
  });
  return { caPem: ca.toString('pem') + '\n', certPem: server.toString('pem') + '\n', keyPem: pem(await crypto.subtle.exportKey('pkcs8', serverKeys.privateKey), 'PRIVATE KEY') };
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The TLS server name the client asked for (SNI). */
  servername: string | false | null | undefined;
}

export type Answer = (req: SeenRequest, res: import('node:http').ServerResponse) => void;

/** The data plane: answers each request with the current `answer`, and keeps what it saw. */
export class DataPlane {
  readonly seen: SeenRequest[] = [];
  answer: Answer = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"choices":[]}');
  private readonly sockets = new Set<net.Socket>();
  private constructor(private readonly server: https.Server) {}

  static async start(tls: TestTls): Promise<DataPlane> {
    const server = https.createServer({ cert: tls.certPem, key: tls.keyPem });
    const plane = new DataPlane(server);
    server.on('secureConnection', (socket) => {
      plane.sockets.add(socket);
      socket.on('close', () => plane.sockets.delete(socket));
      socket.on('error', () => undefined);
    });
    server.on('tlsClientError', () => undefined);
    server.on('request', (req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        const seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, servername: (req.socket as TLSSocket).servername };
        plane.seen.push(seen);
        plane.answer(seen, res);
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    return plane;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Established TLS connections still open on the server side. */
  get openConnections(): number {
    return this.sockets.size;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((done) => this.server.close(done));
  }
}

/** A loopback port nothing listens on (bound, then released), so connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

/** A loopback listener that accepts TCP and never says a word (no TLS handshake, no answer). */
export async function silentListener(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((done) => server.close(done));
    },
  };
}

/** How an address behaves on TCP: a loopback port to dial, or a SYN that is never answered. */
export type Route = number | 'blackhole';

export interface Connect {
  ip: string;
  port: number;
  timeoutMs: number;
}

/**
 * A ProbeNetwork for tests: `resolve` gives `dns` (or rejects with it), `connect` dials the loopback port routed for
 * the address (an unrouted address, or 'blackhole', never connects and rejects after timeoutMs as the
 * interface says). Every call is kept.
 */
export class TestNetwork implements ProbeNetwork {
  readonly resolved: string[] = [];
  readonly connects: Connect[] = [];

  constructor(
    public dns: DnsAnswer | Error,
    private readonly routes: Record<string, Route>,
    public extraCaPem?: string,
  ) {}

  async resolve(name: string): Promise<DnsAnswer> {
    this.resolved.push(name);
    if (this.dns instanceof Error) throw this.dns;
    return this.dns;
  }

  connect(ip: string, port: number, timeoutMs: number): Promise<net.Socket> {
    this.connects.push({ ip, port, timeoutMs });
    const route = this.routes[ip] ?? 'blackhole';
    return new Promise((resolve, reject) => {
      if (route === 'blackhole') {
        setTimeout(() => reject(Object.assign(new Error(`connect ETIMEDOUT ${ip}:${port}`), { code: 'ETIMEDOUT' })), timeoutMs);
        return;
      }
      const socket = net.connect({ host: '127.0.0.1', port: route });
      socket.once('connect', () => resolve(socket));
      socket.once('error', reject);
    });
  }
}

export const dnsError = (code: string) => Object.assign(new Error(`queryA ${code} aoai-prod.openai.azure.com`), { code });

// ---- the probe runner's fixtures -----------------------------------------------------------------------

export const DEFAULT_REQUEST = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'events', 'new-environment.json'), 'utf8'));

/** What "Check the request against both clouds" reads for the default world. */
export const DEFAULT_FACTS = { vpcCidrs: ['172.17.0.0/16'], vnetAddressPrefixes: ['192.168.0.0/16'], location: 'japaneast', openAiHost: 'aoai-prod.openai.azure.com' };

export const CODE: ProbeCode = { roleArn: 'arn:aws:iam::123456789012:role/aoai-link-probe', s3Bucket: 'cdk-assets-123456789012', s3Key: 'probe-0a1b2c.zip' };

/** The step input for the default request, changed by `patch`. */
export function stepInput(patch: (request: any) => void = () => undefined): StepInput {
  const request = JSON.parse(JSON.stringify(DEFAULT_REQUEST));
  patch(request);
  return { request, facts: { ...DEFAULT_FACTS, hub: greenfieldHub(request) } };
}

/** EC2 with the SDK's retries off, as the product's clients build it (functions/commons/clients.ts). */
export const ec2OnceAt = (endpoint: string) =>
  new EC2Client({ endpoint, region: 'ap-northeast-1', credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-secret' }, maxAttempts: 1 });
