/** Route 53 Resolver and Secrets Manager through their SDK clients. */
import { AuthorizeSecurityGroupEgressCommand, CreateSecurityGroupCommand, DescribeSubnetsCommand } from '@aws-sdk/client-ec2';
import {
  AssociateResolverRuleCommand, CreateResolverEndpointCommand, CreateResolverRuleCommand, GetResolverEndpointCommand,
  GetResolverRuleAssociationCommand, GetResolverRuleCommand, ListResolverEndpointIpAddressesCommand, ListResolverEndpointsCommand,
  ListResolverRuleAssociationsCommand, ListResolverRulesCommand, ListTagsForResourceCommand, TagResourceCommand,
} from '@aws-sdk/client-route53resolver';
import {
  CreateSecretCommand, DescribeSecretCommand, GetSecretValueCommand, ListSecretsCommand, PutSecretValueCommand,
  TagResourceCommand as TagSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { SUBNET_A, SUBNET_C, VPC_ID, errorOf, startHarness, type Harness } from './helpers';

describe('emulated Route 53 Resolver', () => {
  let h: Harness;
  let groupId: string;
  beforeEach(async () => {
    h = await startHarness();
    groupId = (await h.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'dns', Description: 'dns', VpcId: VPC_ID }))).GroupId!;
    await h.ec2.send(new AuthorizeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions: [{ IpProtocol: 'udp', FromPort: 53, ToPort: 53, IpRanges: [{ CidrIp: '192.168.20.4/32' }] }] }));
  });
  afterEach(async () => {
    await h.close();
  });

  test('outbound endpoint, forward rule and association on the clock; a used CreatorRequestId or a repeated association is refused', async () => {
    const endpointInput = {
      CreatorRequestId: 'run-1-endpoint',
      Name: 'aoai-outbound',
      Direction: 'OUTBOUND' as const,
      SecurityGroupIds: [groupId],
      IpAddresses: [{ SubnetId: SUBNET_A }, { SubnetId: SUBNET_C }],
      Tags: [{ Key: 'run', Value: 'r1' }],
    };
    const endpoint = (await h.resolver.send(new CreateResolverEndpointCommand(endpointInput))).ResolverEndpoint!;
    expect(endpoint).toMatchObject({ Direction: 'OUTBOUND', HostVPCId: VPC_ID, Status: 'CREATING', IpAddressCount: 2, SecurityGroupIds: [groupId] });
    expect(endpoint.Id).toMatch(/^rslvr-out-[0-9a-f]{17}$/);
    expect(endpoint.Arn).toBe(`arn:aws:route53resolver:ap-northeast-1:123456789012:resolver-endpoint/${endpoint.Id}`);
    // The real service refuses a used CreatorRequestId (aws/aws-cdk#5012) rather than answering the first endpoint.
    const retried = await errorOf(h.resolver.send(new CreateResolverEndpointCommand(endpointInput)));
    expect(retried.name).toBe('ResourceExistsException');
    expect(retried.$metadata?.httpStatusCode).toBe(400);
    expect(h.ctx.state.aws.resolverEndpoints).toHaveLength(1);
    expect((await h.resolver.send(new ListTagsForResourceCommand({ ResourceArn: endpoint.Arn }))).Tags).toEqual([{ Key: 'run', Value: 'r1' }]);

    const ips = (await h.resolver.send(new ListResolverEndpointIpAddressesCommand({ ResolverEndpointId: endpoint.Id }))).IpAddresses!;
    expect(ips.map((ip) => [ip.SubnetId, ip.Ip, ip.Status])).toEqual([[SUBNET_A, '172.17.1.4', 'CREATING'], [SUBNET_C, '172.17.2.4', 'CREATING']]);
    expect((await h.ec2.send(new DescribeSubnetsCommand({ SubnetIds: [SUBNET_A] }))).Subnets![0].AvailableIpAddressCount).toBe(250);

    const ruleInput = {
      CreatorRequestId: 'run-1-rule',
      Name: 'openai',
      RuleType: 'FORWARD' as const,
      DomainName: 'openai.azure.com',
      TargetIps: [{ Ip: '192.168.20.4', Port: 53 }],
      ResolverEndpointId: endpoint.Id,
    };
    const rule = (await h.resolver.send(new CreateResolverRuleCommand(ruleInput))).ResolverRule!;
    expect(rule).toMatchObject({ RuleType: 'FORWARD', DomainName: 'openai.azure.com.', TargetIps: [{ Ip: '192.168.20.4', Port: 53 }], ResolverEndpointId: endpoint.Id });
    const ruleRetried = await errorOf(h.resolver.send(new CreateResolverRuleCommand({ ...ruleInput, Name: 'openai-again' })));
    expect(ruleRetried.name).toBe('ResourceExistsException');
    expect(h.ctx.state.aws.resolverRules).toHaveLength(1);

    const association = (await h.resolver.send(new AssociateResolverRuleCommand({ ResolverRuleId: rule.Id, VPCId: VPC_ID, Name: 'openai-vpc' }))).ResolverRuleAssociation!;
    expect(association).toMatchObject({ ResolverRuleId: rule.Id, VPCId: VPC_ID, Status: 'CREATING' });
    // A repeat is refused with the same code as a clash with another rule for the domain (provider-upjet-aws#1010).
    const repeat = await errorOf(h.resolver.send(new AssociateResolverRuleCommand({ ResolverRuleId: rule.Id, VPCId: VPC_ID })));
    expect(repeat.name).toBe('InvalidRequestException');
    expect(repeat.$metadata?.httpStatusCode).toBe(400);
    expect(h.ctx.state.aws.resolverRuleAssociations).toHaveLength(1);

    await h.clock.sleep(10);
    expect((await h.resolver.send(new GetResolverRuleCommand({ ResolverRuleId: rule.Id }))).ResolverRule!.Status).toBe('COMPLETE');
    await h.clock.sleep(50);
    expect((await h.resolver.send(new GetResolverRuleAssociationCommand({ ResolverRuleAssociationId: association.Id }))).ResolverRuleAssociation!.Status).toBe('COMPLETE');
    expect((await h.resolver.send(new GetResolverEndpointCommand({ ResolverEndpointId: endpoint.Id }))).ResolverEndpoint!.Status).toBe('CREATING');
    await h.clock.sleep(120);
    expect((await h.resolver.send(new GetResolverEndpointCommand({ ResolverEndpointId: endpoint.Id }))).ResolverEndpoint!.Status).toBe('OPERATIONAL');
    expect((await h.resolver.send(new ListResolverEndpointIpAddressesCommand({ ResolverEndpointId: endpoint.Id }))).IpAddresses!.map((ip) => ip.Status)).toEqual(['ATTACHED', 'ATTACHED']);

    const listedEndpoints = await h.resolver.send(new ListResolverEndpointsCommand({ Filters: [{ Name: 'CreatorRequestId', Values: ['run-1-endpoint'] }] }));
    expect(listedEndpoints.ResolverEndpoints!.map((e) => e.Id)).toEqual([endpoint.Id]);
    const listedRules = await h.resolver.send(new ListResolverRulesCommand({ Filters: [{ Name: 'DomainName', Values: ['openai.azure.com.'] }] }));
    expect(listedRules.ResolverRules!.map((r) => r.Id)).toEqual([rule.Id]);
    expect((await h.resolver.send(new ListResolverRulesCommand({ Filters: [{ Name: 'Name', Values: ['other'] }] }))).ResolverRules).toEqual([]);
    const listedAssociations = await h.resolver.send(new ListResolverRuleAssociationsCommand({ Filters: [{ Name: 'VPCId', Values: [VPC_ID] }, { Name: 'ResolverRuleId', Values: [rule.Id!] }] }));
    expect(listedAssociations.ResolverRuleAssociations!.map((a) => a.Id)).toEqual([association.Id]);

    await h.resolver.send(new TagResourceCommand({ ResourceArn: rule.Arn, Tags: [{ Key: 'run', Value: 'r1' }] }));
    expect((await h.resolver.send(new ListTagsForResourceCommand({ ResourceArn: rule.Arn }))).Tags).toEqual([{ Key: 'run', Value: 'r1' }]);
    expect(h.ctx.recorder.operations.map((o) => [o.resource, o.startedAt, o.readyAt])).toEqual([
      [endpoint.Id, 0, 180],
      [rule.Id, 0, 10],
      [association.Id, 0, 60],
    ]);
  });

  test('errors: not found, invalid parameters', async () => {
    const missing = await errorOf(h.resolver.send(new GetResolverEndpointCommand({ ResolverEndpointId: 'rslvr-out-0dead' })));
    expect(missing.name).toBe('ResourceNotFoundException');
    expect((await errorOf(h.resolver.send(new GetResolverRuleCommand({ ResolverRuleId: 'rslvr-rr-0dead' })))).name).toBe('ResourceNotFoundException');
    const oneIp = await errorOf(
      h.resolver.send(new CreateResolverEndpointCommand({ CreatorRequestId: 'x', Direction: 'OUTBOUND', SecurityGroupIds: [groupId], IpAddresses: [{ SubnetId: SUBNET_A }] })),
    );
    expect(oneIp.name).toBe('InvalidRequestException');
    const badSubnet = await errorOf(
      h.resolver.send(new CreateResolverEndpointCommand({ CreatorRequestId: 'y', Direction: 'OUTBOUND', SecurityGroupIds: [groupId], IpAddresses: [{ SubnetId: 'subnet-0dead' }, { SubnetId: SUBNET_A }] })),
    );
    expect(badSubnet.name).toBe('InvalidParameterException');
    expect(h.ctx.state.aws.resolverEndpoints).toHaveLength(0);
  });
});

describe('emulated Secrets Manager', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  test('create (idempotent by token), describe, get, put, tag, list', async () => {
    const input = { Name: 'aoai/run-1/psk', SecretString: 'key-material', ClientRequestToken: 'token-0000-0000-0000-000000000001', Tags: [{ Key: 'run', Value: 'r1' }] };
    const created = await h.secrets.send(new CreateSecretCommand(input));
    expect(created.ARN).toMatch(/^arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:aoai\/run-1\/psk-[A-Za-z0-9]{6}$/);
    expect(created.VersionId).toBe(input.ClientRequestToken);
    expect((await h.secrets.send(new CreateSecretCommand(input))).ARN).toBe(created.ARN);
    const clash = await errorOf(h.secrets.send(new CreateSecretCommand({ ...input, ClientRequestToken: 'token-0000-0000-0000-000000000002' })));
    expect(clash.name).toBe('ResourceExistsException');

    const value = await h.secrets.send(new GetSecretValueCommand({ SecretId: created.ARN }));
    expect(value).toMatchObject({ Name: input.Name, SecretString: 'key-material', VersionStages: ['AWSCURRENT'] });
    expect(value.CreatedDate).toBeInstanceOf(Date);

    const put = await h.secrets.send(new PutSecretValueCommand({ SecretId: input.Name, SecretString: 'rotated' }));
    expect(put.VersionId).not.toBe(created.VersionId);
    expect((await h.secrets.send(new GetSecretValueCommand({ SecretId: input.Name }))).SecretString).toBe('rotated');

    await h.secrets.send(new TagSecretCommand({ SecretId: input.Name, Tags: [{ Key: 'owner', Value: 'team' }] }));
    const described = await h.secrets.send(new DescribeSecretCommand({ SecretId: input.Name }));
    expect(described.Tags).toEqual([{ Key: 'run', Value: 'r1' }, { Key: 'owner', Value: 'team' }]);
    expect(described.VersionIdsToStages).toEqual({ [put.VersionId!]: ['AWSCURRENT'] });

    await h.secrets.send(new CreateSecretCommand({ Name: 'other', SecretString: 'x' }));
    const byTag = await h.secrets.send(new ListSecretsCommand({ Filters: [{ Key: 'tag-key', Values: ['run'] }, { Key: 'tag-value', Values: ['r1'] }] }));
    expect(byTag.SecretList!.map((s) => s.Name)).toEqual([input.Name]);
    expect((await h.secrets.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: ['aoai/'] }] }))).SecretList!.map((s) => s.Name)).toEqual([input.Name]);

    const missing = await errorOf(h.secrets.send(new GetSecretValueCommand({ SecretId: 'nope' })));
    expect(missing.name).toBe('ResourceNotFoundException');
    expect(missing.$metadata?.httpStatusCode).toBe(400);
  });
});
