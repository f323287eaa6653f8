import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MissingSubstitutionError, loadDefinition, placeholdersIn } from '../../cdk/asl';
import { LAMBDAS } from '../../functions/catalog';
import { UnscopedActionError, statementsForCalls } from '../../cdk/permissions';
import { REAL_ASL, usesRealAsl } from './synth';

const ctx = { probeRoleArn: 'arn:aws:iam::123456789012:role/probe', probeCodeObjectArn: 'arn:aws:s3:::bucket/key.zip' };

test('a placeholder without a substitution fails synth, naming it', () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'asl-')), 'x.asl.json');
  fs.writeFileSync(file, JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Task', Resource: '${NopeFunctionArn}', End: true } } }));
  expect(() => loadDefinition(file, ['OtherFunctionArn'])).toThrow(MissingSubstitutionError);
  expect(() => loadDefinition(file, ['OtherFunctionArn'])).toThrow(/\$\{NopeFunctionArn\}/);
  expect(loadDefinition(file, ['NopeFunctionArn'])).toContain('${NopeFunctionArn}');
});

(usesRealAsl() ? test : test.skip)('the real ASL uses only placeholders the catalog provides', () => {
  const provided = new Set(LAMBDAS.map((l) => l.substitution).filter(Boolean));
  const missing = placeholdersIn(fs.readFileSync(REAL_ASL, 'utf8')).filter((p) => !provided.has(p));
  expect(missing).toEqual([]);
});

test('every catalog call has an IAM scope (a new call fails synth until it gets one)', () => {
  for (const definition of LAMBDAS) {
    expect(() => statementsForCalls(definition.id, definition.calls, ctx)).not.toThrow();
  }
  expect(() => statementsForCalls('X', ['ec2:DeleteVpc'], ctx)).toThrow(UnscopedActionError);
  expect(() => statementsForCalls('X', ['ec2:*'], ctx)).toThrow(UnscopedActionError);
});

test('every wildcard resource comes with a reason', () => {
  for (const definition of LAMBDAS) {
    const { statements, wildcardReasons } = statementsForCalls(definition.id, definition.calls, ctx);
    for (const statement of statements) {
      for (const resource of statement.resources) {
        if (resource.includes('*')) expect(wildcardReasons.get(resource)?.length ?? 0).toBeGreaterThan(30);
      }
    }
  }
});
