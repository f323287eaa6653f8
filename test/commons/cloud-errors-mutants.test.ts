/**
 * Every code and status the classifier knows, one at a time: changing any entry of its tables, or the order
 * in which it reads them, turns one of these cases into another class. The errors are shaped as the SDKs
 * build them: Azure's RestError (`code`, `statusCode`), AWS's ServiceException (`name`, `$metadata`,
 * `$retryable`), Node's socket errors (`code`) and the DOMException an aborted fetch throws (`name`).
 */
import { RestError } from '@azure/core-rest-pipeline';
import {
  cloudErrorCode,
  httpStatusOf,
  isNotFound,
  missingPermission,
  permissionAdvice,
  rememberSecret,
  scrub,
  toWorkflowError,
} from '../../functions/commons/cloud-errors';
import { PermissionDenied, ResourceFailed, ResourceNotReady, TransientCloudError } from '../../functions/commons/errors';

/** What ARM's answer becomes in @azure/core-rest-pipeline. */
const arm = (statusCode: number, code: string, message = 'ARM said no') => new RestError(message, { code, statusCode });

/** What an AWS SDK v3 client throws for a service's error answer. */
function aws(name: string, httpStatusCode: number | undefined, extra: Record<string, unknown> = {}) {
  return Object.assign(new Error('AWS said no'), { name, $metadata: { httpStatusCode }, $fault: 'client', ...extra });
}

/** What Node's socket layer throws when there is no answer. */
const socket = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code });

/** The class a classified error ends up in: what the state machine's Retry matches is its name. */
function classOf(error: unknown): string {
  const named = toWorkflowError(error, 'the step');
  if (named instanceof PermissionDenied) return 'PermissionDenied';
  if (named instanceof ResourceNotReady) return 'ResourceNotReady';
  if (named instanceof TransientCloudError) return 'TransientCloudError';
  return `service:${named.name}`;
}

describe('throttling codes are transient whatever status they come with', () => {
  it.each([
    'RequestLimitExceeded',
    'Throttling',
    'ThrottlingException',
    'TooManyRequestsException',
    'TooManyRequests',
    'ProvisionedThroughputExceededException',
    'SubscriptionRequestsThrottled',
  ])('%s at 400 (AWS) and as ARM code at 409', (code) => {
    expect(classOf(aws(code, 400))).toBe('TransientCloudError');
    expect(classOf(arm(409, code))).toBe('TransientCloudError');
  });

  it('a code that only contains a throttling word is not transient', () => {
    expect(classOf(aws('ThrottlingPolicyInvalid', 400))).toBe('service:ThrottlingPolicyInvalid');
    expect(classOf(arm(400, 'NotThrottling'))).toBe('service:NotThrottling');
  });
});

describe('status alone: 429 and every 5xx are transient, other 4xx are not', () => {
  it.each([429, 500, 501, 502, 503, 504, 599])('HTTP %i with an unknown code is transient', (status) => {
    expect(classOf(arm(status, 'SomethingUnheardOf'))).toBe('TransientCloudError');
    expect(classOf(aws('SomethingUnheardOf', status))).toBe('TransientCloudError');
  });

  it.each([400, 404, 409, 412, 428, 430, 499])('HTTP %i with an unknown code keeps its code', (status) => {
    expect(classOf(arm(status, 'SomethingUnheardOf'))).toBe('service:SomethingUnheardOf');
    expect(classOf(aws('SomethingUnheardOf', status))).toBe('service:SomethingUnheardOf');
  });

  it('an AWS error the SDK marked retryable is transient; the same error without the mark is not', () => {
    expect(classOf(aws('IdempotentParameterMismatch', 400, { $retryable: {} }))).toBe('TransientCloudError');
    expect(classOf(aws('IdempotentParameterMismatch', 400))).toBe('service:IdempotentParameterMismatch');
    expect(classOf(aws('IdempotentParameterMismatch', 400, { $retryable: undefined }))).toBe('service:IdempotentParameterMismatch');
  });
});

describe('a request that got no answer is transient by its code', () => {
  it.each([
    'ECONNRESET',
    'ECONNREFUSED',
    'ETIMEDOUT',
    'EPIPE',
    'ECONNABORTED',
    'EAI_AGAIN',
    'ENOTFOUND',
    'EHOSTUNREACH',
    'ENETUNREACH',
    'UND_ERR_SOCKET',
    'REQUEST_SEND_ERROR',
    'TimeoutError',
  ])('%s as the error code', (code) => {
    expect(classOf(socket(code))).toBe('TransientCloudError');
  });

  it('TimeoutError as the name of an abort (a DOMException, whose code is a number)', () => {
    const aborted = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(typeof aborted.code).toBe('number');
    expect(classOf(aborted)).toBe('TransientCloudError');
    // The same numeric code with another name is not a lost answer.
    expect(classOf(new DOMException('bad state', 'InvalidStateError'))).not.toBe('TransientCloudError');
  });

  it('a socket-like code that is not in the list, and a plain error without code, are not transient', () => {
    expect(classOf(socket('EACCES'))).toBe('service:EACCES');
    expect(classOf(new Error('the network is down, probably'))).toBe('service:Error');
  });
});

describe("the AWS SDK's wrapper of a socket error inside a sandboxed realm", () => {
  const wrapped = (extra: Record<string, unknown> = {}) =>
    Object.assign(new Error('AWS SDK error wrapper for Error: connect ECONNREFUSED 127.0.0.1:1'), { $metadata: {}, ...extra });

  it('is transient when it carries no code and no status', () => {
    expect(classOf(wrapped())).toBe('TransientCloudError');
  });

  it('is not transient once a service answered (a status) or named a code', () => {
    expect(classOf(wrapped({ $metadata: { httpStatusCode: 400 } }))).toBe('service:Error');
    expect(classOf(wrapped({ code: 'InvalidParameterValue' }))).toBe('service:InvalidParameterValue');
  });

  it('is recognised by the prefix only, not by the words anywhere in the message', () => {
    expect(classOf(new Error('Error: AWS SDK error wrapper for Error: connect ECONNREFUSED'))).toBe('service:Error');
    expect(classOf(new Error('connect ECONNREFUSED, AWS SDK error wrapper for '))).toBe('service:Error');
  });
});

describe('Azure answers that mean "not yet", never "failed"', () => {
  it.each(['AnotherOperationInProgress', 'ReferencedResourceNotProvisioned', 'RetryableError'])('%s', (code) => {
    expect(classOf(arm(409, code))).toBe('ResourceNotReady');
    expect(classOf(arm(400, code))).toBe('ResourceNotReady');
  });

  it('not-ready is decided before the status: at 429 or 500 it is still ResourceNotReady', () => {
    expect(classOf(arm(429, 'AnotherOperationInProgress'))).toBe('ResourceNotReady');
    expect(classOf(arm(500, 'RetryableError'))).toBe('ResourceNotReady');
  });
});

describe('permission codes of each cloud', () => {
  it.each([
    ['ARM', () => arm(403, 'AuthorizationFailed')],
    ['ARM linked', () => arm(403, 'LinkedAuthorizationFailed')],
    ['AWS', () => aws('AccessDenied', 403)],
    ['AWS JSON', () => aws('AccessDeniedException', 400)],
    ['EC2', () => aws('UnauthorizedOperation', 403)],
  ])('%s: PermissionDenied', (_cloud, make) => {
    expect(classOf(make())).toBe('PermissionDenied');
  });

  it('a permission refusal answered with a 5xx status is still a permission refusal', () => {
    expect(classOf(arm(500, 'AuthorizationFailed'))).toBe('PermissionDenied');
  });

  it('a 403 with another code is not a permission refusal', () => {
    expect(classOf(arm(403, 'RequestDisallowedByPolicy'))).toBe('service:RequestDisallowedByPolicy');
  });
});

describe('what is left keeps the service code as its name, when it is a plain identifier', () => {
  it.each([
    ['InvalidResourceReference', 'InvalidResourceReference'],
    ['Resource.AlreadyAssociated', 'Resource.AlreadyAssociated'],
    ['X', 'X'],
    ['9LeadingDigit', 'CloudApiError'],
    ['.LeadingDot', 'CloudApiError'],
    ['Trailing-Dash', 'CloudApiError'],
    ['With Space', 'CloudApiError'],
    ['', 'CloudApiError'],
  ])('%j → %s', (code, name) => {
    const named = toWorkflowError(arm(400, code), 'the step');
    expect(named.constructor).toBe(Error);
    expect(named.name).toBe(name);
  });

  it('the message names the step, the code and the status, and none when there is no status', () => {
    expect(toWorkflowError(arm(400, 'QuotaExceeded', 'over quota'), 'azure-network.createGatewaySubnetAndPublicIp').message).toBe(
      'azure-network.createGatewaySubnetAndPublicIp: QuotaExceeded (HTTP 400): over quota',
    );
    expect(toWorkflowError(socket('ENOTFOUND'), 'tunnels.check').message).toBe('tunnels.check: ENOTFOUND: connect ENOTFOUND 127.0.0.1:1');
  });

  it('something that is not an error at all still becomes a named error', () => {
    const named = toWorkflowError(undefined, 'the step');
    expect(named.name).toBe('Error');
    expect(named.message).toBe('the step: Error: undefined');
    expect(toWorkflowError('a string thrown', 'the step').message).toBe('the step: Error: a string thrown');
  });
});

describe('the reading of codes and statuses', () => {
  it('Azure code first, then the AWS name, then "Error"', () => {
    expect(cloudErrorCode(arm(400, 'InvalidParameter'))).toBe('InvalidParameter');
    expect(cloudErrorCode(aws('InvalidVpcID.NotFound', 400))).toBe('InvalidVpcID.NotFound');
    expect(cloudErrorCode({})).toBe('Error');
    expect(cloudErrorCode(undefined)).toBe('Error');
  });

  it('Azure statusCode first, then the AWS metadata', () => {
    expect(httpStatusOf(arm(409, 'Conflict'))).toBe(409);
    expect(httpStatusOf(aws('Conflict', 412))).toBe(412);
    expect(httpStatusOf({ statusCode: 404, $metadata: { httpStatusCode: 500 } })).toBe(404);
    expect(httpStatusOf({})).toBeUndefined();
    expect(httpStatusOf(undefined)).toBeUndefined();
  });

  it('not found: by status 404, or by a code naming NotFound at any status', () => {
    expect(isNotFound(arm(404, 'ResourceNotFound'))).toBe(true);
    expect(isNotFound(arm(404, 'ParentResourceMissing'))).toBe(true);
    expect(isNotFound(aws('InvalidVpnGatewayID.NotFound', 400))).toBe(true);
    expect(isNotFound(arm(400, 'ResourceGroupNotFound'))).toBe(true);
    expect(isNotFound(arm(409, 'Conflict'))).toBe(false);
    expect(isNotFound(arm(400, 'InvalidResourceReference'))).toBe(false);
  });
});

describe('secrets never leave in a message', () => {
  it('a remembered secret is replaced wherever it appears, in cloud errors and in our own errors', () => {
    rememberSecret('Pq7_tunnel_key_Zx');
    expect(scrub('key Pq7_tunnel_key_Zx twice Pq7_tunnel_key_Zx')).toBe('key [redacted] twice [redacted]');
    const cloud = toWorkflowError(arm(400, 'InvalidSharedKey', 'shared key Pq7_tunnel_key_Zx is invalid'), 'tunnels.connect');
    expect(cloud.message).not.toContain('Pq7_tunnel_key_Zx');
    expect(cloud.message).toContain('[redacted]');
    const ours = toWorkflowError(new ResourceFailed('connection with Pq7_tunnel_key_Zx failed'), 'tunnels.connect');
    expect(ours).toBeInstanceOf(ResourceFailed);
    expect(ours.message).toBe('connection with [redacted] failed');
  });

  it('values of six characters or more are remembered; shorter ones (too common to scrub) and none are not', () => {
    rememberSecret('Ab3$x9');
    rememberSecret('Qz7$w');
    rememberSecret(undefined);
    rememberSecret('');
    expect(scrub('one Ab3$x9 two Qz7$w')).toBe('one [redacted] two Qz7$w');
  });

  it('a permission message is scrubbed too', () => {
    rememberSecret('Hunter2_secret_value');
    const named = toWorkflowError(arm(403, 'AuthorizationFailed', 'the client Hunter2_secret_value is not allowed'), 'x');
    expect(named).toBeInstanceOf(PermissionDenied);
    expect(named.message).not.toContain('Hunter2_secret_value');
  });
});

describe('what to grant, read from the refusal the code already identified', () => {
  const SCOPE_RG = '/subscriptions/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/resourceGroups/rg-hub-network';
  const SUBNET = `${SCOPE_RG}/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-pe`;
  const ACCOUNT = '/subscriptions/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/aoai-prod';

  it('ARM AuthorizationFailed: action, scope and the role by provider (any casing)', () => {
    const message = `The client 'x' does not have authorization to perform action 'microsoft.network/virtualNetworks/subnets/write' over scope '${SUBNET}' or the scope is invalid.`;
    expect(missingPermission('AuthorizationFailed', message)).toEqual({
      cloud: 'azure',
      action: 'microsoft.network/virtualNetworks/subnets/write',
      scope: SUBNET,
      role: 'Network Contributor',
    });
    expect(permissionAdvice('AuthorizationFailed', message)).toBe(
      `Grant the Azure service principal the Network Contributor role on resource group ${SCOPE_RG} (it lacks microsoft.network/virtualNetworks/subnets/write).`,
    );
  });

  it('the resource group is found in a scope written in lower case', () => {
    const lower = SUBNET.replace('resourceGroups', 'resourcegroups');
    const message = `does not have authorization to perform action 'Microsoft.Network/virtualNetworks/subnets/write' over scope '${lower}'`;
    expect(permissionAdvice('AuthorizationFailed', message)).toContain(`on resource group ${SCOPE_RG.replace('resourceGroups', 'resourcegroups')} (`);
  });

  it('a Network Contributor scope that is not under a resource group is named as it is', () => {
    const message = "does not have authorization to perform action 'Microsoft.Network/register/action' over scope '/subscriptions/0f1e2d3c'";
    expect(permissionAdvice('AuthorizationFailed', message)).toBe(
      'Grant the Azure service principal the Network Contributor role on /subscriptions/0f1e2d3c (it lacks Microsoft.Network/register/action).',
    );
  });

  it('LinkedAuthorizationFailed, with "(s)" or without, first linked scope only: Cognitive Services Contributor on the account', () => {
    const withS = `has permission to perform action 'Microsoft.Network/privateEndpoints/write' on scope 'x'; however, it does not have permission to perform action(s) 'Microsoft.CognitiveServices/accounts/PrivateEndpointConnectionsApproval/action' on the linked scope(s) '${ACCOUNT}/privateEndpointConnections/pe,${SCOPE_RG}' (respectively) or the linked scope(s) are invalid.`;
    expect(missingPermission('LinkedAuthorizationFailed', withS)).toEqual({
      cloud: 'azure',
      action: 'Microsoft.CognitiveServices/accounts/PrivateEndpointConnectionsApproval/action',
      scope: `${ACCOUNT}/privateEndpointConnections/pe`,
      role: 'Cognitive Services Contributor',
    });
    expect(permissionAdvice('LinkedAuthorizationFailed', withS)).toBe(
      `Grant the Azure service principal the Cognitive Services Contributor role on ${ACCOUNT} (it lacks Microsoft.CognitiveServices/accounts/PrivateEndpointConnectionsApproval/action).`,
    );
    const withoutS = `it does not have permission to perform action 'Microsoft.CognitiveServices/accounts/read' on the linked scope '${ACCOUNT}'`;
    expect(missingPermission('LinkedAuthorizationFailed', withoutS)).toMatchObject({ action: 'Microsoft.CognitiveServices/accounts/read', scope: ACCOUNT });
  });

  it('a Cognitive Services scope that is not an account is named as it is', () => {
    const message = `does not have authorization to perform action 'Microsoft.CognitiveServices/register/action' over scope '${SCOPE_RG}'`;
    expect(permissionAdvice('AuthorizationFailed', message)).toBe(
      `Grant the Azure service principal the Cognitive Services Contributor role on ${SCOPE_RG} (it lacks Microsoft.CognitiveServices/register/action).`,
    );
  });

  it('the linked-scope form is not read for AuthorizationFailed, nor the plain form for LinkedAuthorizationFailed', () => {
    const linked = `does not have permission to perform action(s) 'Microsoft.CognitiveServices/accounts/read' on the linked scope(s) '${ACCOUNT}'`;
    expect(missingPermission('AuthorizationFailed', linked)).toMatchObject({ cloud: 'azure', action: undefined, scope: undefined, role: undefined });
    const plain = `perform action 'Microsoft.Network/x/write' over scope '${SCOPE_RG}'`;
    expect(missingPermission('LinkedAuthorizationFailed', plain)).toMatchObject({ cloud: 'azure', action: undefined });
  });

  it('an action of another provider: no role, the action and scope are named', () => {
    const message = `does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/write' over scope '${SCOPE_RG}'`;
    expect(missingPermission('AuthorizationFailed', message).role).toBeUndefined();
    expect(permissionAdvice('AuthorizationFailed', message)).toBe(
      `Grant the Azure service principal a role that allows Microsoft.Authorization/roleAssignments/write on ${SCOPE_RG}.`,
    );
  });

  it('ARM without any action named: both roles of the README', () => {
    expect(missingPermission('AuthorizationFailed', 'Forbidden')).toEqual({ cloud: 'azure', action: undefined, scope: undefined, role: undefined });
  });

  it('IAM: the principal and the action; without them, the function role', () => {
    const role = 'arn:aws:sts::123456789012:assumed-role/AoaiPrivateLink-AwsVpnRole/fn';
    const message = `User: ${role} is not authorized to perform: ec2:CreateVpnGateway on resource: *`;
    expect(missingPermission('UnauthorizedOperation', message)).toEqual({ cloud: 'aws', principal: role, action: 'ec2:CreateVpnGateway' });
    expect(missingPermission('AccessDeniedException', `User: ${role} is not authorized to perform: route53resolver:Get*`)).toMatchObject({
      action: 'route53resolver:Get*',
    });
    expect(permissionAdvice('UnauthorizedOperation', message)).toMatch(new RegExp(`^Allow ec2:CreateVpnGateway for the role of ${role.replace(/[/.*]/g, '\\$&')} `));
    expect(missingPermission('AccessDenied', 'Access Denied')).toEqual({ cloud: 'aws', principal: undefined, action: undefined });
    expect(permissionAdvice('AccessDenied', 'Access Denied')).toMatch(/^Allow the call for this task's Lambda function role /);
  });
});
