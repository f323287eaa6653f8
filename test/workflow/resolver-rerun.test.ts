/**
 * The whole workflow under the strict Route 53 Resolver (a used CreatorRequestId is refused, a repeated
 * association is refused): a re-run sends no Resolver create, and a lost CreateResolverEndpoint answer
 * converges to one endpoint.
 */
import { run } from './support';

const RESOLVER_CREATES = ['CreateResolverEndpoint', 'CreateResolverRule', 'AssociateResolverRule'];

describe('Route 53 Resolver steps across runs', () => {
  it('a re-run of a finished environment calls no Resolver create', async () => {
    const first = await run();
    expect(first.result.status).toBe('SUCCEEDED');
    for (const call of RESOLVER_CREATES) expect(first.result.report!.apiCalls.aws[call]).toBe(1);
    const again = await run({ stateFile: first.stateFile });
    expect(again.result.status).toBe('SUCCEEDED');
    const calls = again.result.report!.apiCalls.aws;
    for (const call of RESOLVER_CREATES) expect(calls[call]).toBeUndefined();
    expect(calls.ListResolverEndpoints).toBeGreaterThanOrEqual(1);
    const aws = again.state().aws;
    expect([aws.resolverEndpoints.length, aws.resolverRules.length, aws.resolverRuleAssociations.length]).toEqual([1, 1, 1]);
  });

  it('--faults drop-response:CreateResolverEndpoint: the retry is refused as existing, the step finds the endpoint, one endpoint', async () => {
    const dropped = await run({ faults: 'drop-response:CreateResolverEndpoint' });
    expect(dropped.result.status).toBe('SUCCEEDED');
    expect(dropped.result.report!.apiCalls.aws.CreateResolverEndpoint).toBe(2);
    expect(dropped.state().aws.resolverEndpoints).toHaveLength(1);
  });
});
