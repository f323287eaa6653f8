/**
 * Azure: the service principal's credential (read from Secrets Manager, never from the environment) and the
 * Azure Resource Manager client. Settings: AZURE_CREDENTIAL_SECRET_ARN, AZURE_ARM_ENDPOINT and
 * AZURE_AUTHORITY_HOST (a sovereign cloud, a private link), EXTRA_CA_PEM_FILE (a TLS-inspecting proxy).
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ResourceManagementClient } from '@azure/arm-resources';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { ClientCertificateCredential, ClientSecretCredential } from '@azure/identity';
import { optionalSetting, requiredSetting } from '../config';
import { extraCaTlsOptions } from './tls';

/** Scope of Azure OpenAI data-plane tokens (Entra ID, not account keys). */
export const COGNITIVE_SERVICES_SCOPE = 'https://cognitiveservices.azure.com/.default';

const PUBLIC_ARM_ENDPOINT = 'https://management.azure.com';

export interface AzureClients {
  arm: ResourceManagementClient;
  /** The service principal, for tokens of other Azure audiences (the OpenAI data plane). */
  azureCredential: TokenCredential;
}

/** Azure Resource Manager's base URL (a sovereign cloud or a private link may change it). */
export function armEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  return (optionalSetting('AZURE_ARM_ENDPOINT', env) ?? PUBLIC_ARM_ENDPOINT).replace(/\/+$/, '');
}

/**
 * Reads the service principal from Secrets Manager on first use, so the secret never sits in the environment
 * or the state; the credential (and its token cache) lives as long as the clients holding it.
 */
class SecretBackedCredential implements TokenCredential {
  private inner?: Promise<TokenCredential>;

  constructor(
    private readonly secrets: SecretsManagerClient,
    private readonly secretArn: string,
    private readonly env: NodeJS.ProcessEnv,
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
    const authorityHost = optionalSetting('AZURE_AUTHORITY_HOST', this.env);
    const options = {
      authorityHost,
      // An authority set explicitly is trusted as configured: instance discovery would ask the public cloud's
      // login.microsoftonline.com about it, a host a sovereign cloud must not depend on.
      ...(authorityHost ? { disableInstanceDiscovery: true } : {}),
      ...extraCaTlsOptions(this.env),
    };
    return principal.clientSecret
      ? new ClientSecretCredential(principal.tenantId, principal.clientId, principal.clientSecret, options)
      : new ClientCertificateCredential(principal.tenantId, principal.clientId, { certificate: principal.certificatePem! }, options);
  }
}

/** The credential and the ARM client, built on first use: an action that never calls Azure reads no secret. */
export function azureClients(secrets: SecretsManagerClient, env: NodeJS.ProcessEnv = process.env): AzureClients {
  let credential: TokenCredential | undefined;
  let arm: ResourceManagementClient | undefined;
  return {
    get azureCredential() {
      credential ??= new SecretBackedCredential(secrets, requiredSetting('AZURE_CREDENTIAL_SECRET_ARN', env), env);
      return credential;
    },
    get arm() {
      arm ??= new ResourceManagementClient(this.azureCredential, '00000000-0000-0000-0000-000000000000', {
        endpoint: armEndpoint(env),
        // The scope is always ARM's, whatever endpoint serves it (a private link, a proxy).
        credentialScopes: 'https://management.azure.com/.default',
        ...extraCaTlsOptions(env),
      });
      return arm;
    },
  };
}
