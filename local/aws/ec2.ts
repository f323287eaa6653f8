/** The EC2 query protocol: which actions the emulator answers, and which of them change state. */
import type { EmulatorContext } from '../cloud/context';
import { AwsServiceError } from './errors';
import type { Ec2Handler } from './ec2-common';
import {
  createRoute, createTags, deleteRoute, describeRouteTables, describeSubnets, describeVpcs, disableVgwRoutePropagation, enableVgwRoutePropagation,
} from './ec2-network';
import { deleteNetworkInterface, describeNetworkInterfaces } from './ec2-interfaces';
import { authorizeSecurityGroupEgress, createSecurityGroup, deleteSecurityGroup, describeSecurityGroups, revokeSecurityGroupEgress } from './ec2-security';
import {
  attachVpnGateway, createCustomerGateway, createVpnConnection, createVpnConnectionRoute, createVpnGateway, deleteCustomerGateway,
  deleteVpnConnection, deleteVpnGateway, describeCustomerGateways, describeVpnConnections, describeVpnGateways, detachVpnGateway,
} from './ec2-vpn';
import { ec2ErrorXml, ec2ResponseXml } from './ec2-xml';
import { QueryParams } from './query';

const ACTIONS: Record<string, { handler: Ec2Handler; mutating: boolean }> = {
  DescribeVpcs: { handler: describeVpcs, mutating: false },
  DescribeSubnets: { handler: describeSubnets, mutating: false },
  DescribeRouteTables: { handler: describeRouteTables, mutating: false },
  EnableVgwRoutePropagation: { handler: enableVgwRoutePropagation, mutating: true },
  DisableVgwRoutePropagation: { handler: disableVgwRoutePropagation, mutating: true },
  CreateRoute: { handler: createRoute, mutating: true },
  CreateTags: { handler: createTags, mutating: true },
  CreateCustomerGateway: { handler: createCustomerGateway, mutating: true },
  DescribeCustomerGateways: { handler: describeCustomerGateways, mutating: false },
  CreateVpnGateway: { handler: createVpnGateway, mutating: true },
  DescribeVpnGateways: { handler: describeVpnGateways, mutating: false },
  AttachVpnGateway: { handler: attachVpnGateway, mutating: true },
  CreateVpnConnection: { handler: createVpnConnection, mutating: true },
  CreateVpnConnectionRoute: { handler: createVpnConnectionRoute, mutating: true },
  DescribeVpnConnections: { handler: describeVpnConnections, mutating: false },
  CreateSecurityGroup: { handler: createSecurityGroup, mutating: true },
  DescribeSecurityGroups: { handler: describeSecurityGroups, mutating: false },
  AuthorizeSecurityGroupEgress: { handler: authorizeSecurityGroupEgress, mutating: true },
  RevokeSecurityGroupEgress: { handler: revokeSecurityGroupEgress, mutating: true },
  DescribeNetworkInterfaces: { handler: describeNetworkInterfaces, mutating: false },
  DeleteRoute: { handler: deleteRoute, mutating: true },
  DeleteVpnConnection: { handler: deleteVpnConnection, mutating: true },
  DetachVpnGateway: { handler: detachVpnGateway, mutating: true },
  DeleteVpnGateway: { handler: deleteVpnGateway, mutating: true },
  DeleteCustomerGateway: { handler: deleteCustomerGateway, mutating: true },
  DeleteSecurityGroup: { handler: deleteSecurityGroup, mutating: true },
  DeleteNetworkInterface: { handler: deleteNetworkInterface, mutating: true },
};

/** Parameters naming the call's target, for fault keys (`CreateVpnConnectionRoute vpn-...`). */
const TARGET_PARAMS = ['VpnConnectionId', 'VpnGatewayId', 'CustomerGatewayId', 'GroupId', 'RouteTableId', 'VpcId', 'IpAddress', 'GroupName', 'NetworkInterfaceId', 'ResourceId.1', 'VpnConnectionId.1'];

export interface Ec2Call {
  action: string;
  target: string;
  mutating: boolean;
  params: QueryParams;
}

export function identifyEc2(body: string): Ec2Call {
  const params = new QueryParams(body);
  const action = params.get('Action') ?? '';
  const target = TARGET_PARAMS.map((name) => params.get(name)).find((v) => v !== undefined) ?? '';
  const mutating = (ACTIONS[action]?.mutating ?? false) && !params.bool('DryRun');
  return { action, target, mutating, params };
}

export function runEc2(ctx: EmulatorContext, call: Ec2Call, requestId: string): string {
  const entry = ACTIONS[call.action];
  if (!entry) {
    throw new AwsServiceError('InvalidAction', `The action ${call.action || '(none)'} is not valid for this web service.`);
  }
  if (call.params.bool('DryRun')) {
    // EC2 answers a dry run with an error even when the call would succeed; nothing is changed.
    throw new AwsServiceError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
  }
  return ec2ResponseXml(call.action, requestId, entry.handler(ctx, call.params));
}

export function ec2ErrorBody(error: AwsServiceError, requestId: string): string {
  return ec2ErrorXml(error.code, error.message, requestId);
}

/** EC2's answers to injected faults (RequestLimitExceeded is answered with 503, as the EC2 docs list it). */
export function ec2Fault(kind: 'throttle' | 'error5xx', seq: number): AwsServiceError {
  if (kind === 'throttle') return new AwsServiceError('RequestLimitExceeded', 'Request limit exceeded.', 503);
  return seq % 2 === 0
    ? new AwsServiceError('InternalError', 'An internal error has occurred', 500)
    : new AwsServiceError('Unavailable', 'The server is overloaded and can\'t handle the request.', 503);
}
