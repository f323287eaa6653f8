/**
 * An account holds other teams' VPN connections too. The steps that read our VPN connection by its id must read
 * that one: the route is added to it and its tunnel addresses are the ones reported, and the tunnel check judges
 * our tunnels by our connection's telemetry, never by the first connection the account lists.
 */
import { completeVpnConnection } from '../../functions/aws-vpn/aws-vpn';
import { checkTunnels } from '../../functions/tunnels/tunnels';
import type { CloudState, VpnConnection } from '../../local/cloud/state';
import { resumeVpn, saveBuiltVpn, tunnelInput, type SavedVpn, type VpnClouds } from './vpn-support';

let saved: SavedVpn;
let h: VpnClouds | undefined;

beforeAll(async () => {
  saved = await saveBuiltVpn();
}, 60_000);

afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Another team's connection, listed before ours, on its own gateways and addresses, its tunnels down. */
function foreignConnectionFirst(state: CloudState): VpnConnection {
  const ours = state.aws.vpnConnections.find((v) => v.VpnConnectionId === saved.built.vpnConnectionId)!;
  const foreign: VpnConnection = JSON.parse(JSON.stringify(ours));
  foreign.VpnConnectionId = 'vpn-0000000000000f0e1';
  foreign.CustomerGatewayId = 'cgw-0000000000000f0e1';
  foreign.VpnGatewayId = 'vgw-0000000000000f0e1';
  foreign.Tags = [{ Key: 'Name', Value: 'another-team-vpn' }];
  foreign.Routes = [{ DestinationCidrBlock: '10.99.0.0/16', createdAt: 0 }];
  foreign.Tunnels.forEach((tunnel, index) => {
    tunnel.OutsideIpAddress = `198.51.100.${10 + index}`;
  });
  state.aws.vpnConnections.unshift(foreign);
  return foreign;
}

test("completing the VPN connection adds the VNet route to ours and reports our tunnels' addresses", async () => {
  let foreign: VpnConnection | undefined;
  h = await resumeVpn(saved, (state) => {
    foreign = foreignConnectionFirst(state);
    state.aws.vpnConnections.find((v) => v.VpnConnectionId === saved.built.vpnConnectionId)!.Routes = [];
  });
  const completed = await completeVpnConnection(h.ec2, { request: saved.built.request, facts: saved.built.facts, vpnConnectionId: saved.built.vpnConnectionId });
  expect(completed.tunnels).toEqual(saved.built.tunnels);
  const ours = h.state.aws.vpnConnections.find((v) => v.VpnConnectionId === saved.built.vpnConnectionId)!;
  expect(ours.Routes.map((r) => r.DestinationCidrBlock)).toEqual(saved.built.facts.vnetAddressPrefixes);
  const theirs = h.state.aws.vpnConnections.find((v) => v.VpnConnectionId === foreign!.VpnConnectionId)!;
  expect(theirs.Routes.map((r) => r.DestinationCidrBlock)).toEqual(['10.99.0.0/16']);
});

test("the tunnel check reads our connection's telemetry, not the first connection's of the account", async () => {
  h = await resumeVpn(saved, foreignConnectionFirst);
  const checked = await checkTunnels(h.arm, h.ec2, h.secrets, { ...tunnelInput(saved.built), attempt: 0, maxAttempts: 10 });
  expect(checked.ready).toBe(true);
  expect(checked.tunnels.map((t) => [t.outsideIp, t.aws])).toEqual(saved.built.tunnels.map((t) => [t.outsideIp, 'UP']));
});
