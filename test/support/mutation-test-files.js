/**
 * Which test file holds which test, as seen in Stryker's first run, kept in the sandbox so that every test runner
 * process of the run reads the same (see mutation-environment.js and mutation-sequencer.js).
 */
const fs = require('node:fs');
const path = require('node:path');

/** In the working directory, which Stryker makes the sandbox of the run. */
const recordPath = () => path.join(process.cwd(), '.mutation-test-files.json');

function read() {
  try {
    return JSON.parse(fs.readFileSync(recordPath(), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Adds one test file's test names to the record. */
function recordTestFile(testPath, names) {
  const record = read() ?? {};
  for (const name of names) record[name] = [...new Set([...(record[name] ?? []), testPath])];
  fs.writeFileSync(recordPath(), JSON.stringify(record));
}

/** The files holding these tests, or undefined when any of them is unknown (then every file must run). */
function filesOfTests(names) {
  const record = read();
  if (!record) return undefined;
  const files = new Set();
  for (const name of names) {
    if (!record[name]) return undefined;
    for (const file of record[name]) files.add(file);
  }
  return files;
}

module.exports = { recordTestFile, filesOfTests };
