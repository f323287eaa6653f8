/**
 * One synthesized stack shared by the CDK tests of a file (bundling every function takes seconds). Uses the
 * real ASL and handlers where they exist and small stand-ins where they have not landed yet.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AoaiLinkStack, AoaiLinkStackProps } from '../../cdk/stack';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
export const REAL_ASL = path.join(PROJECT_ROOT, 'statemachine', 'provision.asl.json');
const STAND_IN_ASL = path.join(__dirname, 'fixtures', 'stand-in.asl.json');
const STAND_IN_HANDLER = path.join(__dirname, 'fixtures', 'stand-in-handler.ts');

export const usesRealAsl = () => fs.existsSync(REAL_ASL);

export function testEntry(entry: string): string {
  const real = path.join(PROJECT_ROOT, entry);
  return fs.existsSync(real) ? real : STAND_IN_HANDLER;
}

export interface Synthesized {
  stack: AoaiLinkStack;
  template: Template;
  json: Record<string, any>;
  milliseconds: number;
}

export interface SynthOptions {
  /** Bundle every function (as `cdk synth` does). Off: CDK's own skip-bundling switch, for template-only tests. */
  bundle?: boolean;
  props?: Partial<AoaiLinkStackProps>;
}

/** App with cdk-nag's AwsSolutionsChecks, as cdk/app.ts builds it; synth throws on an unacknowledged finding. */
export function synthesize(options: SynthOptions = {}): Synthesized & { outdir: string } {
  const started = Date.now();
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'aoai-link-cdk-'));
  const app = new App({
    outdir,
    // An empty list is CDK's switch for "bundle no stack" (what `cdk synth --exclusively` uses for the others).
    ...(options.bundle ? {} : { context: { 'aws:cdk:bundling-stacks': [] } }),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new AoaiLinkStack(app, 'AoaiPrivateLinkTest', {
    env: { account: '123456789012', region: 'ap-northeast-1' },
    aslPath: usesRealAsl() ? REAL_ASL : STAND_IN_ASL,
    resolveEntry: testEntry,
    ...options.props,
  });
  app.synth();
  const template = Template.fromStack(stack);
  return { stack, template, json: template.toJSON(), milliseconds: Date.now() - started, outdir };
}
