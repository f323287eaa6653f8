/**
 * The emulated network on the wire: real DNS queries (UDP and TCP) to the per-subnet servers, the probe's
 * resolver and sockets, and the loopback listeners standing for the private endpoint and the public address.
 * Every socket here is on 127.0.0.1.
 */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import type { CloudState } from '../../local/cloud/state';
import { SimulatedClock } from '../../local/clock';
import { Latencies } from '../../local/latency';
import { LocalNetwork, publicAddressOf } from '../../local/network';
import { ALL_READY_AT, CONFIGURED_AT, ManualClock, azureProps, builtState, ids } from './fixtures';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dnsPacket = require('dns-packet');

/** A TCP echo server that tags its replies, standing in for one of the OpenAI data-plane listeners. */
async function echoServer(tag: string): Promise<net.Server> {
  const server = net.createServer((socket) => {
    socket.on('error', () => socket.destroy());
    socket.on('data', (data) => socket.write(`${tag}:${data.toString()}`));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  return server;
}

const portOf = (server: net.Server) => (server.address() as net.AddressInfo).port;

async function udpQuery(port: number, name: string, type = 'A'): Promise<any> {
  const socket = dgram.createSocket('udp4');
  try {
    const reply = new Promise<Buffer>((resolve, reject) => {
      socket.once('message', resolve);
      socket.once('error', reject);
      setTimeout(() => reject(new Error('no DNS answer')), 3000).unref();
    });
    socket.send(dnsPacket.encode({ type: 'query', id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name }] }), port, '127.0.0.1');
    return dnsPacket.decode(await reply);
  } finally {
    socket.close();
  }
}

async function tcpQuery(port: number, name: string): Promise<any> {
  const socket = net.connect({ host: '127.0.0.1', port });
  socket.write(dnsPacket.streamEncode({ type: 'query', id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name }] }));
  let buffer = Buffer.alloc(0);
  for await (const chunk of socket) {
    buffer = Buffer.concat([buffer, chunk as Buffer]);
    if (buffer.length >= 2 && buffer.length >= 2 + buffer.readUInt16BE(0)) break;
  }
  socket.destroy();
  return dnsPacket.streamDecode(buffer);
}

/** Writes a line and reads what comes back (or the error / end). */
function exchange(socket: net.Socket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    socket.once('data', (data) => resolve(data.toString()));
    socket.once('error', reject);
    socket.once('end', () => reject(new Error('ended')));
    socket.write(text);
  });
}

describe('LocalNetwork on the wire', () => {
  let state: CloudState;
  let clock: ManualClock;
  let network: LocalNetwork;
  let privateEcho: net.Server;
  let publicEcho: net.Server;

  beforeAll(async () => {
    privateEcho = await echoServer('private');
    publicEcho = await echoServer('public');
  });
  afterAll(async () => {
    await new Promise((done) => privateEcho.close(done));
    await new Promise((done) => publicEcho.close(done));
  });
  beforeEach(() => {
    state = builtState();
    clock = new ManualClock(ALL_READY_AT);
    network = LocalNetwork.start({ state: () => state, clock, latencies: new Latencies(), openAi: { privatePort: portOf(privateEcho), publicPort: portOf(publicEcho) } });
  });
  afterEach(() => network.close());

  it('answers the CNAME and the private endpoint IP over a real UDP query', async () => {
    const server = await network.dnsServerFor(ids.subnetA);
    const reply = await udpQuery(server.port, ids.accountName);
    expect(reply).toMatchObject({ type: 'response', id: 4242, rcode: 'NOERROR', flag_rd: true, flag_ra: true });
    expect(reply.answers.map((a: any) => [a.name, a.type, a.data])).toEqual([
      ['aoai-prod.openai.azure.com', 'CNAME', 'aoai-prod.privatelink.openai.azure.com'],
      ['aoai-prod.privatelink.openai.azure.com', 'A', ids.peIp],
    ]);
  });

  it('answers over TCP on the same port, and NXDOMAIN for other names', async () => {
    const server = await network.dnsServerFor(ids.subnetA);
    const reply = await tcpQuery(server.port, ids.accountName);
    expect(reply.answers.map((a: any) => a.data)).toEqual(['aoai-prod.privatelink.openai.azure.com', ids.peIp]);
    const nx = await udpQuery(server.port, 'example.com');
    expect(nx.rcode).toBe('NXDOMAIN');
    expect(nx.answers).toEqual([]);
    const aaaa = await udpQuery(server.port, ids.accountName, 'AAAA');
    expect(aaaa.rcode).toBe('NOERROR');
    expect(aaaa.answers.map((a: any) => a.type)).toEqual(['CNAME']);
  });

  it('answers at the moment of the query: public address until the path is complete', async () => {
    const server = await network.dnsServerFor(ids.subnetA);
    removeLink();
    let reply = await udpQuery(server.port, ids.accountName);
    expect(reply.answers.map((a: any) => a.data)).toEqual(['aoai-prod.privatelink.openai.azure.com', publicAddressOf(ids.accountId)]);
    state = builtState(); // the clouds replaced their state wholesale
    reply = await udpQuery(server.port, ids.accountName);
    expect(reply.answers[1].data).toBe(ids.peIp);

    function removeLink() {
      delete state.azure.resources[ids.linkId.toLowerCase()];
    }
  });

  it('gives each subnet its own server, and one server per subnet', async () => {
    const a = await network.dnsServerFor(ids.subnetA);
    const b = await network.dnsServerFor(ids.subnetB);
    expect(a.port).not.toBe(b.port);
    expect(await network.dnsServerFor(ids.subnetA)).toBe(a);
    // Subnet B loses its route: only its answers change.
    state.aws.routeTables[0].SubnetIds = [ids.subnetA];
    state.aws.routeTables.push({ RouteTableId: 'rtb-0000000000000002', VpcId: ids.vpcId, SubnetIds: [ids.subnetB], Routes: [], PropagatingVgws: [] });
    state.aws.resolverEndpoints[0].IpAddresses = state.aws.resolverEndpoints[0].IpAddresses.filter((x) => x.SubnetId === ids.subnetA);
    expect((await udpQuery(a.port, ids.accountName)).answers[1].data).toBe(ids.peIp);
    expect((await udpQuery(b.port, ids.accountName)).answers[1].data).toBe(publicAddressOf(ids.accountId));
  });

  it('the probe network resolves through Node\'s resolver and connects to the private endpoint through a listener', async () => {
    const probe = network.probeNetwork(ids.subnetA, 'PEM');
    expect(probe.extraCaPem).toBe('PEM');
    const answer = await probe.resolve(ids.accountName);
    expect(answer).toEqual({ cnames: ['aoai-prod.privatelink.openai.azure.com'], addresses: [ids.peIp] });

    const socket = await probe.connect(answer.addresses[0], 443, 2000);
    expect(socket.remoteAddress).toBe('127.0.0.1');
    expect(await exchange(socket, 'hello')).toBe('private:hello');
    socket.destroy();
  });

  it('the probe network reaches the public address on the Internet path', async () => {
    delete state.azure.resources[ids.recordId.toLowerCase()];
    const probe = network.probeNetwork(ids.subnetA);
    const answer = await probe.resolve(ids.accountName);
    expect(answer.addresses).toEqual([publicAddressOf(ids.accountId)]);
    const socket = await probe.connect(answer.addresses[0], 443, 2000);
    expect(await exchange(socket, 'hi')).toBe('public:hi');
    socket.destroy();
  });

  it('the probe network rejects NXDOMAIN and blocked connections', async () => {
    const probe = network.probeNetwork(ids.subnetA);
    await expect(probe.resolve('nope.openai.azure.com')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    azureProps(state, ids.nsgPeId).securityRules = [];
    await expect(probe.connect(ids.peIp, 443, 2000)).rejects.toMatchObject({ code: 'ETIMEDOUT', message: expect.stringMatching(/nsg-pe .*does not allow TCP 443/) });
    await expect(probe.connect('10.9.9.9', 443, 2000)).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });

  it('a listener resets connections the network refuses at the moment they arrive', async () => {
    const target = await network.targetFor(ids.subnetA, ids.peIp, 443);
    expect(target.host).toBe('127.0.0.1');
    expect(await network.targetFor(ids.subnetA, ids.peIp, 443)).toEqual(target);

    azureProps(state, ids.peSubnetId).privateEndpointNetworkPolicies = 'Disabled';
    const refused = net.connect(target);
    const outcome = await new Promise<string>((resolve) => {
      refused.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      refused.on('data', () => resolve('data'));
      refused.on('connect', () => refused.write('x'));
      refused.on('close', () => resolve('closed'));
    });
    expect(['ECONNRESET', 'closed', 'EPIPE']).toContain(outcome);

    azureProps(state, ids.peSubnetId).privateEndpointNetworkPolicies = 'Enabled';
    const allowed = net.connect(target);
    await new Promise((done) => allowed.once('connect', done));
    expect(await exchange(allowed, 'again')).toBe('private:again');
    allowed.destroy();
  });

  it('refuses through the listener until the tunnel is up', async () => {
    clock.t = CONFIGURED_AT + 119;
    const probe = network.probeNetwork(ids.subnetA);
    await expect(probe.connect(ids.peIp, 443, 2000)).rejects.toMatchObject({ message: expect.stringMatching(/no VPN tunnel is up/) });
    clock.t = CONFIGURED_AT + 200;
    const socket = await probe.connect(ids.peIp, 443, 2000);
    expect(await exchange(socket, 'up')).toBe('private:up');
    socket.destroy();
  });

  it('close() stops every server', async () => {
    const server = await network.dnsServerFor(ids.subnetA);
    const target = await network.targetFor(ids.subnetA, ids.peIp, 443);
    await network.close();
    for (const port of [server.port, target.port]) {
      await expect(
        new Promise((resolve, reject) => net.connect({ host: '127.0.0.1', port }).on('connect', resolve).on('error', reject)),
      ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    }
    await expect(network.dnsServerFor(ids.subnetA)).rejects.toThrow(/closed/);
  });
});

describe('with the simulated clock', () => {
  it('reports the tunnel DOWN until 120 simulated seconds after configuration, then UP', async () => {
    const state = builtState();
    const clock = new SimulatedClock(CONFIGURED_AT);
    const network = LocalNetwork.start({ state: () => state, clock, latencies: new Latencies(), openAi: { privatePort: 1, publicPort: 1 } });
    await clock.sleep(119);
    expect(network.model.awsTunnelTelemetry(ids.vpnId).map((t) => t.Status)).toEqual(['DOWN', 'DOWN']);
    await clock.sleep(1);
    expect(clock.now()).toBe(CONFIGURED_AT + 120);
    expect(network.model.awsTunnelTelemetry(ids.vpnId).map((t) => t.Status)).toEqual(['UP', 'UP']);
    await network.close();
  });
});
