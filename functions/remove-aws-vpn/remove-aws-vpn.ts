/**
 * Removes the AWS side of the site-to-site VPN, in the order EC2 allows: the VPN connections (one, or two with
 * BGP routing; each one's two tunnels go with it), the virtual private gateway's attachment to the request's VPC,
 * the gateway, the customer gateways;
 * then the tunnel keys are scheduled for deletion with a recovery window. Each gateway and connection is found
 * by its Name tag, as aws-vpn.ts and the request check find them, and is removed only when it carries our tags.
 * EC2 keeps a deleted gateway or connection visible for a while in state `deleted`: that counts as gone.
 */
import {
  DeleteCustomerGatewayCommand,
  DeleteVpnConnectionCommand,
  DeleteVpnGatewayCommand,
  DescribeCustomerGatewaysCommand,
  DescribeVpnConnectionsCommand,
  DescribeVpnGatewaysCommand,
  DetachVpnGatewayCommand,
  type EC2Client,
  type VpnGateway,
} from '@aws-sdk/client-ec2';
import { DeleteSecretCommand, DescribeSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { absent, deleteOrWait, left, oursOrOutcome, removed, whyNotOurs, type FoundResource } from '../commons/aws-removal';
import { cloudErrorCode, isNotFound } from '../commons/cloud-errors';
import { ResourceConflict, ResourceNotReady } from '../commons/errors';
import { invocationLog } from '../commons/logger';
import { resourceNames, resourceNamesOfAnyRouting } from '../commons/naming';
import { carriesOurTags, tagObject } from '../commons/ownership';
import { TUNNEL_KEY_RECOVERY_WINDOW_DAYS, type RemovalInput, type RemovalOutcome } from '../commons/teardown-data';

const byName = (...names: string[]) => [{ Name: 'tag:Name', Values: names }];

interface StatefulResource extends FoundResource {
  state: string;
}

/**
 * The common shape of the three EC2 removals: among what carries the name, ours that is not yet `deleted`
 * gets its deletion started (once: not again while `deleting`), and the step waits until it is `deleted`.
 */
async function removeStateful(
  what: string,
  found: StatefulResource[],
  environmentId: string,
  startDeletion: (resource: StatefulResource) => Promise<void>,
): Promise<RemovalOutcome> {
  const going = found.filter((resource) => resource.state !== 'deleted');
  const { ours, outcome } = oursOrOutcome(going, environmentId);
  if (outcome) {
    if (outcome.outcome === 'left') return outcome;
    const gone = found.find((resource) => resource.state === 'deleted' && carriesOurTags(resource.tags, environmentId));
    return gone ? removed(gone.id) : absent();
  }
  for (const resource of ours) {
    if (resource.state !== 'deleting') await startDeletion(resource);
  }
  throw new ResourceNotReady(`${what} ${ours.map((r) => r.id).join(', ')} is being deleted`);
}

/** Every VPN connection of the environment (one, or two with BGP), whose deletions EC2 runs side by side. */
export async function removeVpnConnection(ec2: EC2Client, input: RemovalInput): Promise<RemovalOutcome> {
  const names = resourceNamesOfAnyRouting(input.request).aws.vpnConnections;
  const connections = (await ec2.send(new DescribeVpnConnectionsCommand({ Filters: byName(...names) }))).VpnConnections ?? [];
  return removeStateful(
    `VPN connection (${names.join(', ')})`,
    connections.map((c) => ({ id: c.VpnConnectionId ?? '', tags: tagObject(c.Tags), state: c.State ?? '' })),
    input.request.environmentId,
    async ({ id }) => {
      await deleteOrWait(`VPN connection ${id}`, () => ec2.send(new DeleteVpnConnectionCommand({ VpnConnectionId: id })));
    },
  );
}

/**
 * Before a gateway goes, the VPN connections that still use it: ours (not yet deleted) go first, so the step
 * waits; one that is not ours will never go, so the teardown stops and names it instead of waiting it out.
 */
async function refuseWhileConnectionsUse(ec2: EC2Client, what: string, filter: 'customer-gateway-id' | 'vpn-gateway-id', id: string, environmentId: string) {
  const using = (
    (await ec2.send(new DescribeVpnConnectionsCommand({ Filters: [{ Name: filter, Values: [id] }, { Name: 'state', Values: ['pending', 'available', 'deleting'] }] })))
      .VpnConnections ?? []
  ).map((c) => ({ id: c.VpnConnectionId ?? '', tags: tagObject(c.Tags) }));
  const theirs = using.filter((c) => !carriesOurTags(c.tags, environmentId));
  if (theirs.length > 0) {
    throw new ResourceConflict(
      `${what} is used by VPN connection ${theirs.map((c) => c.id).join(', ')}, which this environment did not create; delete that connection or leave the gateway, then re-run the teardown`,
    );
  }
  if (using.length > 0) throw new ResourceNotReady(`${what} is still used by VPN connection ${using.map((c) => c.id).join(', ')}, which is being deleted`);
}

async function vpnGatewaysNamed(ec2: EC2Client, name: string): Promise<VpnGateway[]> {
  return (await ec2.send(new DescribeVpnGatewaysCommand({ Filters: byName(name) }))).VpnGateways ?? [];
}

const gatewayResource = (gateway: VpnGateway): StatefulResource => ({ id: gateway.VpnGatewayId ?? '', tags: tagObject(gateway.Tags), state: gateway.State ?? '' });

/** Detaches our gateway from the request's VPC only; an attachment to any other VPC is not touched. */
export async function detachVpnGateway(ec2: EC2Client, input: RemovalInput): Promise<RemovalOutcome> {
  const name = resourceNames(input.request).aws.vpnGateway;
  const vpcId = input.request.aws.vpcId;
  const gateways = (await vpnGatewaysNamed(ec2, name)).filter((g) => g.State !== 'deleted');
  const { ours, outcome } = oursOrOutcome(gateways.map((g) => ({ ...gatewayResource(g), gateway: g })), input.request.environmentId);
  if (outcome) return outcome;
  let detached: string | undefined;
  for (const { id, gateway } of ours) {
    const attachment = gateway.VpcAttachments?.find((a) => a.VpcId === vpcId);
    switch (attachment?.State) {
      case undefined:
        continue;
      case 'detached':
        detached = id;
        continue;
      case 'detaching':
        throw new ResourceNotReady(`Virtual private gateway ${id} is detaching from ${vpcId}`);
      default:
        // Attaching or attached. EC2 refuses a detach while attaching (IncorrectState), which waits; an
        // attachment already gone (a lost answer retried: InvalidVpnGatewayAttachment.NotFound) is done.
        await deleteOrWait(`The attachment of virtual private gateway ${id} to ${vpcId}`, () =>
          ec2.send(new DetachVpnGatewayCommand({ VpnGatewayId: id, VpcId: vpcId })),
        );
        throw new ResourceNotReady(`Virtual private gateway ${id} is detaching from ${vpcId}`);
    }
  }
  return detached ? removed(detached) : absent();
}

export async function removeVpnGateway(ec2: EC2Client, input: RemovalInput): Promise<RemovalOutcome> {
  const name = resourceNames(input.request).aws.vpnGateway;
  const gateways = await vpnGatewaysNamed(ec2, name);
  return removeStateful(`Virtual private gateway (${name})`, gateways.map(gatewayResource), input.request.environmentId, async ({ id }) => {
    const gateway = gateways.find((g) => g.VpnGatewayId === id)!;
    const elsewhere = (gateway.VpcAttachments ?? []).filter((a) => a.State !== 'detached' && a.VpcId !== input.request.aws.vpcId);
    if (elsewhere.length > 0) {
      // Someone attached our gateway to a VPC the request does not name: that attachment is not ours to undo.
      throw new ResourceConflict(
        `Virtual private gateway ${id} (${name}) is attached to ${elsewhere.map((a) => a.VpcId).join(', ')}, which this environment did not attach; detach it there, then re-run the teardown`,
      );
    }
    if ((gateway.VpcAttachments ?? []).some((a) => a.State !== 'detached')) {
      throw new ResourceNotReady(`Virtual private gateway ${id} is still attached to ${input.request.aws.vpcId}`);
    }
    await refuseWhileConnectionsUse(ec2, `Virtual private gateway ${id}`, 'vpn-gateway-id', id, input.request.environmentId);
    await deleteOrWait(`Virtual private gateway ${id}`, () => ec2.send(new DeleteVpnGatewayCommand({ VpnGatewayId: id })));
  });
}

/** Every customer gateway of the environment (one per Azure gateway instance it uses), deleted side by side. */
export async function removeCustomerGateway(ec2: EC2Client, input: RemovalInput): Promise<RemovalOutcome> {
  const names = resourceNamesOfAnyRouting(input.request).aws.customerGateways;
  const gateways = (await ec2.send(new DescribeCustomerGatewaysCommand({ Filters: byName(...names) }))).CustomerGateways ?? [];
  return removeStateful(
    `Customer gateway (${names.join(', ')})`,
    gateways.map((g) => ({ id: g.CustomerGatewayId ?? '', tags: tagObject(g.Tags), state: g.State ?? '' })),
    input.request.environmentId,
    async ({ id }) => {
      await refuseWhileConnectionsUse(ec2, `Customer gateway ${id}`, 'customer-gateway-id', id, input.request.environmentId);
      // A connection made between the look and the call: EC2 refuses (IncorrectState), which waits.
      await deleteOrWait(`Customer gateway ${id}`, () => ec2.send(new DeleteCustomerGatewayCommand({ CustomerGatewayId: id })));
    },
  );
}

/** One tunnel key: scheduled for deletion with the recovery window when ours; already scheduled is done. */
async function scheduleSecretDeletion(secrets: SecretsManagerClient, environmentId: string, secretName: string): Promise<RemovalOutcome> {
  const describe = async () => {
    try {
      return await secrets.send(new DescribeSecretCommand({ SecretId: secretName }));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };
  const secret = await describe();
  if (!secret?.ARN) return absent();
  const tags = tagObject(secret.Tags);
  if (!carriesOurTags(tags, environmentId)) return left(secret.ARN, whyNotOurs(tags, environmentId));
  if (secret.DeletedDate) return removed(secret.ARN);
  try {
    await secrets.send(new DeleteSecretCommand({ SecretId: secret.ARN, RecoveryWindowInDays: TUNNEL_KEY_RECOVERY_WINDOW_DAYS }));
    invocationLog().info('deletion scheduled', { tunnelKeySecret: secret.ARN, recoveryWindowInDays: TUNNEL_KEY_RECOVERY_WINDOW_DAYS });
  } catch (error) {
    // A resent call whose first answer was lost finds it scheduled (InvalidRequestException) or gone: look again.
    if (!isNotFound(error) && cloudErrorCode(error) !== 'InvalidRequestException') throw error;
    const after = await describe();
    if (after && !after.DeletedDate) throw error;
  }
  return removed(secret.ARN);
}

export async function scheduleTunnelKeyDeletion(
  secrets: SecretsManagerClient,
  input: RemovalInput,
): Promise<{ secrets: RemovalOutcome[]; recoveryWindowInDays: number }> {
  const outcomes: RemovalOutcome[] = [];
  for (const secretName of resourceNamesOfAnyRouting(input.request).aws.pskSecretNames) {
    outcomes.push(await scheduleSecretDeletion(secrets, input.request.environmentId, secretName));
  }
  return { secrets: outcomes, recoveryWindowInDays: TUNNEL_KEY_RECOVERY_WINDOW_DAYS };
}
