/**
 * The product's log lines written while `work` runs. Powertools' Logger writes through a Console on
 * process.stdout (DEBUG, INFO) and process.stderr (WARN, ERROR), as Lambda captures them: both are read here.
 */
export async function logLines(work: () => Promise<unknown> | unknown): Promise<Record<string, any>[]> {
  const written: string[] = [];
  const capture = (chunk: unknown) => {
    written.push(String(chunk));
    return true;
  };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture as never);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture as never);
  try {
    await work();
  } catch {
    // The caller checks the outcome separately.
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return written
    .join('')
    .split('\n')
    // Only the product's lines: Node's own warnings (`(node:123) Warning: ...`) go to stderr too.
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
}

/** Runs `work` with POWERTOOLS_LOG_LEVEL set (loggers read it when they are created), then restores it. */
export async function withLogLevel<T>(level: string | undefined, work: () => Promise<T> | T): Promise<T> {
  const saved = process.env.POWERTOOLS_LOG_LEVEL;
  if (level === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
  else process.env.POWERTOOLS_LOG_LEVEL = level;
  try {
    return await work();
  } finally {
    if (saved === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
    else process.env.POWERTOOLS_LOG_LEVEL = saved;
  }
}
