/**
 * The one place cloud clients are built. Handlers ask for `cloudClients()` and pass the clients to plain
 * functions, which tests can call with clients of their own.
 *
 * Configuration comes from the environment (Lambda sets it; local mode points it at the emulated clouds):
 * - AWS_REGION; AWS_ENDPOINT_URL (optional, e.g. a VPC endpoint or the local emulator);
 * - AZURE_CREDENTIAL_SECRET_ARN: Secrets Manager secret holding the service principal
 *   (`{"tenantId","clientId","clientSecret"}` or `{"tenantId","clientId","certificatePem"}`);
 * - AZURE_ARM_ENDPOINT (default https://management.azure.com), AZURE_AUTHORITY_HOST (Entra ID's host: sovereign
 *   clouds, local mode);
 * - EXTRA_CA_PEM_FILE: extra CA certificates to trust, for TLS-inspecting proxies (and local mode).
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { EC2Client } from '@aws-sdk/client-ec2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { Route53ResolverClient } from '@aws-sdk/client-route53resolver';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ResourceManagementClient } from '@azure/arm-resources';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { ClientCertificateCredential, ClientSecretCredential } from '@azure/identity';

export interface CloudClients {
  ec2: EC2Client;
  /** EC2 with the SDK's retries off: for creates that take no client token (see ec2.ts). */
  ec2Once: EC2Client;
  resolver: Route53ResolverClient;
  secrets: SecretsManagerClient;
  lambda: LambdaClient;
  arm: ResourceManagementClient;
  /** The service principal, for tokens of other Azure audiences (the OpenAI data plane). */
  azureCredential: TokenCredential;
}

/** Scope of Azure OpenAI data-plane tokens (Entra ID, not account keys). */
export const COGNITIVE_SERVICES_SCOPE = 'https://cognitiveservices.azure.com/.default';

export interface CloudClientOverrides {
  /** Extra CA certificates (PEM) to trust for Azure (Entra ID, ARM) and the probe's TLS. */
  extraCaPem?: string;
}

let overrides: CloudClientOverrides = {};
let cached: CloudClients | undefined;

/** Local wiring: set the overrides and drop clients built before. Never called in Lambda. */
export function configureCloudClients(next: CloudClientOverrides): void {
  overrides = { ...next };
  cached = undefined;
}

export function resetCloudClients(): void {
  overrides = {};
  cached = undefined;
}

export function extraCaPem(): string | undefined {
  if (overrides.extraCaPem) return overrides.extraCaPem;
  const file = process.env.EXTRA_CA_PEM_FILE;
  return file ? readFileSync(file, 'utf8') : undefined;
}

function awsConfig() {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  return { region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION, ...(endpoint ? { endpoint } : {}) };
}

/**
 * Reads the service principal from Secrets Manager on first use, so the secret never sits in the
 * environment or the state; the credential is kept for the life of the container (token cache).
 */
class SecretBackedCredential implements TokenCredential {
  private inner?: Promise<TokenCredential>;

  constructor(
    private readonly secrets: SecretsManagerClient,
    private readonly secretArn: string,
  ) {}

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    this.inner ??= this.load();
    return (await this.inner).getToken(scopes, options);
  }

  private async load(): Promise<TokenCredential> {
    const answer = await this.secrets.send(new GetSecretValueCommand({ SecretId: this.secretArn }));
    const principal = JSON.parse(answer.SecretString ?? '{}') as {
      tenantId?: string;
      clientId?: string;
      clientSecret?: string;
      certificatePem?: string;
    };
    if (!principal.tenantId || !principal.clientId || !(principal.clientSecret || principal.certificatePem)) {
      throw new Error(
        `The Azure credential secret ${this.secretArn} must hold JSON {"tenantId","clientId","clientSecret"} or {"tenantId","clientId","certificatePem"}`,
      );
    }
    const authorityHost = process.env.AZURE_AUTHORITY_HOST;
    const extraCa = extraCaPem();
    const options = {
      authorityHost,
      // An authority set explicitly is trusted as configured: instance discovery would ask the public cloud's
      // login.microsoftonline.com about it, a host a sovereign cloud (or local mode) must not depend on.
      ...(authorityHost ? { disableInstanceDiscovery: true } : {}),
      ...(extraCa ? { tlsOptions: { ca: [...rootCertificates, extraCa] } } : {}),
    };
    return principal.clientSecret
      ? new ClientSecretCredential(principal.tenantId, principal.clientId, principal.clientSecret, options)
      : new ClientCertificateCredential(principal.tenantId, principal.clientId, { certificate: principal.certificatePem! }, options);
  }
}

function azureCredential(secrets: SecretsManagerClient): TokenCredential {
  const secretArn = process.env.AZURE_CREDENTIAL_SECRET_ARN;
  if (!secretArn) throw new Error('AZURE_CREDENTIAL_SECRET_ARN is not set: the function cannot reach Azure');
  return new SecretBackedCredential(secrets, secretArn);
}

/** Azure Resource Manager's base URL (a sovereign cloud, a private link or local mode may change it). */
export function armEndpoint(): string {
  return (process.env.AZURE_ARM_ENDPOINT ?? 'https://management.azure.com').replace(/\/+$/, '');
}

function buildArmClient(credential: TokenCredential): ResourceManagementClient {
  const endpoint = armEndpoint();
  const extraCa = extraCaPem();
  return new ResourceManagementClient(credential, '00000000-0000-0000-0000-000000000000', {
    endpoint,
    // The scope is always ARM's, whatever endpoint serves it (a private link, a proxy, local mode).
    credentialScopes: 'https://management.azure.com/.default',
    ...(extraCa ? { tlsOptions: { ca: [...rootCertificates, extraCa] } } : {}),
  });
}

export function cloudClients(): CloudClients {
  if (cached) return cached;
  const aws = awsConfig();
  const secrets = new SecretsManagerClient(aws);
  let arm: ResourceManagementClient | undefined;
  let credential: TokenCredential | undefined;
  cached = {
    ec2: new EC2Client(aws),
    ec2Once: new EC2Client({ ...aws, maxAttempts: 1 }),
    resolver: new Route53ResolverClient(aws),
    secrets,
    lambda: new LambdaClient(aws),
    // Built on first use: functions that never call Azure need no Azure credential.
    get azureCredential() {
      credential ??= azureCredential(secrets);
      return credential;
    },
    get arm() {
      arm ??= buildArmClient(this.azureCredential);
      return arm;
    },
  };
  return cached;
}
