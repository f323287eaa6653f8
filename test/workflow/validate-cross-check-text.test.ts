/**
 * The cross-check quotes what the clouds report (account kinds, deployment and subnet names) in its problems:
 * those go through the same escaping and shortening as every other refusal, since a refusal ends up in a ticket,
 * a log and a terminal.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { subnetNamesByPrefixField } from '../../functions/commons/naming';
import type { EnvironmentRequest } from '../../functions/commons/request/contract';
import { MAX_PROBLEM_MESSAGE, validateRequestDocument } from '../../functions/commons/request/schema';
import { crossCheckRequest, type CloudFacts } from '../../functions/validate-request/cross-check';

const VPC = 'vpc-0a1b2c3d4e5f60001';

function sampleRequest(): EnvironmentRequest {
  const checked = validateRequestDocument(JSON.parse(readFileSync(path.join(__dirname, '../../events/new-environment.json'), 'utf8')));
  if (!checked.ok) throw new Error('the sample request should be valid');
  return checked.request;
}

function factsAgreeingWith(request: EnvironmentRequest): CloudFacts {
  return {
    vpc: { cidrBlocks: ['10.0.0.0/16'] },
    subnets: {
      [request.aws.resolverSubnetIds[0]]: { vpcId: VPC, availabilityZone: 'ap-northeast-1a', cidrBlock: '10.0.1.0/24' },
      [request.aws.resolverSubnetIds[1]]: { vpcId: VPC, availabilityZone: 'ap-northeast-1c', cidrBlock: '10.0.2.0/24' },
    },
    routeTables: { [request.aws.routeTableIds[0]]: { vpcId: VPC } },
    vnet: { location: 'japaneast', addressPrefixes: ['192.168.0.0/16'], subnets: [] },
    openAiAccount: { kind: 'OpenAI', customSubDomainName: 'aoai-prod', location: 'japaneast', deployments: [request.azure.openAiDeployment] },
  };
}

test('a control or invisible character reported by a cloud is shown as \\uXXXX, never raw', () => {
  const request = sampleRequest();
  const facts = factsAgreeingWith(request);
  facts.openAiAccount!.kind = 'Open\u001b[2JAI';
  facts.vnet!.subnets = [{ name: 'snet-\u202eevil', addressPrefix: request.azure.privateEndpointSubnetPrefix! }];
  const problems = crossCheckRequest(request, facts, subnetNamesByPrefixField(request.environmentId));
  expect(problems).toEqual([
    { path: 'azure.privateEndpointSubnetPrefix', message: expect.stringContaining('existing subnet snet-\\u202eevil') },
    { path: 'azure.openAiAccountId', message: 'the account is of kind Open\\u001b[2JAI; expected OpenAI or AIServices' },
  ]);
});

test('a long list reported by a cloud is cut to the longest message, saying how long it was', () => {
  const request = sampleRequest();
  const facts = factsAgreeingWith(request);
  facts.openAiAccount!.deployments = Array.from({ length: 200 }, (_, i) => `model-${i}`);
  const [problem, ...others] = crossCheckRequest(request, facts, subnetNamesByPrefixField(request.environmentId));
  expect(others).toEqual([]);
  expect(problem.path).toBe('azure.openAiDeployment');
  expect(problem.message).toMatch(/^deployment \S+ was not found on the account \(it has model-0, model-1, .*… \(\d+ characters\)$/);
  expect(Array.from(problem.message.replace(/… \(\d+ characters\)$/, ''))).toHaveLength(MAX_PROBLEM_MESSAGE);
});
