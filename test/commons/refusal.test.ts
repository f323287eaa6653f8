/**
 * Refusals are data: RequestRefused carries `problems` as a field, and refusalProblems reads them back from what
 * Step Functions hands over (the Cause Lambda's runtime writes: errorType, errorMessage, trace), from the error
 * as the local runner holds it, and from the error itself. Through the local runner with the real validator
 * and the emulated clouds, one problem is one problem.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { RequestRefused, ResourceNotReady } from '../../functions/commons/errors';
import { REFUSAL_MESSAGE_BUDGET, formatRefusal, readRefusal, refusalProblems } from '../../functions/commons/refusal';
import { runLocal } from '../../local/runner';
import { LambdaTaskError } from '../../local/runner/errors';
import { CollectingStream } from '../local-runner/support';

const ROOT = path.join(__dirname, '..', '..');
const PROBLEMS = [
  { path: 'aws.vpcId', message: 'VPC vpc-0a1b2c3d4e5f60001 was not found in ap-northeast-1' },
  { path: 'azure.virtualNetworkName', message: 'vnet-hub: was not found' },
];

/** The Cause Lambda's Node.js runtime reports for a thrown error (aws-lambda-nodejs-runtime-interface-client). */
const lambdaCause = (error: Error) => JSON.stringify({ errorType: error.name, errorMessage: error.message, trace: (error.stack ?? '').split('\n') });

test('the problems travel in the message and come back from the error, the runner\'s copy of it and the Cause', () => {
  const error = new RequestRefused('The request contradicts what the clouds report; nothing was created.', PROBLEMS);
  expect(error.problems).toEqual(PROBLEMS);
  expect(refusalProblems(error)).toEqual(PROBLEMS);
  expect(refusalProblems(lambdaCause(error))).toEqual(PROBLEMS);
  expect(refusalProblems(LambdaTaskError.from(error))).toEqual(PROBLEMS);
  // What Step Functions keeps when a plain Error of that name crosses Lambda: only name and message.
  expect(refusalProblems({ name: 'RequestRefused', message: error.message })).toEqual(PROBLEMS);
  expect(readRefusal(lambdaCause(error))?.summary).toBe('The request contradicts what the clouds report; nothing was created.');
  // The trace repeats the summary only, not the whole problem list.
  expect(JSON.parse(lambdaCause(error)).trace[0]).toBe('RequestRefused: The request contradicts what the clouds report; nothing was created.');
});

test('only a refusal is read as one: by its name and its document, never by words', () => {
  const notReady = new ResourceNotReady(JSON.stringify({ refused: 'x', problems: PROBLEMS }));
  expect(refusalProblems(notReady)).toBeUndefined();
  expect(refusalProblems(lambdaCause(notReady))).toBeUndefined();
  expect(refusalProblems({ name: 'RequestRefused', message: 'The request was refused; nothing was created.\naws.vpcId: no' })).toBeUndefined();
  expect(refusalProblems(JSON.stringify({ errorType: 'RequestRefused', errorMessage: '{"refused":"x","problems":[{"path":1}]}' }))).toBeUndefined();
  expect(refusalProblems('not json')).toBeUndefined();
  expect(refusalProblems(undefined)).toBeUndefined();
});

test('one problem is one problem, and the text says so', () => {
  const refusal = readRefusal(new RequestRefused('The request was refused; nothing was created.', [PROBLEMS[0]]))!;
  expect(refusal.problems).toHaveLength(1);
  expect(formatRefusal(refusal).split('\n')).toEqual([
    'The request was refused; nothing was created. 1 problem:',
    '  - aws.vpcId: VPC vpc-0a1b2c3d4e5f60001 was not found in ap-northeast-1',
  ]);
});

test('problems are redacted, and a refusal too long for a Cause keeps what fits and says how many it left out', () => {
  const secret = { path: 'ticket.id', message: 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXZhbHVl' };
  expect(JSON.stringify(new RequestRefused('refused', [secret]).problems)).not.toContain('eyJhbGciOiJIUzI1NiJ9');
  const many = Array.from({ length: 60 }, (_, i) => ({ path: `aws.routeTableIds[${i}]`, message: `rtb-${String(i).padStart(17, '0')} ${'was not found in the VPC; '.repeat(20)}` }));
  const error = new RequestRefused('refused', many);
  expect(error.message.length).toBeLessThanOrEqual(REFUSAL_MESSAGE_BUDGET);
  expect(lambdaCause(error).length).toBeLessThan(32_768);
  const read = refusalProblems(lambdaCause(error))!;
  const last = read[read.length - 1];
  expect(read.slice(0, -1)).toEqual(many.slice(0, read.length - 1));
  expect(last).toEqual({ path: '(document)', message: `${many.length - (read.length - 1)} more problems not shown; fix these and send the request again` });
});

test('local mode: a request with one contradiction is refused with exactly one problem, printed as one', async () => {
  const request = JSON.parse(readFileSync(path.join(ROOT, 'events', 'new-environment.json'), 'utf8'));
  request.aws.routeTableIds = ['rtb-0ffffffffffffffff'];
  const output = new CollectingStream();
  const result = await runLocal({ request, output, outDir: path.join(ROOT, 'out', 'test-refusal-one-problem') });
  expect(result).toMatchObject({ exitCode: 2, status: 'REFUSED', error: 'RequestRefused' });
  expect(result.problems).toEqual([{ path: 'aws.routeTableIds[0]', message: expect.stringContaining('rtb-0ffffffffffffffff') }]);
  expect(output.text).toContain('nothing was created. 1 problem:');
  expect(output.text).not.toMatch(/\b2 problems\b/);
}, 120_000);
