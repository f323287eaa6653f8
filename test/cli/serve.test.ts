/**
 * `aoai-link local serve` as a person uses it: a child process on a state a default run saved, read with the
 * AWS CLI (botocore parses every answer), curl with the printed CA file, and DNS queries to the printed
 * servers; SIGTERM/SIGINT end it cleanly and the state is saved back, owner-only. Executions started on its
 * Step Functions endpoint run against the served clouds. No answer is printed: some carry the tunnels' keys,
 * as the real DescribeVpnConnections does.
 */
import { Resolver } from 'node:dns/promises';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CloudState } from '../../local/cloud/state';
import { runLocal, type Report } from '../../local/runner';
import { LOCAL_STATE_MACHINE_ARN } from '../../local/stepfunctions/server';
import { awsCli, childEnvironment, requireAwsCli, ROOT, runTool, startServe, type Served } from '../support/serve';

/** Every pre-shared key and secret string the clouds hold, to check none leaks into serve's own output. */
function secretsIn(state: CloudState): string[] {
  const found: string[] = [];
  const visit = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if (/^(PreSharedKey|sharedKey|SecretString|key1|key2)$/.test(key) && typeof item === 'string') found.push(item);
        else visit(item);
      }
    }
  };
  visit(state);
  return found;
}

const resourceIds = (report: Report, type: string) => report.resources.aws.filter((r) => r.type === type).map((r) => r.id);

describe('serve on the state a default run saved', () => {
  let dir: string;
  let stateFile: string;
  let savedByRun: CloudState;
  let report: Report;
  let served: Served;
  let aws: (...args: string[]) => Promise<any>;

  beforeAll(async () => {
    requireAwsCli();
    dir = mkdtempSync(path.join(os.tmpdir(), 'aoai-link-serve-test-'));
    stateFile = path.join(dir, 'state.json');
    const run = await runLocal({ stateFile, outDir: path.join(dir, 'out'), output: null });
    expect(run.status).toBe('SUCCEEDED');
    report = run.report!;
    savedByRun = JSON.parse(readFileSync(stateFile, 'utf8')) as CloudState;
    chmodSync(stateFile, 0o644); // serve must make it owner-only itself
    served = await startServe(['--state', stateFile], dir);
    aws = awsCli(served.endpoints.aws, childEnvironment(dir));
  }, 90_000);

  afterAll(() => {
    if (served && served.child.exitCode === null && served.child.signalCode === null) served.child.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('prints one JSON object first: the endpoints on 127.0.0.1, the CA file and a DNS server per subnet', () => {
    const { endpoints } = served;
    expect(Object.keys(endpoints).sort()).toEqual(['aws', 'azure', 'azureAuthorityHost', 'caFile', 'dnsServers', 'stepFunctions']);
    expect(endpoints.aws).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(endpoints.azure).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(endpoints.azureAuthorityHost).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(endpoints.stepFunctions).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(readFileSync(endpoints.caFile, 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(Object.keys(endpoints.dnsServers).sort()).toEqual(savedByRun.aws.subnets.map((s) => s.SubnetId).sort());
    for (const address of Object.values(endpoints.dnsServers)) expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('answers the AWS CLI for every EC2 read the workflow makes', async () => {
    const vpcId = savedByRun.aws.vpcs[0].VpcId;
    const vpcs = await aws('ec2', 'describe-vpcs', '--vpc-ids', vpcId);
    expect(vpcs.Vpcs.map((v: any) => [v.VpcId, v.CidrBlock])).toEqual([[vpcId, savedByRun.aws.vpcs[0].CidrBlock]]);

    const subnets = await aws('ec2', 'describe-subnets', '--filters', `Name=vpc-id,Values=${vpcId}`);
    expect(subnets.Subnets.map((s: any) => s.SubnetId).sort()).toEqual(savedByRun.aws.subnets.map((s) => s.SubnetId).sort());

    const [vgwId] = resourceIds(report, 'vpn-gateway');
    const tables = await aws('ec2', 'describe-route-tables', '--route-table-ids', savedByRun.aws.routeTables[0].RouteTableId);
    expect(tables.RouteTables[0].PropagatingVgws).toEqual([{ GatewayId: vgwId }]);
    expect(tables.RouteTables[0].Routes.map((r: any) => r.GatewayId)).toContain(vgwId);

    const tagged = ['--filters', 'Name=tag:environment,Values=aoai-prod-01'];
    const customerGateways = await aws('ec2', 'describe-customer-gateways', ...tagged);
    expect(customerGateways.CustomerGateways.map((c: any) => [c.CustomerGatewayId, c.State])).toEqual(resourceIds(report, 'customer-gateway').map((id) => [id, 'available']));

    const vpnGateways = await aws('ec2', 'describe-vpn-gateways', ...tagged);
    expect(vpnGateways.VpnGateways.map((g: any) => [g.VpnGatewayId, g.State, g.VpcAttachments])).toEqual([[vgwId, 'available', [{ VpcId: vpcId, State: 'attached' }]]]);

    const connections = await aws('ec2', 'describe-vpn-connections', ...tagged);
    const [vpn] = connections.VpnConnections;
    expect([connections.VpnConnections.length, vpn.VpnConnectionId, vpn.State, vpn.VpnGatewayId]).toEqual([1, resourceIds(report, 'vpn-connection')[0], 'available', vgwId]);
    expect(vpn.VgwTelemetry.map((t: any) => t.Status)).toEqual(['UP', 'UP']);
    expect(vpn.Options.TunnelOptions.map((t: any) => t.OutsideIpAddress)).toHaveLength(2);

    const groups = await aws('ec2', 'describe-security-groups', '--filters', `Name=vpc-id,Values=${vpcId}`, 'Name=tag:environment,Values=aoai-prod-01');
    expect(groups.SecurityGroups.map((g: any) => g.GroupId).sort()).toEqual(resourceIds(report, 'security-group').sort());

    // The interfaces Route 53 Resolver and Lambda placed in the VPC: one per endpoint address, one per function subnet.
    const interfaces = (await aws('ec2', 'describe-network-interfaces', '--filters', `Name=vpc-id,Values=${vpcId}`)).NetworkInterfaces;
    const endpoint = savedByRun.aws.resolverEndpoints[0];
    const fn = savedByRun.aws.functions[0];
    expect(interfaces.filter((i: any) => i.InterfaceType === 'interface').map((i: any) => [i.PrivateIpAddress, i.Groups.map((g: any) => g.GroupId)])).toEqual(
      endpoint.IpAddresses.map((ip) => [ip.Ip, endpoint.SecurityGroupIds]),
    );
    expect(interfaces.filter((i: any) => i.InterfaceType === 'lambda').map((i: any) => [i.SubnetId, i.Groups.map((g: any) => g.GroupId), i.Status])).toEqual(
      fn.VpcConfig.SubnetIds.map((subnetId) => [subnetId, fn.VpcConfig.SecurityGroupIds, 'in-use']),
    );
  }, 60_000);

  it('answers the AWS CLI for every Route 53 Resolver read the workflow makes', async () => {
    const [endpointId] = resourceIds(report, 'resolver-endpoint');
    const saved = savedByRun.aws.resolverEndpoints.find((e) => e.Id === endpointId)!;
    const listed = await aws('route53resolver', 'list-resolver-endpoints', '--filters', `Name=CreatorRequestId,Values=${saved.CreatorRequestId}`);
    expect(listed.ResolverEndpoints.map((e: any) => [e.Id, e.Status, e.Direction])).toEqual([[endpointId, 'OPERATIONAL', 'OUTBOUND']]);
    const endpoint = await aws('route53resolver', 'get-resolver-endpoint', '--resolver-endpoint-id', endpointId);
    expect([endpoint.ResolverEndpoint.Id, endpoint.ResolverEndpoint.IpAddressCount, endpoint.ResolverEndpoint.HostVPCId]).toEqual([endpointId, 2, savedByRun.aws.vpcs[0].VpcId]);
    const addresses = await aws('route53resolver', 'list-resolver-endpoint-ip-addresses', '--resolver-endpoint-id', endpointId);
    expect(addresses.IpAddresses.map((a: any) => a.SubnetId).sort()).toEqual(saved.IpAddresses.map((a) => a.SubnetId).sort());
    const tags = await aws('route53resolver', 'list-tags-for-resource', '--resource-arn', saved.Arn);
    expect(tags.Tags).toEqual(expect.arrayContaining([{ Key: 'environment', Value: 'aoai-prod-01' }]));

    const [ruleId] = resourceIds(report, 'resolver-rule');
    const rules = await aws('route53resolver', 'list-resolver-rules');
    expect(rules.ResolverRules.map((r: any) => r.Id)).toContain(ruleId);
    const rule = await aws('route53resolver', 'get-resolver-rule', '--resolver-rule-id', ruleId);
    expect([rule.ResolverRule.RuleType, rule.ResolverRule.DomainName.replace(/\.$/, ''), rule.ResolverRule.ResolverEndpointId]).toEqual(['FORWARD', 'openai.azure.com', endpointId]);

    const [associationId] = resourceIds(report, 'resolver-rule-association');
    const associations = await aws('route53resolver', 'list-resolver-rule-associations', '--filters', `Name=ResolverRuleId,Values=${ruleId}`);
    expect(associations.ResolverRuleAssociations.map((a: any) => a.Id)).toEqual([associationId]);
    const association = await aws('route53resolver', 'get-resolver-rule-association', '--resolver-rule-association-id', associationId);
    expect([association.ResolverRuleAssociation.Status, association.ResolverRuleAssociation.VPCId]).toEqual(['COMPLETE', savedByRun.aws.vpcs[0].VpcId]);
  }, 60_000);

  it('answers the AWS CLI for the secrets, the probe function and the executions', async () => {
    const secretArns = resourceIds(report, 'secret');
    expect(secretArns.length).toBeGreaterThan(0);
    const listed = await aws('secretsmanager', 'list-secrets');
    expect(listed.SecretList.map((s: any) => s.ARN)).toEqual(expect.arrayContaining(secretArns));
    const described = await aws('secretsmanager', 'describe-secret', '--secret-id', secretArns[0]);
    expect([described.ARN, Object.values(described.VersionIdsToStages ?? {}).flat()]).toEqual([secretArns[0], ['AWSCURRENT']]);
    // The CLI's query keeps the value out of the output; botocore still parses the whole answer.
    const value = await aws('secretsmanager', 'get-secret-value', '--secret-id', secretArns[0], '--query', '{ARN: ARN, hasValue: SecretString != null}');
    expect(value).toEqual({ ARN: secretArns[0], hasValue: true });

    const [functionArn] = resourceIds(report, 'function');
    const functions = await aws('lambda', 'list-functions');
    expect(functions.Functions.map((f: any) => f.FunctionArn)).toEqual([functionArn]);
    const fn = await aws('lambda', 'get-function', '--function-name', functionArn);
    expect([fn.Configuration.State, fn.Configuration.VpcConfig.SubnetIds]).toEqual(['Active', savedByRun.aws.functions[0].VpcConfig.SubnetIds]);

    const sfn = awsCli(served.endpoints.stepFunctions, childEnvironment(dir));
    expect(await sfn('stepfunctions', 'list-executions', '--state-machine-arn', LOCAL_STATE_MACHINE_ARN)).toEqual({ executions: [] });
  }, 60_000);

  it('answers curl with the printed CA file and a token from the printed Entra ID, and only with both', async () => {
    const env = childEnvironment(dir);
    const curl = ['--silent', '--show-error', '--fail', '--cacert', served.endpoints.caFile];
    // As a person would: the service principal from the seeded secret (read, never printed), then a token.
    const principal = JSON.parse(await aws('secretsmanager', 'get-secret-value', '--secret-id', 'aoai-link/azure-credential', '--query', 'SecretString'));
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: principal.clientId, client_secret: principal.clientSecret, scope: 'https://management.azure.com/.default' });
    const tokenUrl = `${served.endpoints.azureAuthorityHost}/${principal.tenantId}/oauth2/v2.0/token`;
    const { access_token: token } = JSON.parse(await runTool('curl', [...curl, '--data-binary', '@-', tokenUrl], env, form.toString()));
    expect(typeof token).toBe('string');

    const gateway = report.resources.azure.find((r) => r.type === 'Microsoft.Network/virtualNetworkGateways')!;
    const url = `${served.endpoints.azure}${gateway.id}?api-version=2024-05-01`;
    const bearer = `Authorization: Bearer ${token}`;
    const body = JSON.parse(await runTool('curl', [...curl, '-H', '@-', url], env, bearer));
    expect([body.id, body.properties.provisioningState]).toEqual([gateway.id, 'Succeeded']);
    await expect(runTool('curl', ['--silent', '--show-error', '--fail', '-H', '@-', url], env, bearer)).rejects.toThrow(/exited 60/);
    await expect(runTool('curl', [...curl, url], env)).rejects.toThrow(/exited 22: .*401/);
  }, 30_000);

  it('answers DNS from the printed server of the probe subnet with the private endpoint address', async () => {
    const probeSubnet = savedByRun.aws.functions[0].VpcConfig.SubnetIds[0];
    const resolver = new Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([served.endpoints.dnsServers[probeSubnet]]);
    const answers = (report.probe as { dns?: { answers?: string[] } } | null)?.dns?.answers ?? [];
    const privateAddress = answers.find((answer) => /^\d+\.\d+\.\d+\.\d+$/.test(answer));
    expect(privateAddress).toMatch(/^192\.168\./);
    expect(await resolver.resolve4('aoai-prod.openai.azure.com')).toEqual([privateAddress]);
  });

  it('ends cleanly on SIGTERM, saves the state back owner-only, and printed no secret', async () => {
    // One write, so the saved file shows it was saved: the reads before changed nothing, the tag is new.
    const vpc = savedByRun.aws.vpcs[0];
    await aws('ec2', 'create-tags', '--resources', vpc.VpcId, '--tags', 'Key=inspected-with,Value=aws-cli');
    served.child.kill('SIGTERM');
    expect(await served.exited).toEqual({ code: 0, signal: null });
    expect(statSync(stateFile).mode & 0o777).toBe(0o600);
    const expected = structuredClone(savedByRun);
    expected.aws.vpcs[0].Tags = [...(vpc.Tags ?? []), { Key: 'inspected-with', Value: 'aws-cli' }];
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toEqual(expected);
    expect(existsSync(served.endpoints.caFile)).toBe(false);
    const { stdout, stderr } = served.output();
    const secrets = secretsIn(savedByRun);
    expect(secrets.length).toBeGreaterThan(2);
    expect(secrets.filter((secret) => stdout.includes(secret) || stderr.includes(secret))).toHaveLength(0);
    expect(stdout).toMatch(/Stopped on SIGTERM/);
  }, 30_000);
});

describe('serve on a world, with an execution started on its Step Functions endpoint', () => {
  let dir: string;
  let served: Served | undefined;

  afterAll(() => {
    if (served && served.child.exitCode === null && served.child.signalCode === null) served.child.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs it against the served clouds, shows what it created, and saves that on SIGINT', async () => {
    requireAwsCli();
    dir = mkdtempSync(path.join(os.tmpdir(), 'aoai-link-serve-test-'));
    const stateFile = path.join(dir, 'nested', 'state.json');
    served = await startServe(['--world', path.join(ROOT, 'local', 'default-world.json'), '--state', stateFile], dir);
    const env = childEnvironment(dir);
    const sfn = awsCli(served.endpoints.stepFunctions, env);
    const ec2 = awsCli(served.endpoints.aws, env);
    expect((await ec2('ec2', 'describe-vpn-connections')).VpnConnections).toEqual([]);

    const request = path.join(ROOT, 'events', 'new-environment.json');
    const started = await sfn('stepfunctions', 'start-execution', '--state-machine-arn', LOCAL_STATE_MACHINE_ARN, '--name', 'serve-test-run', '--input', `file://${request}`);
    let status = 'RUNNING';
    for (let attempt = 0; status === 'RUNNING' && attempt < 60; attempt++) {
      status = (await sfn('stepfunctions', 'describe-execution', '--execution-arn', started.executionArn)).status;
    }
    expect(status).toBe('SUCCEEDED');
    const history = await sfn('stepfunctions', 'get-execution-history', '--execution-arn', started.executionArn, '--max-items', '5');
    expect(history.events[0].type).toBe('ExecutionStarted');

    const connections = (await ec2('ec2', 'describe-vpn-connections', '--filters', 'Name=tag:environment,Values=aoai-prod-01')).VpnConnections;
    expect(connections.map((c: any) => [c.State, c.VgwTelemetry.map((t: any) => t.Status)])).toEqual([['available', ['UP', 'UP']]]);

    served.child.kill('SIGINT');
    expect(await served.exited).toEqual({ code: 0, signal: null });
    expect(statSync(stateFile).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as CloudState;
    expect(saved.aws.vpnConnections.map((c) => c.VpnConnectionId)).toEqual(connections.map((c: any) => c.VpnConnectionId));
  }, 120_000);
});
