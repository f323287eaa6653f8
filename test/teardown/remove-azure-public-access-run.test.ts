/**
 * The account's public access through both state machines in local mode: with `disable-first` the lock runs
 * at once, in parallel with the build, and still the record says what the account had before it; a teardown
 * asked to restore puts that back, and by default a teardown leaves the account locked.
 */
import { ACL_DEFAULT_ACTION_BEFORE_TAG, PUBLIC_ACCESS_BEFORE_TAG } from '../../functions/commons/public-access-record';
import { request, run } from '../workflow/support';
import { provisionedAzureNames } from './remove-azure-support';

const ACCOUNT_KEY = (id: string) => id.toLowerCase();

describe("the OpenAI account's public access across provisioning and teardown", () => {
  it('disable-first: recorded before the early lock; a restoring teardown puts it back, a second teardown changes nothing', async () => {
    const document: any = request((r) => {
      r.options.publicNetworkAccess = 'disable-first';
      r.options.publicNetworkAccessOnTeardown = 'restore';
    });
    const pipKey = provisionedAzureNames(document).publicIp.id.toLowerCase();
    const accountKey = ACCOUNT_KEY(document.azure.openAiAccountId);

    const built = await run({ request: document });
    expect(built.result.status).toBe('SUCCEEDED');
    const state = built.state();
    expect(state.azure.resources[accountKey].body.properties.publicNetworkAccess).toBe('Disabled');
    expect(state.azure.resources[pipKey].body.tags).toMatchObject({ [PUBLIC_ACCESS_BEFORE_TAG]: 'Enabled', [ACL_DEFAULT_ACTION_BEFORE_TAG]: 'Allow' });

    const torn = await run({ request: document, teardown: true, stateFile: built.stateFile });
    expect(torn.result.status).toBe('SUCCEEDED');
    const account = torn.state().azure.resources[accountKey].body.properties;
    expect(account.publicNetworkAccess).toBe('Enabled');
    expect(account.networkAcls.defaultAction).toBe('Allow');
    expect(torn.historyText()).toContain("Restore the OpenAI account's public access as it was");

    const again = await run({ request: document, teardown: true, stateFile: built.stateFile });
    expect(again.result.status).toBe('SUCCEEDED');
    expect(Object.keys(again.result.report!.apiCalls.azure).filter((call) => /^(PATCH|PUT|DELETE) /.test(call))).toEqual([]);
  });

  it('by default a teardown keeps the account as it is: locked', async () => {
    const document: any = request(() => undefined);
    const built = await run({ request: document });
    expect(built.result.status).toBe('SUCCEEDED');
    const torn = await run({ request: document, teardown: true, stateFile: built.stateFile });
    expect(torn.result.status).toBe('SUCCEEDED');
    expect(torn.state().azure.resources[ACCOUNT_KEY(document.azure.openAiAccountId)].body.properties.publicNetworkAccess).toBe('Disabled');
    expect(Object.keys(torn.result.report!.apiCalls.azure).filter((call) => call.startsWith('PATCH '))).toEqual([]);
  });
});
