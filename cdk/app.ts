/**
 * CDK app: `npx cdk synth` / `npx cdk deploy` (cdk.json runs this file through cdk/register.js).
 * Context: `azureCredentialSecretArn` (an existing secret with the service principal, complete or partial ARN),
 * `azureCredentialKmsKeyArn` (its customer-managed key, if any), `tunnelKeyKmsKeyArn` (a customer-managed key
 * for the tunnel-key secrets), `stackName`.
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

new AoaiLinkStack(app, context('stackName') ?? 'AoaiPrivateLink', {
  azureCredentialSecretArn: context('azureCredentialSecretArn'),
  azureCredentialKmsKeyArn: context('azureCredentialKmsKeyArn'),
  tunnelKeyKmsKeyArn: context('tunnelKeyKmsKeyArn'),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});

app.synth();
