import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AoaiLinkStack } from '/work/main/cdk/stack';
const root = '/work/main';
const t0 = Date.now();
const app = new App({ outdir: '/tmp/cdkout-try' });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
new AoaiLinkStack(app, 'Try', {
  aslPath: path.join(root, 'test/cdk/fixtures/stand-in.asl.json'),
  resolveEntry: (e) => (fs.existsSync(path.join(root, e)) ? path.join(root, e) : path.join(root, 'test/cdk/fixtures/stand-in-handler.ts')),
});
try { app.synth(); } catch (e) { console.log(String((e as Error).message).slice(0, 20000)); }
console.log('ms', Date.now() - t0);
