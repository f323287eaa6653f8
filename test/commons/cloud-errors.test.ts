/**
 * Errors are classified by code and HTTP status, never by words in their message. Each case is the error the
 * real SDK raises for the cloud's real wire answer: AWS clients against a server on 127.0.0.1 that answers in
 * the service's protocol, the Azure client through its own pipeline with a transport that answers as ARM does.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateVpnGatewayCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { LambdaClient, GetFunctionCommand } from '@aws-sdk/client-lambda';
import { AssociateResolverRuleCommand, Route53ResolverClient } from '@aws-sdk/client-route53resolver';
import { ResourceManagementClient } from '@azure/arm-resources';
import { createHttpHeaders, type HttpClient, type PipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import { permissionAdvice, toWorkflowError } from '../../functions/commons/cloud-errors';
import { lookUpThenCreateOnce } from '../../functions/commons/ec2';
import { PermissionDenied, ResourceNotReady, TERMINAL_ERRORS, TransientCloudError } from '../../functions/commons/errors';

// ---------------------------------------------------------------------------------------------------------
// AWS: one server, answering each protocol's error shape
// ---------------------------------------------------------------------------------------------------------

interface AwsAnswer {
  status: number;
  /** EC2 query/XML code, or the JSON `__type` / REST `x-amzn-ErrorType`. */
  code: string;
  message: string;
}

let server: Server;
let endpoint: string;
let next: AwsAnswer;

function answer(request: IncomingMessage, response: ServerResponse): void {
  request.resume();
  request.on('end', () => {
    const target = String(request.headers['x-amz-target'] ?? '');
    const contentType = String(request.headers['content-type'] ?? '');
    if (contentType.startsWith('application/x-www-form-urlencoded')) {
      // EC2 query protocol.
      response.writeHead(next.status, { 'Content-Type': 'text/xml;charset=UTF-8' });
      response.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${next.code}</Code><Message>${next.message}</Message></Error></Errors><RequestID>8f7724cf-496f-496e-8fe3-example</RequestID></Response>`,
      );
    } else if (target) {
      // AWS JSON 1.1 (Secrets Manager, Route 53 Resolver).
      response.writeHead(next.status, { 'Content-Type': 'application/x-amz-json-1.1', 'x-amzn-RequestId': 'req-1' });
      response.end(JSON.stringify({ __type: next.code, Message: next.message }));
    } else {
      // REST JSON (Lambda).
      response.writeHead(next.status, { 'Content-Type': 'application/json', 'x-amzn-ErrorType': next.code, 'x-amzn-RequestId': 'req-1' });
      response.end(JSON.stringify({ Type: 'User', message: next.message }));
    }
  });
}

beforeAll(async () => {
  server = createServer(answer);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const awsConfig = () => ({
  endpoint,
  region: 'ap-northeast-1',
  credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
  maxAttempts: 1,
});

async function thrownBy(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

const ec2Error = (a: AwsAnswer) => {
  next = a;
  const client = new EC2Client(awsConfig());
  return thrownBy(client.send(new CreateVpnGatewayCommand({ Type: 'ipsec.1' }))).finally(() => client.destroy());
};
const secretsError = (a: AwsAnswer) => {
  next = a;
  const client = new SecretsManagerClient(awsConfig());
  return thrownBy(client.send(new GetSecretValueCommand({ SecretId: 'aoai-link/x/tunnel-1-psk' }))).finally(() => client.destroy());
};
const resolverError = (a: AwsAnswer) => {
  next = a;
  const client = new Route53ResolverClient(awsConfig());
  return thrownBy(client.send(new AssociateResolverRuleCommand({ ResolverRuleId: 'rslvr-rr-1', VPCId: 'vpc-1' }))).finally(() => client.destroy());
};
const lambdaError = (a: AwsAnswer) => {
  next = a;
  const client = new LambdaClient(awsConfig());
  return thrownBy(client.send(new GetFunctionCommand({ FunctionName: 'aoai-link-probe-x' }))).finally(() => client.destroy());
};

const ROLE = 'arn:aws:sts::123456789012:assumed-role/AoaiPrivateLink-AwsVpnRole/AoaiPrivateLink-AwsVpn';

// ---------------------------------------------------------------------------------------------------------
// Azure: the real client and pipeline, with a transport that answers as ARM does (no socket is opened)
// ---------------------------------------------------------------------------------------------------------

function armAnswering(status: number, body: unknown): ResourceManagementClient {
  const transport: HttpClient = {
    async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
      return {
        request,
        status,
        headers: createHttpHeaders({ 'content-type': 'application/json; charset=utf-8', 'x-ms-failure-cause': 'gateway' }),
        bodyAsText: JSON.stringify(body),
      };
    },
  };
  const credential = { getToken: async () => ({ token: 'local-token', expiresOnTimestamp: Date.now() + 3_600_000 }) };
  return new ResourceManagementClient(credential, '00000000-0000-0000-0000-000000000000', {
    endpoint: 'https://127.0.0.1:1',
    httpClient: transport,
    retryOptions: { maxRetries: 0 },
  });
}

const SUB = '/subscriptions/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const RG = `${SUB}/resourceGroups/rg-hub-network`;
const SUBNET = `${RG}/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/GatewaySubnet`;
const ACCOUNT = `${SUB}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/aoai-prod`;

const armError = (status: number, code: string, message: string) =>
  thrownBy(armAnswering(status, { error: { code, message } }).resources.getById(SUBNET, '2024-05-01'));

// ---------------------------------------------------------------------------------------------------------

describe('a missing permission stops the run at once and names what to grant', () => {
  it('PermissionDenied is terminal: listed with the errors no retry fixes', () => {
    expect(TERMINAL_ERRORS).toContain('PermissionDenied');
  });

  it('ARM AuthorizationFailed (403) on Microsoft.Network: Network Contributor on the resource group', async () => {
    const raw = await armError(
      403,
      'AuthorizationFailed',
      `The client '7d1c0e4a-0000-0000-0000-000000000001' with object id '7d1c0e4a-0000-0000-0000-000000000001' does not have authorization to perform action 'Microsoft.Network/virtualNetworks/subnets/write' over scope '${SUBNET}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    );
    expect(raw).toMatchObject({ name: 'RestError', code: 'AuthorizationFailed', statusCode: 403 });
    const named = toWorkflowError(raw, 'azure-network.createGatewaySubnet');
    expect(named).toBeInstanceOf(PermissionDenied);
    expect(named.name).toBe('PermissionDenied');
    expect(named.message).toContain(`Grant the Azure service principal the Network Contributor role on resource group ${RG}`);
    expect(named.message).toContain('Microsoft.Network/virtualNetworks/subnets/write');
  });

  it('ARM LinkedAuthorizationFailed (403) on the account: Cognitive Services Contributor on the account', async () => {
    const raw = await armError(
      403,
      'LinkedAuthorizationFailed',
      `The client '7d1c0e4a-0000-0000-0000-000000000001' with object id '7d1c0e4a-0000-0000-0000-000000000001' has permission to perform action 'Microsoft.Network/privateEndpoints/write' on scope '${RG}/providers/Microsoft.Network/privateEndpoints/pe-x-openai'; however, it does not have permission to perform action(s) 'Microsoft.CognitiveServices/accounts/PrivateEndpointConnectionsApproval/action' on the linked scope(s) '${ACCOUNT}' (respectively) or the linked scope(s) are invalid.`,
    );
    expect(raw).toMatchObject({ code: 'LinkedAuthorizationFailed', statusCode: 403 });
    const named = toWorkflowError(raw, 'azure-network.createPrivateEndpoint');
    expect(named.name).toBe('PermissionDenied');
    expect(named.message).toContain(`Cognitive Services Contributor role on ${ACCOUNT}`);
    expect(named.message).toContain('Microsoft.CognitiveServices/accounts/PrivateEndpointConnectionsApproval/action');
  });

  it('EC2 UnauthorizedOperation (403): the action and the function role', async () => {
    const raw = await ec2Error({
      status: 403,
      code: 'UnauthorizedOperation',
      message: `You are not authorized to perform this operation. User: ${ROLE} is not authorized to perform: ec2:CreateVpnGateway on resource: arn:aws:ec2:ap-northeast-1:123456789012:vpn-gateway/* because no identity-based policy allows the ec2:CreateVpnGateway action. Encoded authorization failure message: AbCd`,
    });
    expect(raw).toMatchObject({ name: 'UnauthorizedOperation', $metadata: { httpStatusCode: 403 } });
    const named = toWorkflowError(raw, 'aws-vpn.createVpnGateway');
    expect(named.name).toBe('PermissionDenied');
    expect(named.message).toContain(`Allow ec2:CreateVpnGateway for the role of ${ROLE}`);
  });

  it('Secrets Manager AccessDeniedException, Lambda AccessDeniedException and AccessDenied', async () => {
    const secrets = await secretsError({
      status: 400,
      code: 'AccessDeniedException',
      message: `User: ${ROLE} is not authorized to perform: secretsmanager:GetSecretValue on resource: aoai-link/x/tunnel-1-psk because no identity-based policy allows the secretsmanager:GetSecretValue action`,
    });
    expect(secrets).toMatchObject({ name: 'AccessDeniedException' });
    expect(toWorkflowError(secrets, 'tunnels.connectTunnels').message).toContain('Allow secretsmanager:GetSecretValue');
    const lambda = await lambdaError({ status: 403, code: 'AccessDeniedException', message: 'no' });
    expect(lambda).toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } });
    const denied = await ec2Error({ status: 403, code: 'AccessDenied', message: 'Access Denied' });
    expect(denied).toMatchObject({ name: 'AccessDenied' });
    for (const raw of [secrets, lambda, denied]) {
      const named = toWorkflowError(raw, 'x');
      expect(named.name).toBe('PermissionDenied');
      expect(named.message).toMatch(/Allow .* Lambda function role|Allow secretsmanager:GetSecretValue/);
    }
  });

  it('an ARM message that names no action still says which roles the README asks for', () => {
    expect(permissionAdvice('AuthorizationFailed', 'Forbidden')).toMatch(/Network Contributor .* Cognitive Services Contributor/);
  });
});

describe('errors whose message mentions the network are not transient', () => {
  it.each([
    [403, 'AuthorizationFailed', "does not have authorization to perform action 'Microsoft.Network/publicIPAddresses/write' over scope '/x'", 'PermissionDenied'],
    [400, 'InvalidResourceReference', `Resource ${RG}/providers/Microsoft.Network/virtualNetworks/vnet-hub referenced by resource x was not found.`, 'InvalidResourceReference'],
    [400, 'QuotaExceeded', 'Operation could not be completed as it results in exceeding approved Microsoft.Network/publicIPAddresses quota.', 'QuotaExceeded'],
    [409, 'Conflict', 'The virtual network link would create overlapping namespaces in network vnet-hub.', 'Conflict'],
  ])('ARM %i %s', async (status, code, message, expected) => {
    const raw = await armError(status, code, message);
    expect(raw).toMatchObject({ code, statusCode: status });
    const named = toWorkflowError(raw, 'azure-network.x');
    expect(named).not.toBeInstanceOf(TransientCloudError);
    expect(named.name).toBe(expected);
  });

  it('EC2 Resource.AlreadyAssociated and Route 53 Resolver overlapping namespaces keep their codes', async () => {
    const associated = await ec2Error({ status: 400, code: 'Resource.AlreadyAssociated', message: 'the network ACL rtb-1 is already associated' });
    expect(toWorkflowError(associated, 'x').name).toBe('Resource.AlreadyAssociated');
    const overlapping = await resolverError({
      status: 400,
      code: 'InvalidRequestException',
      message: 'Cannot associate rules with overlapping namespaces with the same network (VPC).',
    });
    expect(overlapping).toMatchObject({ name: 'InvalidRequestException' });
    expect(toWorkflowError(overlapping, 'x').name).toBe('InvalidRequestException');
  });
});

describe('what a retry does fix stays transient or not-ready', () => {
  it('throttling and 5xx from both clouds', async () => {
    expect(toWorkflowError(await ec2Error({ status: 503, code: 'RequestLimitExceeded', message: 'Request limit exceeded.' }), 'x')).toBeInstanceOf(TransientCloudError);
    expect(toWorkflowError(await secretsError({ status: 500, code: 'InternalServiceError', message: 'network hiccup' }), 'x')).toBeInstanceOf(TransientCloudError);
    expect(toWorkflowError(await armError(429, 'SubscriptionRequestsThrottled', 'slow down'), 'x')).toBeInstanceOf(TransientCloudError);
    expect(toWorkflowError(await armError(500, 'InternalServerError', 'oops'), 'x')).toBeInstanceOf(TransientCloudError);
    expect(toWorkflowError(await armError(409, 'AnotherOperationInProgress', 'busy'), 'x')).toBeInstanceOf(ResourceNotReady);
  });

  it('no answer at all: the SDK error for a refused connection is transient by its code', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const client = new EC2Client({ ...awsConfig(), endpoint: `http://127.0.0.1:${port}` });
    const raw = await thrownBy(client.send(new CreateVpnGatewayCommand({ Type: 'ipsec.1' })));
    client.destroy();
    // Outside a sandbox the SDK passes Node's error on with its code; inside jest's realm it wraps it.
    const e = raw as { code?: string; message: string; $metadata?: { httpStatusCode?: number } };
    expect(e.code === 'ECONNREFUSED' || e.message.startsWith('AWS SDK error wrapper for Error: connect ECONNREFUSED')).toBe(true);
    expect(e.$metadata?.httpStatusCode).toBeUndefined();
    expect(toWorkflowError(raw, 'x')).toBeInstanceOf(TransientCloudError);
    expect(toWorkflowError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'x')).toBeInstanceOf(TransientCloudError);
    // A plain error with no code, no status and no wrapper is not assumed to be a lost answer.
    expect(toWorkflowError(new Error('network is down, probably'), 'x')).not.toBeInstanceOf(TransientCloudError);
  });
});

describe('an EC2 create sent once', () => {
  const nothing = async () => undefined;

  it('a refused create (a permission) is not retried as if nothing had happened', async () => {
    const raw = await ec2Error({ status: 403, code: 'UnauthorizedOperation', message: `User: ${ROLE} is not authorized to perform: ec2:CreateVpnGateway` });
    const thrown = await thrownBy(lookUpThenCreateOnce('the VGW', nothing, () => Promise.reject(raw)));
    expect(thrown).not.toBeInstanceOf(TransientCloudError);
    expect(toWorkflowError(thrown, 'x').name).toBe('PermissionDenied');
  });

  it('a code that only looks like throttling in its name is not transient; RequestLimitExceeded is', async () => {
    const lookalike = await ec2Error({ status: 400, code: 'InvalidParameterValue', message: 'Throttling is not a valid value' });
    expect(await thrownBy(lookUpThenCreateOnce('the VGW', nothing, () => Promise.reject(lookalike)))).toBe(lookalike);
    const throttled = await ec2Error({ status: 503, code: 'RequestLimitExceeded', message: 'Request limit exceeded.' });
    expect(await thrownBy(lookUpThenCreateOnce('the VGW', nothing, () => Promise.reject(throttled)))).toBeInstanceOf(TransientCloudError);
  });
});
