/**
 * What the emulated Lambda runs on Invoke: the function's own bundle and handler, as Lambda would. The code a
 * CreateFunction names (S3Bucket/S3Key) is looked up among the bundles local mode knows (the probe's, built
 * from its catalog entry as the stack builds its asset); its `Handler` (`file.export`) is resolved in it, and a
 * wrong one fails as Lambda's runtime does (Runtime.HandlerNotFound). The bundle runs with the function's own
 * environment variables, inside its VPC: `dns`, `net` and `tls` are the emulated VPC's (the subnet's resolver,
 * the security groups' egress, the emulated Azure CA among the trusted roots, as the real Azure's chains to a
 * public root).
 */
import { buildSync } from 'esbuild';
import { promises as dnsPromises } from 'node:dns';
import * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';
import type { LambdaFunction } from '../cloud/state';
import type { LocalNetwork } from '../network';

/** A bundle local mode can run: its entry (relative to the project root) and the Lambda runtime it is built for. */
export interface KnownCode {
  entry: string;
  runtime: string;
  /** The file name the bundle is deployed as (`index` for index.js). */
  file: string;
}

const built = new Map<string, string>();

/** The bundle of an entry, built once per process (the sources do not change during a run). */
function bundleOf(projectRoot: string, code: KnownCode): string {
  const key = `${code.entry}|${code.runtime}`;
  let text = built.get(key);
  if (text === undefined) {
    const result = buildSync({
      entryPoints: [path.join(projectRoot, code.entry)],
      bundle: true,
      platform: 'node',
      target: code.runtime.replace(/^nodejs(\d+)\.x$/, 'node$1'),
      format: 'cjs',
      write: false,
      logLevel: 'silent',
    });
    text = result.outputFiles[0].text;
    built.set(key, text);
  }
  return text;
}

function runtimeError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

function timeoutError(ip: string, port: number, why: string): Error {
  return Object.assign(new Error(`connect ETIMEDOUT ${ip}:${port} (emulated network: ${why})`), { code: 'ETIMEDOUT' });
}

/** `dns`, `net` and `tls` as seen from inside the function's VPC (its first subnet, its security groups). */
function vpcModules(network: LocalNetwork, fn: LambdaFunction, caPem: string) {
  const subnetId = fn.VpcConfig.SubnetIds[0];
  const groups = fn.VpcConfig.SecurityGroupIds;

  // The VPC's Amazon DNS server: the subnet's emulated Route 53 Resolver, with its forwarding rules. A Resolver
  // with the lookups the probe makes.
  class VpcResolver {
    private readonly inner = new dnsPromises.Resolver();
    private ready?: Promise<void>;
    private whenReady(): Promise<void> {
      this.ready ??= network.dnsServerFor(subnetId).then((server) => this.inner.setServers([server.address]));
      return this.ready;
    }
    async resolveCname(name: string): Promise<string[]> {
      await this.whenReady();
      return this.inner.resolveCname(name);
    }
    async resolve4(name: string): Promise<string[]> {
      await this.whenReady();
      return this.inner.resolve4(name);
    }
  }
  const dns = { promises: { ...dnsPromises, Resolver: VpcResolver } };

  // A connection leaves only as the security groups and the routes allow; a blocked SYN is never answered.
  const connect = (options: { host: string; port: number }) => {
    const socket = new net.Socket();
    const verdict = network.model.tcp(subnetId, options.host, options.port, groups);
    if (verdict.ok) {
      void network.targetFor(subnetId, options.host, options.port).then(
        (target) => socket.connect(target.port, target.host),
        (error: Error) => socket.destroy(error),
      );
    } else {
      // Blocked: in the VPC nothing comes back until the caller's own timeout; the emulation skips the wait and
      // ends the attempt as that timeout would, naming why.
      process.nextTick(() => socket.destroy(timeoutError(options.host, options.port, verdict.reasons.join('; '))));
    }
    return socket;
  };
  const netModule = { ...net, connect, createConnection: connect };

  // The emulated Azure's CA is one of this world's public roots.
  const roots = [...tls.rootCertificates, caPem];
  const tlsModule = {
    ...tls,
    rootCertificates: roots,
    connect: (options: tls.ConnectionOptions) => tls.connect({ ...options, ca: options.ca ?? roots }),
  };
  return { dns, net: netModule, tls: tlsModule };
}

export interface FunctionRuntimeOptions {
  projectRoot: string;
  network: LocalNetwork;
  caPem: string;
  /** The code locations local mode can run, by `S3Bucket/S3Key`. */
  codeFor(fn: LambdaFunction): KnownCode | undefined;
}

/** Runs a function's declared handler from its bundle; what the emulated Lambda's Invoke calls. */
export function bundledFunctionRuntime(options: FunctionRuntimeOptions) {
  return async (fn: LambdaFunction, payload: unknown): Promise<unknown> => {
    const code = options.codeFor(fn);
    if (!code) throw runtimeError('Runtime.ImportModuleError', `Error: Cannot find module '${(fn.Handler ?? '').split('.')[0]}'`);
    const declared = fn.Handler ?? '';
    const [file, exportName] = [declared.slice(0, declared.lastIndexOf('.')), declared.slice(declared.lastIndexOf('.') + 1)];
    if (file !== code.file || !exportName) throw runtimeError('Runtime.ImportModuleError', `Error: Cannot find module '${file}'`);
    if (fn.Runtime !== code.runtime) throw runtimeError('Runtime.InvalidEntrypoint', `The bundle is built for ${code.runtime}, the function runs ${fn.Runtime}`);

    const modules = vpcModules(options.network, fn, options.caPem);
    const overrides: Record<string, unknown> = {
      dns: modules.dns,
      'node:dns': modules.dns,
      net: modules.net,
      'node:net': modules.net,
      tls: modules.tls,
      'node:tls': modules.tls,
    };
    // The function's own environment, not this process's.
    const functionProcess = Object.create(process, { env: { value: { ...(fn.Environment ?? {}) }, enumerable: true } }) as NodeJS.Process;
    const module = { exports: {} as Record<string, unknown> };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const requireInFunction = (name: string) => (name in overrides ? overrides[name] : require(name));
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    new Function('module', 'exports', 'require', 'process', bundleOf(options.projectRoot, code))(module, module.exports, requireInFunction, functionProcess);
    const handler = module.exports[exportName];
    if (typeof handler !== 'function') throw runtimeError('Runtime.HandlerNotFound', `${fn.Handler} is undefined or not exported`);
    return (handler as (event: unknown, context: unknown) => Promise<unknown>)(payload, { functionName: fn.FunctionName, invokedFunctionArn: fn.FunctionArn });
  };
}
