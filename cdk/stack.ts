/**
 * The deployable product in one stack: the provisioning and the teardown state machines (inline ASL +
 * substitutions, each given only the functions its definition names), one NodejsFunction per catalog entry with
 * least-privilege roles, the probe's code and role, the secrets, the ticket webhook (API Gateway) and the
 * notifier that reports each finished execution of either machine to its ticket.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  FUNCTION_RUNTIME_NAME,
  functionDefinition,
  LAMBDAS,
  LambdaDefinition,
  PROBE_FUNCTION_ENTRY,
  PROBE_FUNCTION_HANDLER,
  variablesOf,
  type EntryFunctionDefinition,
} from '../functions/catalog';
import { loadDefinition, placeholdersIn } from './asl';
import { BUNDLE_MAIN_FIELDS, FUNCTION_BUNDLE_ALIASES } from './bundles';
import { acknowledge, acknowledgeWildcardResources } from './nag';
import { PROBE_FUNCTION_NAME_PREFIX, statementsForCalls } from './permissions';
import { probeCodeAsset } from './probe-code';
import { HEALTHY_METRIC, HEALTH_NAMESPACE, UNHEALTHY_METRIC } from '../functions/health-check/metrics';

/** The AWS SDK app id (User-Agent `app/<id>`) a catalog function sends. */
export const sdkAppId = (functionId: string) => `aoai-link-${functionId}`;

/** One runtime for every function (named in the catalog, which the probe runner reads too); the esbuild target follows it. */
export const FUNCTION_RUNTIME = runtimeNamed(FUNCTION_RUNTIME_NAME);
const ESBUILD_TARGET = FUNCTION_RUNTIME_NAME.replace(/^nodejs(\d+)\.x$/, 'node$1');
const LOG_RETENTION = logs.RetentionDays.THREE_MONTHS;

export interface AoaiLinkStackProps extends StackProps {
  /** Repository root; entries, the ASL and package-lock.json are resolved from it. Default: this file's parent. */
  projectRoot?: string;
  /** The ASL file. Default: statemachine/provision.asl.json under projectRoot. */
  aslPath?: string;
  /** The teardown ASL file. Default: statemachine/teardown.asl.json under projectRoot. */
  teardownAslPath?: string;
  /** The workflow's functions. Default: functions/catalog.ts LAMBDAS. */
  lambdas?: LambdaDefinition[];
  /** Maps an entry (relative to projectRoot) to the file to bundle. Default: the file itself. Tests use it for stand-ins. */
  resolveEntry?: (entry: string) => string;
  /**
   * An existing secret holding the Azure service principal, as a complete ARN (with the six characters Secrets
   * Manager appends) or a partial one (ending at the name). Default: a new secret with a placeholder value.
   */
  azureCredentialSecretArn?: string;
  /** The customer-managed KMS key that existing secret is encrypted with, if any (Decrypt via Secrets Manager only). */
  azureCredentialKmsKeyArn?: string;
  /** A customer-managed KMS key for the tunnel-key secrets. Default: Secrets Manager's AWS-managed key. */
  tunnelKeyKmsKeyArn?: string;
  /** Requests per second the webhook accepts (steady, burst is twice). Default 5. */
  webhookRateLimit?: number;
  /** Minutes between health checks (EventBridge Scheduler), for every environment. Default 15. */
  healthCheckMinutes?: number;
  /**
   * Environments checked on their own schedule, each with its own alarm (and, optionally, its own interval).
   * Absent: one schedule checks every environment whose latest provisioning succeeded.
   */
  healthCheckEnvironments?: { environmentId: string; minutes?: number }[];
}

/** The teardown state machine's name: the command line and runbooks find it by this. */
export const TEARDOWN_STATE_MACHINE_NAME = 'aoai-link-teardown';

export class AoaiLinkStack extends Stack {
  readonly stateMachine: sfn.StateMachine;
  readonly teardownStateMachine: sfn.StateMachine;
  readonly functions: Record<string, NodejsFunction> = {};
  readonly api: apigw.RestApi;

  private readonly projectRoot: string;
  private readonly resolveEntry: (entry: string) => string;

  constructor(scope: Construct, id: string, props: AoaiLinkStackProps = {}) {
    super(scope, id, props);
    this.projectRoot = props.projectRoot ?? path.resolve(__dirname, '..');
    this.resolveEntry = props.resolveEntry ?? ((entry) => path.join(this.projectRoot, entry));
    const lambdas = props.lambdas ?? LAMBDAS;

    // --- Secrets: values never appear in the template. ---
    const azureCredential = this.azureCredentialSecret(props.azureCredentialSecretArn);
    const azureCredentialRead = azureCredentialReadStatements(azureCredential, props.azureCredentialSecretArn, props.azureCredentialKmsKeyArn);
    const signingSecret = new secretsmanager.Secret(this, 'WebhookSigningSecret', {
      description:
        'aoai-link: HMAC-SHA256 key shared with the ticket system. Signs webhook requests (X-Signature) and the ' +
        'status callbacks sent back to tickets.',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });

    // --- The probe: code in S3, a role for running inside the customer VPC. ---
    const probeCode = probeCodeAsset(this, 'ProbeCode', {
      entry: this.resolveEntry(PROBE_FUNCTION_ENTRY),
      target: ESBUILD_TARGET,
    });
    const probeRole = this.probeRole();

    // --- The workflow's functions, from the catalog. ---
    const scopeContext = {
      probeRoleArn: probeRole.roleArn,
      probeCodeObjectArn: probeCode.bucket.arnForObjects(probeCode.s3ObjectKey),
      tunnelKeyKmsKeyArn: props.tunnelKeyKmsKeyArn,
    };
    const substitutions: Record<string, string> = {};
    for (const definition of lambdas) {
      const environment = fillEnvironment(definition, {
        // The SDK puts this in its User-Agent, so CloudTrail (and the local IAM simulation) can tell callers apart.
        AWS_SDK_UA_APP_ID: sdkAppId(definition.id),
        AZURE_CREDENTIAL_SECRET_ARN: azureCredential.secretArn,
        // The function that creates the tunnel-key secrets names the key; readers need only the kms:Decrypt grant.
        TUNNEL_KEY_KMS_KEY_ID: props.tunnelKeyKmsKeyArn,
        PROBE_CODE_S3_BUCKET: probeCode.s3BucketName,
        PROBE_CODE_S3_KEY: probeCode.s3ObjectKey,
        PROBE_ROLE_ARN: probeRole.roleArn,
        PROBE_HANDLER: PROBE_FUNCTION_HANDLER,
        PROBE_RUNTIME: FUNCTION_RUNTIME.name,
      });
      const fn = this.nodeFunction(definition.id, definition.entry, definition.description, environment, Duration.minutes(5));
      const { statements, wildcardReasons } = statementsForCalls(definition.id, definition.calls, scopeContext);
      for (const statement of statements) fn.addToRolePolicy(statement);
      acknowledgeWildcardResources(fn.role!, wildcardReasons);
      if (definition.usesAzure) for (const statement of azureCredentialRead) fn.addToRolePolicy(statement);
      if (definition.substitution) substitutions[definition.substitution] = fn.functionArn;
    }

    // --- The state machines: each gets the substitutions its own definition names, and may invoke only those functions. ---
    const functionsBySubstitution = new Map(
      lambdas.filter((definition) => definition.substitution).map((definition) => [definition.substitution!, this.functions[definition.id]]),
    );
    this.stateMachine = this.workflowStateMachine('Provision', {
      aslPath: props.aslPath ?? path.join(this.projectRoot, 'statemachine', 'provision.asl.json'),
      logGroupName: `/aws/vendedlogs/states/${this.stackName}-provision`,
      comment: 'Provisions a private path from an AWS VPC to an Azure OpenAI account over a site-to-site VPN.',
      substitutions,
      functionsBySubstitution,
    });
    this.teardownStateMachine = this.workflowStateMachine('Teardown', {
      aslPath: props.teardownAslPath ?? path.join(this.projectRoot, 'statemachine', 'teardown.asl.json'),
      logGroupName: `/aws/vendedlogs/states/${this.stackName}-teardown`,
      comment: 'Removes what the product created for an environment, in reverse dependency order, and nothing else.',
      substitutions,
      functionsBySubstitution,
      stateMachineName: TEARDOWN_STATE_MACHINE_NAME,
    });

    // --- Webhook intake, status, notifier. ---
    const stateMachineArn = this.stateMachine.stateMachineArn;
    const teardownStateMachineArn = this.teardownStateMachine.stateMachineArn;
    const executionsOf = (machine: sfn.StateMachine) =>
      `arn:${Aws.PARTITION}:states:${Aws.REGION}:${Aws.ACCOUNT_ID}:execution:${machine.stateMachineName}:*`;
    const executionsArn = executionsOf(this.stateMachine);
    const teardownExecutionsArn = executionsOf(this.teardownStateMachine);
    const entryValues = {
      STATE_MACHINE_ARN: stateMachineArn,
      TEARDOWN_STATE_MACHINE_ARN: teardownStateMachineArn,
      SIGNING_SECRET_ARN: signingSecret.secretArn,
    };
    const entryFunction = (id: string, timeout: Duration) => {
      const definition = functionDefinition(id) as EntryFunctionDefinition;
      return this.nodeFunction(id, definition.entry, definition.description, fillEnvironment(definition, entryValues), timeout);
    };
    const intake = entryFunction('Intake', Duration.seconds(29));
    // Either machine: it starts one only after looking at both (a provisioning and a teardown never run at once).
    intake.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['states:StartExecution', 'states:ListExecutions'], resources: [stateMachineArn, teardownStateMachineArn] }),
    );
    intake.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executionsArn, teardownExecutionsArn] }));
    signingSecret.grantRead(intake);

    const status = entryFunction('EnvironmentStatus', Duration.seconds(29));
    status.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:ListExecutions'], resources: [stateMachineArn, teardownStateMachineArn] }));
    status.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executionsArn, teardownExecutionsArn] }));

    const notifier = entryFunction('NotifyTicket', Duration.minutes(2));
    notifier.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executionsArn, teardownExecutionsArn] }));
    signingSecret.grantRead(notifier);
    this.notifyOnExecutionEnd(notifier);
    for (const fn of [intake, status, notifier]) {
      acknowledgeWildcardResources(fn.role!, {
        [executionsArn]: "Execution names are chosen at run time; the scope is this state machine's executions only.",
      });
    }
    for (const fn of [intake, status, notifier]) {
      acknowledgeWildcardResources(fn.role!, {
        [teardownExecutionsArn]: "Execution names are chosen at run time; the scope is the teardown state machine's executions only.",
      });
    }

    // --- The health check: scheduled, read-only, metrics per environment and step, alarms. ---
    const healthDefinition = functionDefinition('HealthCheck') as EntryFunctionDefinition;
    const healthCheck = this.nodeFunction(
      healthDefinition.id,
      healthDefinition.entry,
      healthDefinition.description,
      fillEnvironment(healthDefinition, { ...entryValues, AWS_SDK_UA_APP_ID: sdkAppId(healthDefinition.id), AZURE_CREDENTIAL_SECRET_ARN: azureCredential.secretArn }),
      Duration.minutes(5),
    );
    const healthStatements = statementsForCalls(healthDefinition.id, healthDefinition.calls ?? [], scopeContext);
    for (const statement of healthStatements.statements) healthCheck.addToRolePolicy(statement);
    acknowledgeWildcardResources(healthCheck.role!, healthStatements.wildcardReasons);
    for (const statement of azureCredentialRead) healthCheck.addToRolePolicy(statement);
    healthCheck.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:ListExecutions'], resources: [stateMachineArn, teardownStateMachineArn] }));
    healthCheck.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: [executionsArn] }));
    acknowledgeWildcardResources(healthCheck.role!, {
      [executionsArn]: "Execution names are chosen at run time; the scope is this state machine's executions only.",
    });
    this.healthChecks(healthCheck, props.healthCheckMinutes ?? 15, props.healthCheckEnvironments ?? []);

    this.api = this.webhookApi(intake, status, props.webhookRateLimit ?? 5);

    for (const secret of [signingSecret, azureCredential]) {
      if (secret instanceof secretsmanager.Secret) {
        acknowledge(
          secret,
          'AwsSolutions-SMG4',
          'No rotation Lambda: the value is issued outside AWS (the ticket system holds the same webhook key; the Azure ' +
            'service principal secret is rotated in Entra ID) and is replaced with put-secret-value; the functions read ' +
            'the current value on cold start.',
        );
      }
    }
    for (const fn of Object.values(this.functions)) {
      acknowledge(
        fn,
        'AwsSolutions-L1',
        `Pinned to ${FUNCTION_RUNTIME.name}, a supported LTS runtime, on purpose: bundles are built with esbuild target ` +
          `${ESBUILD_TARGET} and tested on that Node line; moving to a newer runtime is a deliberate change, not a drift.`,
      );
    }

    new CfnOutput(this, 'StateMachineArn', { value: stateMachineArn });
    new CfnOutput(this, 'TeardownStateMachineArn', { value: teardownStateMachineArn });
    new CfnOutput(this, 'WebhookUrl', { value: this.api.urlForPath('/environments') });
    new CfnOutput(this, 'WebhookSigningSecretArn', { value: signingSecret.secretArn });
    new CfnOutput(this, 'AzureCredentialSecretArn', { value: azureCredential.secretArn });
  }

  /**
   * The schedules (EventBridge Scheduler) that run the health check, and its alarms: any environment unhealthy,
   * each listed environment unhealthy or silent, and the check itself failing.
   */
  private healthChecks(fn: NodejsFunction, minutes: number, environments: { environmentId: string; minutes?: number }[]): void {
    const every = (n: number) => {
      if (!Number.isInteger(n) || n < 1) throw new Error(`A health check interval must be a whole number of minutes, at least 1; got ${n}`);
      return scheduler.ScheduleExpression.rate(Duration.minutes(n));
    };
    // One role for every schedule, assumable by EventBridge Scheduler of this account only.
    const role = new iam.Role(this, 'HealthCheckSchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } } }),
      description: 'aoai-link: lets EventBridge Scheduler invoke the health check function, and nothing else.',
    });
    acknowledgeWildcardResources(role, {
      [`${fn.functionArn}:*`]: "Lambda's invoke grant names the function and its versions/aliases (ARN:*); it is the health check function only.",
    });
    const schedules = environments.length ? environments.map((e) => ({ id: e.environmentId, input: { environmentId: e.environmentId }, minutes: e.minutes ?? minutes })) : [{ id: 'All', input: {}, minutes }];
    for (const schedule of schedules) {
      new scheduler.Schedule(this, `HealthCheckSchedule-${schedule.id}`, {
        description: environments.length ? `aoai-link: health check of environment ${schedule.id}` : 'aoai-link: health check of every provisioned environment',
        schedule: every(schedule.minutes),
        // A missed check is not repeated: the next one comes within the interval.
        target: new schedulerTargets.LambdaInvoke(fn, { input: scheduler.ScheduleTargetInput.fromObject(schedule.input), retryAttempts: 0, role }),
      });
    }
    const period = Duration.minutes(Math.max(...schedules.map((s) => s.minutes)));
    new cloudwatch.Alarm(this, 'HealthAlarmAnyEnvironment', {
      alarmDescription: 'aoai-link: an environment failed its health check; the CheckPassed metric (dimensions EnvironmentId, Step) names the step.',
      metric: new cloudwatch.Metric({ namespace: HEALTH_NAMESPACE, metricName: UNHEALTHY_METRIC, statistic: 'Maximum', period }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const schedule of environments.length ? schedules : []) {
      new cloudwatch.Alarm(this, `HealthAlarm-${schedule.id}`, {
        alarmDescription: `aoai-link: environment ${schedule.id} failed its health check, or no check reported.`,
        metric: new cloudwatch.Metric({ namespace: HEALTH_NAMESPACE, metricName: HEALTHY_METRIC, dimensionsMap: { EnvironmentId: schedule.id }, statistic: 'Minimum', period: Duration.minutes(schedule.minutes) }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
        // Silence is a failure too: the check stopped, or could not read the environment.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
    }
    new cloudwatch.Alarm(this, 'HealthCheckFunctionErrors', {
      alarmDescription: 'aoai-link: the health check function itself failed (it could not read the clouds or publish).',
      metric: fn.metricErrors({ period }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /**
   * A Standard state machine from an ASL file, given the substitutions (and invoke grants) of the functions its
   * definition names and no others, so neither workflow's role can invoke the other's functions.
   */
  private workflowStateMachine(
    id: string,
    settings: {
      aslPath: string;
      logGroupName: string;
      comment: string;
      substitutions: Record<string, string>;
      functionsBySubstitution: Map<string, NodejsFunction>;
      stateMachineName?: string;
    },
  ): sfn.StateMachine {
    const text = loadDefinition(settings.aslPath, Object.keys(settings.substitutions));
    const used = placeholdersIn(text).filter((name) => name in settings.substitutions);
    const substitutions = Object.fromEntries(used.map((name) => [name, settings.substitutions[name]]));
    const logGroup = new logs.LogGroup(this, id === 'Provision' ? 'StateMachineLogs' : `${id}StateMachineLogs`, {
      // Step Functions requires the /aws/vendedlogs/ prefix to avoid the resource-policy size limit.
      logGroupName: settings.logGroupName,
      retention: LOG_RETENTION,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const stateMachine = new sfn.StateMachine(this, id, {
      ...(settings.stateMachineName ? { stateMachineName: settings.stateMachineName } : {}),
      stateMachineType: sfn.StateMachineType.STANDARD,
      comment: settings.comment,
      definitionBody: sfn.DefinitionBody.fromString(text),
      definitionSubstitutions: substitutions,
      // Execution data stays out of the logs: the console history shows it to those allowed to read it.
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
      // Stated explicitly: AWS-owned key, so people reading history in the console need no KMS grant.
      encryptionConfiguration: new sfn.AwsOwnedEncryptionConfiguration(),
    });
    const invokeReasons = new Map<string, string>([
      ['*', 'X-Ray tracing (PutTraceSegments, GetSampling*) and CloudWatch Logs delivery (CreateLogDelivery etc.) accept no resource scope; added by CDK for tracing and logging.'],
    ]);
    for (const name of used) {
      const fn = settings.functionsBySubstitution.get(name);
      if (!fn) continue;
      fn.grantInvoke(stateMachine);
      invokeReasons.set(`${fn.functionArn}:*`, "Versions and aliases of one of the workflow's own functions (added by grantInvoke).");
    }
    acknowledgeWildcardResources(stateMachine.role, invokeReasons);
    return stateMachine;
  }

  private azureCredentialSecret(arn: string | undefined): secretsmanager.ISecret {
    if (arn) {
      // Whether the ARN is complete cannot be told from its text (a name may itself end in "-" and six
      // characters); the read grant covers both readings (azureCredentialReadStatements).
      return secretsmanager.Secret.fromSecretPartialArn(this, 'AzureCredential', arn);
    }
    return new secretsmanager.Secret(this, 'AzureCredential', {
      description:
        'aoai-link: Azure service principal for Azure Resource Manager. Replace the placeholder with JSON ' +
        '{"tenantId":"<guid>","clientId":"<guid>","clientSecret":"<secret>"} or ' +
        '{"tenantId":"<guid>","clientId":"<guid>","certificatePem":"<PEM with private key>"} ' +
        '(aws secretsmanager put-secret-value --secret-id <this ARN> --secret-string file://sp.json). ' +
        'Roles needed: see the README, section Deploying.',
      // The generated value only fills an unused key; the empty fields make the functions say "not configured".
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ tenantId: '', clientId: '', clientSecret: '' }),
        generateStringKey: 'placeholder',
        excludePunctuation: true,
      },
    });
  }

  private probeRole(): iam.Role {
    const role = new iam.Role(this, 'ProbeRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'aoai-link: execution role of the per-environment probe functions that run inside the VPC.',
    });
    // What a Lambda function in a VPC needs for its network interfaces (the content of
    // AWSLambdaVPCAccessExecutionRole, inline so the grant is reviewable here), each action on the resource
    // types it takes in this account and region: the same reach as `*`, written so IAM lint can check it.
    const probeEc2 = (type: string) => `arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:${type}/*`;
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ec2:CreateNetworkInterface'],
        resources: [probeEc2('network-interface'), probeEc2('subnet'), probeEc2('security-group')],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
        resources: [probeEc2('network-interface')],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({ actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'], resources: ['*'] }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [
          `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:/aws/lambda/${PROBE_FUNCTION_NAME_PREFIX}*`,
        ],
      }),
    );
    const lambdaEni =
      'Lambda creates and deletes the network interfaces of a function in a VPC in the subnets and security groups the function names; their IDs are unknown before.';
    acknowledgeWildcardResources(role, {
      '*': 'Read-only EC2 Describe actions, which accept no resource scope (as in the AWSLambdaVPCAccessExecutionRole managed policy).',
      [probeEc2('network-interface')]: lambdaEni,
      [probeEc2('subnet')]: lambdaEni,
      [probeEc2('security-group')]: lambdaEni,
      [`arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:/aws/lambda/${PROBE_FUNCTION_NAME_PREFIX}*`]:
        'Log groups of the probe functions created per environment at run time, and nothing else.',
    });
    return role;
  }

  /** A bundled function with its own role and log group (no managed policies, bounded retention). */
  private nodeFunction(
    id: string,
    entry: string,
    description: string,
    environment: Record<string, string>,
    timeout: Duration,
  ): NodejsFunction {
    const entryPath = this.resolveEntry(entry);
    if (!fs.existsSync(entryPath)) throw new Error(`Function ${id}: entry ${entryPath} does not exist.`);
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `aoai-link ${id}`,
    });
    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      retention: LOG_RETENTION,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    logGroup.grantWrite(role);
    const fn = new NodejsFunction(this, id, {
      entry: entryPath,
      handler: 'handler',
      description,
      runtime: FUNCTION_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout,
      role,
      logGroup,
      environment,
      projectRoot: this.projectRoot,
      depsLockFilePath: path.join(this.projectRoot, 'package-lock.json'),
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.CJS,
        target: ESBUILD_TARGET,
        // Small bundles start fast; the source map (with NODE_OPTIONS=--enable-source-maps, fillEnvironment) keeps
        // the function logs' stack traces pointing at the sources.
        minify: true,
        sourceMap: true,
        // Bundle the AWS SDK too: the versions tested here are the versions that run.
        externalModules: [],
        mainFields: BUNDLE_MAIN_FIELDS,
        esbuildArgs: {
          '--alias': Object.entries(FUNCTION_BUNDLE_ALIASES).map(([name, replacement]) => `${name}=${replacement}`),
          // The bundled packages' licence notices stay beside the bundle (index.js.LEGAL.txt), out of the code.
          '--legal-comments': 'external',
        },
      },
    });
    this.functions[id] = fn;
    return fn;
  }

  private notifyOnExecutionEnd(notifier: NodejsFunction): void {
    const deadLetters = new sqs.Queue(this, 'NotifyDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    // Failures of the function itself (after its own bounded HTTP retries) land here too.
    notifier.configureAsyncInvoke({ retryAttempts: 1, maxEventAge: Duration.hours(1) });
    const fnResource = notifier.node.defaultChild as lambda.CfnFunction;
    fnResource.deadLetterConfig = { targetArn: deadLetters.queueArn };
    deadLetters.grantSendMessages(notifier);

    // One rule per machine, so each can be switched off on its own.
    const rules: [string, string, sfn.StateMachine][] = [
      ['ExecutionEnded', 'aoai-link: a provisioning execution ended; tell its ticket.', this.stateMachine],
      ['TeardownEnded', 'aoai-link: a teardown execution ended; tell its ticket.', this.teardownStateMachine],
    ];
    for (const [id, description, machine] of rules) {
      new events.Rule(this, id, {
        description,
        eventPattern: {
          source: ['aws.states'],
          detailType: ['Step Functions Execution Status Change'],
          detail: {
            stateMachineArn: [machine.stateMachineArn],
            status: ['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'],
          },
        },
        targets: [
          new targets.LambdaFunction(notifier, {
            deadLetterQueue: deadLetters,
            retryAttempts: 8,
            maxEventAge: Duration.hours(6),
          }),
        ],
      });
    }
  }

  private webhookApi(intake: NodejsFunction, status: NodejsFunction, rateLimit: number): apigw.RestApi {
    const accessLogs = new logs.LogGroup(this, 'WebhookAccessLogs', {
      retention: LOG_RETENTION,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const api = new apigw.RestApi(this, 'WebhookApi', {
      description:
        'aoai-link: ticket webhook (POST /environments, DELETE /environments/{environmentId}) and status (GET /environments/{environmentId}).',
      endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
      // Execution logging (ERROR) needs the account-level API Gateway logging role.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: 'v1',
        throttlingRateLimit: rateLimit,
        throttlingBurstLimit: rateLimit * 2,
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields(),
      },
    });
    const validator = api.addRequestValidator('Validator', {
      validateRequestBody: false, // the body is checked by the intake against the request schema
      validateRequestParameters: true,
    });
    acknowledge(
      api,
      'AwsSolutions-APIG2',
      'Bodies are validated by the intake function with the same schema as the workflow, which answers 400 listing every ' +
        'problem; a gateway model would stop at the first problem and answer in a different shape. Parameters are validated here.',
    );
    acknowledge(
      api,
      'AwsSolutions-APIG3',
      'The stage is throttled and POST and DELETE require an HMAC signature checked before any work; attach a WAF web ACL at the ' +
        "organisation's edge if policy requires one (README, Triggering by webhook).",
    );
    acknowledge(
      api,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      "The account-level role API Gateway uses to write execution logs; AWS's managed policy is the documented one for it.",
    );
    const environments = api.root.addResource('environments');
    const post = environments.addMethod('POST', new apigw.LambdaIntegration(intake), {
      requestValidator: validator,
      requestParameters: {
        // Declared, not required: a missing signature must reach the intake and get its 401, not a gateway 400.
        'method.request.header.X-Signature': false,
        'method.request.header.X-Signature-Timestamp': false,
      },
    });
    const one = environments.addResource('{environmentId}');
    const get = one.addMethod('GET', new apigw.LambdaIntegration(status), {
      authorizationType: apigw.AuthorizationType.IAM,
      requestValidator: validator,
      requestParameters: { 'method.request.path.environmentId': true },
    });
    acknowledge(
      post,
      'AwsSolutions-APIG4',
      'Ticket systems cannot sign AWS SigV4; every POST must carry an HMAC-SHA256 signature over timestamp and body with ' +
        'the shared signing secret (5-minute window), checked by the intake before anything starts (401 otherwise).',
    );
    acknowledge(post, 'AwsSolutions-COG4', 'Machine-to-machine webhook authenticated by HMAC signature; there are no end users to pool.');
    // The teardown: the same function and the same signature scheme as POST (over the raw body, which may be empty).
    const remove = one.addMethod('DELETE', new apigw.LambdaIntegration(intake), {
      requestValidator: validator,
      requestParameters: {
        'method.request.path.environmentId': true,
        'method.request.header.X-Signature': false,
        'method.request.header.X-Signature-Timestamp': false,
      },
    });
    acknowledge(
      remove,
      'AwsSolutions-APIG4',
      'Ticket systems cannot sign AWS SigV4; every DELETE must carry the same HMAC-SHA256 signature as POST over timestamp and ' +
        'body, checked by the intake before anything is looked up or started (401 otherwise).',
    );
    acknowledge(remove, 'AwsSolutions-COG4', 'Machine-to-machine webhook authenticated by HMAC signature; there are no end users to pool.');
    acknowledge(get, 'AwsSolutions-COG4', 'Authorized with AWS IAM (SigV4): callers are operators and automation with AWS credentials.');
    return api;
  }
}

/** Stack traces of the minified bundles name the sources (the bundles carry their source maps). */
const SOURCE_MAPS_ON = '--enable-source-maps';

function runtimeNamed(name: string): lambda.Runtime {
  const runtime = lambda.Runtime.ALL.find((candidate) => candidate.name === name);
  if (!runtime) throw new Error(`The catalog's runtime ${name} is not one CDK knows`);
  return runtime;
}

/**
 * A function's environment: each variable its catalog entry declares as set by the stack, from `values`; an
 * optional one without a value is left out, a required one without a value is an error at synth.
 */
export function fillEnvironment(
  definition: LambdaDefinition | EntryFunctionDefinition,
  values: Record<string, string | undefined>,
): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const variable of variablesOf(definition)) {
    // The variables nobody gives here are Lambda's or the operator's.
    if (variable.setBy !== 'stack') continue;
    const value = variable.name === 'NODE_OPTIONS' ? SOURCE_MAPS_ON : values[variable.name];
    if (value !== undefined) environment[variable.name] = value;
    else if (variable.required) throw new Error(`Function ${definition.id}: the stack has no value for ${variable.name}`);
  }
  return environment;
}

/**
 * GetSecretValue/DescribeSecret on the Azure credential secret. A secret the stack creates is read by its own
 * ARN. An existing one is granted on the ARN as given and on that ARN plus Secrets Manager's six-character
 * suffix, so a partial ARN works even when the name happens to end like a suffix; a customer-managed key is
 * usable for Decrypt through Secrets Manager only.
 */
function azureCredentialReadStatements(
  secret: secretsmanager.ISecret,
  existingArn: string | undefined,
  kmsKeyArn: string | undefined,
): iam.PolicyStatement[] {
  const actions = ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'];
  const statements = [
    new iam.PolicyStatement({ actions, resources: existingArn ? [existingArn, `${existingArn}-??????`] : [secret.secretArn] }),
  ];
  if (kmsKeyArn) {
    statements.push(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [kmsKeyArn],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Aws.REGION}.amazonaws.com` } },
      }),
    );
  }
  return statements;
}
