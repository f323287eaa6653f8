/**
 * `aoai-link plan REQUEST.json [--teardown] [--out DIR] [--json]`: what a run of the request would do to each
 * resource in the real clouds, and its monthly cost, without changing anything: the request check's own reads
 * (functions/validate-request, hub discovery) and look-ups of the environment's names, or with `--teardown` the
 * teardown's inventory (which only reads). The clients are the request check's, built from this shell's AWS
 * settings and AZURE_CREDENTIAL_SECRET_ARN as the deployed function builds them from its own.
 * Exit 0 planned, 2 refused (every problem printed) or bad arguments.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { DescribeRouteTablesCommand } from '@aws-sdk/client-ec2';
import { API_VERSIONS, getArmResource } from '../functions/commons/arm';
import { callbackChecksOfThisEnvironment } from '../functions/commons/callback-url';
import { LIVE_EC2_STATES, awsResourcesWithOurNames, environmentAzureResourcesWithOurNames } from '../functions/commons/named-resources';
import { resourceNames } from '../functions/commons/naming';
import { isOurs } from '../functions/commons/ownership';
import { planLines, provisionPlan, teardownPlan, type Plan, type ProvisionLookups } from '../functions/commons/plan';
import { refusalProblems } from '../functions/commons/refusal';
import type { EnvironmentRequest, RequestProblem } from '../functions/commons/request/contract';
import { ruleAssociationsWith } from '../functions/commons/resolver-lookups';
import { dnsInboundRules, privateEndpointRules } from '../functions/commons/security-rules';
import type { BgpFacts, EnvironmentFacts } from '../functions/commons/workflow-data';
import type { InventoryClients, InventoryContext } from '../functions/teardown-inventory/inventory';
import type { ValidationContext, ValidatorClients } from '../functions/validate-request/validate';
import { Command, PROCESS_IO, act, once, runCommand, writeJson, type CliIo, type ExitCode, type Outcome } from './command-line';

/** Either the plan, or the refusal's problems (nothing would be created or removed). */
export type PlanOutcome = { ok: true; plan: Plan; bgp?: BgpFacts } | { ok: false; problems: RequestProblem[] };

/** What the look-ups beyond the request check find: the environment's own resources and how they stand. Reads only. */
export async function readProvisionLookups(clients: ValidatorClients, request: EnvironmentRequest, facts: Pick<EnvironmentFacts, 'hub'>): Promise<ProvisionLookups> {
  const env = request.environmentId;
  const names = resourceNames(request);
  const found = [...(await awsResourcesWithOurNames(clients, request, LIVE_EC2_STATES)), ...(await environmentAzureResourcesWithOurNames(clients.arm, request))];

  const ourRule = found.find((r) => r.kind === 'Route 53 Resolver rule' && isOurs(r, env));
  const ruleAssociationIds = ourRule ? (await ruleAssociationsWith(clients.resolver, ourRule.id, request.aws.vpcId)).map((a) => a.Id ?? '').filter(Boolean) : [];

  const ourVgw = found.find((r) => r.kind === 'virtual private gateway' && isOurs(r, env));
  const propagatingRouteTables: Record<string, boolean> = {};
  for (const routeTableId of request.aws.routeTableIds) {
    const table = ourVgw ? (await clients.ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [routeTableId] }))).RouteTables?.[0] : undefined;
    propagatingRouteTables[routeTableId] = (table?.PropagatingVgws ?? []).some((p) => p.GatewayId === ourVgw?.id);
  }

  const securityRuleIds: string[] = [];
  for (const [nsg, rules] of [
    [facts.hub.privateEndpointNsg, privateEndpointRules(env)],
    [facts.hub.dnsInboundNsg, dnsInboundRules(env)],
  ] as const) {
    // An NSG still to be built holds no rule yet.
    if (!nsg || nsg.action === 'create') continue;
    for (const rule of rules) {
      const id = `${nsg.id}/securityRules/${rule.name}`;
      if (await getArmResource(clients.arm, id, API_VERSIONS.network)) securityRuleIds.push(id);
    }
  }
  const account = await getArmResource(clients.arm, names.azure.openAiAccount.id, API_VERSIONS.cognitiveServices);
  const accountPublicNetworkAccess: string | undefined = account?.properties?.publicNetworkAccess;
  return { found, ruleAssociationIds, propagatingRouteTables, securityRuleIds, ...(accountPublicNetworkAccess ? { accountPublicNetworkAccess } : {}) };
}

function refusedOutcome(error: unknown): PlanOutcome {
  const problems = refusalProblems(error as { name: string; message: string });
  if ((error as Error)?.name === 'RequestRefused') return { ok: false, problems: problems ?? [{ path: '(document)', message: (error as Error).message }] };
  throw error;
}

/**
 * The plan of one request document against the clouds the clients speak to: provisioning (the request check, then
 * the look-ups) or teardown (the inventory). Reads only, in both clouds.
 */
export async function planRequest(
  document: unknown,
  clients: ValidatorClients & InventoryClients,
  context: ValidationContext & InventoryContext,
  options: { teardown?: boolean } = {},
): Promise<PlanOutcome> {
  // Loaded here: `--help` needs none of the SDKs.
  if (options.teardown) {
    const { takeInventory } = require('../functions/teardown-inventory/inventory') as typeof import('../functions/teardown-inventory/inventory');
    try {
      const { request, inventory } = await takeInventory(document, clients, context);
      return { ok: true, plan: teardownPlan(request, inventory) };
    } catch (error) {
      return refusedOutcome(error);
    }
  }
  const { validateEnvironmentRequest } = require('../functions/validate-request/validate') as typeof import('../functions/validate-request/validate');
  let checked;
  try {
    checked = await validateEnvironmentRequest(document, clients, context);
  } catch (error) {
    return refusedOutcome(error);
  }
  const lookups = await readProvisionLookups(clients, checked.request, checked.facts);
  return { ok: true, plan: provisionPlan(checked.request, checked.facts, lookups), ...(checked.facts.bgp ? { bgp: checked.facts.bgp } : {}) };
}

/** Prints the outcome as `--plan` does, writes DIR/plan.json when planned; the exit code: 0 planned, 2 refused. */
export function reportPlan(outcome: PlanOutcome, outDir: string, out: NodeJS.WritableStream | null, teardown = false): ExitCode {
  if (!outcome.ok) {
    if (out) {
      out.write(`The request was refused; nothing was ${teardown ? 'removed' : 'created'}. ${outcome.problems.length} problem${outcome.problems.length === 1 ? '' : 's'}:\n`);
      for (const problem of outcome.problems) out.write(`  - ${problem.path}: ${problem.message}\n`);
    }
    return 2;
  }
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, 'plan.json');
  writeFileSync(file, JSON.stringify(outcome.plan, null, 2) + '\n');
  if (out) {
    for (const line of planLines(outcome.plan, { bgp: outcome.bgp, teardown })) out.write(`${line}\n`);
    out.write(`\nPlan: ${file}\n`);
  }
  return 0;
}

interface PlanFlags {
  teardown?: boolean;
  out?: string;
  json?: boolean;
}

async function planCommandAction(file: string, flags: PlanFlags, io: CliIo): Promise<ExitCode> {
  const { loadRequest } = require('./validate') as typeof import('./validate');
  const loaded = loadRequest(file);
  if (!loaded.ok) {
    io.err.write(`${loaded.message}\n`);
    return 2;
  }
  const { everyCloudReaderClients } = require('../functions/commons/clients/every-cloud-reader') as typeof import('../functions/commons/clients/every-cloud-reader');
  const clients = everyCloudReaderClients('ValidateRequest');
  const checks = callbackChecksOfThisEnvironment();
  const deploymentRegion = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  // The request check logs its hub plan as a function does; on a terminal the plan itself says it, so the
  // functions' lines are shown only from WARN unless a level is set.
  const { createLogger, withInvocationLog } = require('../functions/commons/logger') as typeof import('../functions/commons/logger');
  const log = createLogger('aoai-link');
  if (!process.env.POWERTOOLS_LOG_LEVEL && !process.env.LOG_LEVEL) log.setLogLevel('WARN');
  const outcome = await withInvocationLog(log, () =>
    planRequest(loaded.request, clients, { deploymentRegion, callbackChecks: checks, callbackAllowance: checks.allowance }, { teardown: flags.teardown === true }),
  );
  const outDir = path.resolve(flags.out ?? path.join('out', 'plan', loaded.request.environmentId));
  const code = reportPlan(outcome, outDir, flags.json ? null : io.out, flags.teardown === true);
  if (flags.json) writeJson(io, outcome.ok ? outcome.plan : { refused: true, problems: outcome.problems });
  return code;
}

export function planCommand(io: CliIo, outcome: Outcome): Command {
  return new Command('plan')
    .description('show what a run of the request would create, adopt, update, keep (or with --teardown delete) in the real clouds, and its monthly cost; changes nothing')
    .argument('<REQUEST.json>', 'the environment request')
    .option('--teardown', "plan the teardown of the request's environment instead")
    .option('--out <DIR>', 'where plan.json goes (default out/plan/<environmentId>/)', once('--out'))
    .option('--json', 'print plan.json on stdout instead of the plan')
    .addHelpText('after', '\nReads only (the request check, hub discovery, look-ups by name). Exit status: 0 planned, 2 refused (every problem printed) or bad arguments.\n')
    .action(act(outcome, (file: string, flags: PlanFlags) => planCommandAction(file, flags, io)));
}

export async function run(argv: string[], io: CliIo = PROCESS_IO): Promise<ExitCode> {
  const outcome: Outcome = { code: 0 };
  return runCommand(planCommand(io, outcome), argv, io, outcome);
}
