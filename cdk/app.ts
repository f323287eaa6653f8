/**
 * CDK app: `npx cdk synth` / `npx cdk deploy` (cdk.json runs this file through cdk/register.js).
 * Context: `azureCredentialSecretArn` (an existing secret with the service principal, complete or partial ARN),
 * `azureCredentialKmsKeyArn` (its customer-managed key, if any), `tunnelKeyKmsKeyArn` (a customer-managed key
 * for the tunnel-key secrets), `stackName`, `healthCheckMinutes` (minutes between health checks, default 15) and
 * `healthCheckEnvironments` (a JSON list of `{"environmentId", "minutes"?}`: a schedule and an alarm each;
 * absent, one schedule checks every provisioned environment).
 * cdk-nag's AwsSolutionsChecks runs on every synth; an unacknowledged finding fails it.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AoaiLinkStack } from './stack';

const app = new App();
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));

const context = (key: string): string | undefined => {
  const value = app.node.tryGetContext(key);
  return typeof value === 'string' && value.length > 0 ? value : undefined;
};

/** `-c healthCheckEnvironments='[{"environmentId":"aoai-prod-01","minutes":5}]'`, or the same list in cdk.json. */
function healthCheckEnvironments(): { environmentId: string; minutes?: number }[] | undefined {
  const value = app.node.tryGetContext('healthCheckEnvironments');
  if (value === undefined || value === '') return undefined;
  const list = typeof value === 'string' ? JSON.parse(value) : value;
  if (!Array.isArray(list) || !list.every((e) => e && typeof e.environmentId === 'string')) {
    throw new Error('healthCheckEnvironments: a list of {"environmentId": "...", "minutes": n}');
  }
  return list;
}

new AoaiLinkStack(app, context('stackName') ?? 'AoaiPrivateLink', {
  azureCredentialSecretArn: context('azureCredentialSecretArn'),
  azureCredentialKmsKeyArn: context('azureCredentialKmsKeyArn'),
  tunnelKeyKmsKeyArn: context('tunnelKeyKmsKeyArn'),
  ...(context('healthCheckMinutes') ? { healthCheckMinutes: Number(context('healthCheckMinutes')) } : {}),
  ...(healthCheckEnvironments() ? { healthCheckEnvironments: healthCheckEnvironments() } : {}),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});

app.synth();
