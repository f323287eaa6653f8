/**
 * What a refusal echoes back is escaped and shortened in one place (the problem collector), so a request
 * cannot put terminal escapes, fake lines or 5,000 characters into a ticket, a log or the console; and
 * deployment names that a URL would collapse ("." and "..") are refused by syntax.
 */
import {
  displayText,
  formatProblems,
  MAX_ECHOED_VALUE,
  MAX_PROBLEM_MESSAGE,
  MAX_PROBLEM_PATH,
  parseRequestText,
  validateRequestDocument,
} from '../../functions/commons/request/schema';
import { sampleRequest } from '../intake/support';

function problemsOf(patch: (request: any) => void) {
  const request = sampleRequest();
  patch(request);
  const result = validateRequestDocument(request);
  if (result.ok) throw new Error('expected a refusal');
  return result.problems;
}

test('control characters, ANSI escapes and fake new lines are shown escaped', () => {
  const problems = problemsOf((r) => {
    r.aws.vpcId = 'vpc-1\u001b[31mRED\u001b[0m\nazure.subscriptionId: fine\u0000';
  });
  expect(problems).toHaveLength(1);
  const [{ path, message }] = problems;
  expect(path).toBe('aws.vpcId');
  expect(message).not.toMatch(/[\u0000-\u001f\u007f]/);
  expect(message).toContain('\\u001b[31mRED');
  expect(message).toContain('\\u000aazure.subscriptionId');
  expect(formatProblems(problems).split('\n')).toHaveLength(1); // one problem, one line
});

test('invisible reordering characters are escaped too', () => {
  const [{ message }] = problemsOf((r) => {
    r.azure.resourceGroup = 'rg\u202etxt.exe';
  });
  expect(message).not.toContain('\u202e');
});

test('a 5,000-character value is shortened, saying how long it was', () => {
  const long = 'x'.repeat(5000);
  const [{ message }] = problemsOf((r) => {
    r.aws.vpcId = long;
  });
  expect(message.length).toBeLessThan(MAX_ECHOED_VALUE + 200);
  expect(message).toContain('(5000 characters)');
  expect(message).toMatch(/^must be an id like vpc-/); // the rule is still readable
});

test('unknown field names (which become the path) are escaped and shortened', () => {
  const key = `evil\u001b]0;title\u0007${'k'.repeat(4000)}`;
  const problems = problemsOf((r) => {
    r.aws[key] = 1;
  });
  const [{ path, message }] = problems;
  expect(path.length).toBeLessThanOrEqual(MAX_PROBLEM_PATH + 40);
  expect(path).not.toMatch(/[\u0000-\u001f]/);
  expect(message.length).toBeLessThanOrEqual(MAX_PROBLEM_MESSAGE + 40);
});

test('a JSON syntax error that quotes the input is escaped as well', () => {
  const result = parseRequestText('{"version": 1, \u001b[2J}');
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.problems[0].message).not.toMatch(/[\u0000-\u001f]/);
});

test('displayText never cuts a character in half and leaves ordinary text alone', () => {
  expect(displayText('gpt-4o', 80)).toBe('gpt-4o');
  const emoji = '😀'.repeat(10);
  expect(displayText(emoji, 3)).toBe('😀😀😀… (10 characters)');
});

describe('deployment names', () => {
  test.each(['.', '..', '...', 'gpt-4o.', '.hidden', '-lead', 'trail_', 'a/b', 'a b', 'x'.repeat(65)])('%j is refused by syntax', (name) => {
    const problems = problemsOf((r) => {
      r.azure.openAiDeployment = name;
    });
    expect(problems).toEqual([{ path: 'azure.openAiDeployment', message: expect.stringMatching(/starting and ending with a letter or digit/) }]);
  });

  test.each(['gpt-4o', 'gpt-35-turbo', 'my_deployment.v2', 'a', 'x'.repeat(64)])('%j is a valid name', (name) => {
    const request = sampleRequest();
    request.azure.openAiDeployment = name;
    expect(validateRequestDocument(request).ok).toBe(true);
  });
});
