/**
 * Where the project is, and how to load its TypeScript modules at run time.
 *
 * The command line runs from a bundle (dist/cli.js), but the Lambda handlers are loaded from their sources
 * (`require` of the catalog's `.ts` entry, through the hook bin/aoai-link.js installs; jest transforms them
 * itself). The runner reaches into no product module besides the handlers: what the handlers need from local
 * mode (endpoints, the callback networks and DNS) reaches them as environment variables, as a deployment's would.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const PACKAGE_NAME = 'aoai-private-link';

let root: string | undefined;

/** The directory holding the project's package.json, found from this module's location (source or bundle). */
export function projectRoot(): string {
  if (root) return root;
  let dir = __dirname;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return (root = dir);
      } catch {
        // not our manifest; keep looking
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return (root = process.cwd());
    dir = parent;
  }
}

/** Loads a project module by its path from the root, as the handlers themselves load it. */
export function loadProjectModule<T>(relativePath: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(projectRoot(), relativePath)) as T;
}
