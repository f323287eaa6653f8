/**
 * The environment local mode gives the product's functions: the catalog's declared variables (functions/catalog.ts)
 * filled with the emulated clouds' values, as the stack fills them with the deployment's. It is process-wide, so
 * it holds only what is the same for every execution of a run: endpoints, the CA file, the credential secret,
 * the probe's code location. Nothing in it differs per execution, which is what lets executions run concurrently.
 */
import { FUNCTION_RUNTIME_NAME, PROBE_FUNCTION_HANDLER } from '../../functions/catalog';

/** Fixed dummy AWS credentials: the emulated services check signatures' shape, not the key. */
const LOCAL_AWS_ACCESS_KEY_ID = 'AKIALOCALMODE0000000';
const LOCAL_AWS_SECRET_ACCESS_KEY = 'local-mode-secret-access-key-0000000000';

export interface LocalEndpoints {
  awsEndpoint: string;
  azureEndpoint: string;
  authorityHost: string;
  azureCredentialSecretArn: string;
  /** The emulated Azure's CA, as a PEM file. */
  caFile: string;
  region: string;
  accountId: string;
  /** Names the functions' execution environment (see local/runner/index.ts: a new one starts new clients). */
  logStreamName: string;
}

/** The endpoints of running emulated clouds, on the state they serve, for `localFunctionEnvironment`. */
export function endpointsOf(
  clouds: Pick<LocalEndpoints, 'awsEndpoint' | 'azureEndpoint' | 'authorityHost' | 'azureCredentialSecretArn'>,
  state: { aws: { region: string; accountId: string } },
  caFile: string,
  logStreamName: string,
): LocalEndpoints {
  const { awsEndpoint, azureEndpoint, authorityHost, azureCredentialSecretArn } = clouds;
  return { awsEndpoint, azureEndpoint, authorityHost, azureCredentialSecretArn, caFile, region: state.aws.region, accountId: state.aws.accountId, logStreamName };
}

export function localFunctionEnvironment(endpoints: LocalEndpoints): Record<string, string> {
  const { region, accountId } = endpoints;
  return {
    // What Lambda itself sets.
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: LOCAL_AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: LOCAL_AWS_SECRET_ACCESS_KEY,
    // The standard variable every AWS SDK client reads: one endpoint serves every emulated AWS service.
    AWS_ENDPOINT_URL: endpoints.awsEndpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_LAMBDA_LOG_STREAM_NAME: endpoints.logStreamName,
    // What an operator sets for a sovereign cloud: ARM's endpoint and Entra ID's authority host.
    AZURE_ARM_ENDPOINT: endpoints.azureEndpoint,
    AZURE_AUTHORITY_HOST: endpoints.authorityHost,
    // What an operator behind a TLS-inspecting proxy sets: the extra CA, as a file.
    EXTRA_CA_PEM_FILE: endpoints.caFile,
    // What the stack sets.
    AZURE_CREDENTIAL_SECRET_ARN: endpoints.azureCredentialSecretArn,
    // Where the stack would have put the probe's role and code; the emulated Lambda takes them as given.
    PROBE_ROLE_ARN: `arn:aws:iam::${accountId}:role/aoai-link-probe`,
    PROBE_CODE_S3_BUCKET: `aoai-link-local-assets-${accountId}`,
    PROBE_CODE_S3_KEY: 'probe/handler.zip',
    PROBE_RUNTIME: FUNCTION_RUNTIME_NAME,
    PROBE_HANDLER: PROBE_FUNCTION_HANDLER,
    // A real level: the lines go to functions.log (function-logs.ts), not to the console.
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'INFO',
    // The in-process SDK warns about this machine's Node version; the deployed functions run Node 22+.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/**
 * The ticket callback's settings in local mode, as an operator would set them: every emulated listener, the
 * ticket system's too, is on 127.0.0.1 (and nothing else is allowed), and names are resolved by the local
 * public DNS (local/cloud/public-dns.ts), served at `dnsServer`.
 */
export const LOCAL_CALLBACK_NETWORKS = '127.0.0.1/32';

export function localCallbackEnvironment(dnsServer: string): Record<string, string> {
  return { CALLBACK_ALLOWED_NETWORKS: LOCAL_CALLBACK_NETWORKS, CALLBACK_DNS_SERVERS: dnsServer };
}
