/**
 * The probe's code as an S3 asset (a zip) that ProbeRunner passes to lambda:CreateFunction for each
 * environment. Bundled with the project's esbuild in-process: no Docker, works offline.
 */
import { buildSync } from 'esbuild';
import * as path from 'node:path';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';

export interface ProbeCodeProps {
  /** Absolute path of the probe's entry (exports `handler`). */
  entry: string;
  /** esbuild target matching the probe's runtime, e.g. node22. */
  target: string;
}

export function probeCodeAsset(scope: Construct, id: string, props: ProbeCodeProps): s3assets.Asset {
  return new s3assets.Asset(scope, id, {
    path: path.dirname(props.entry),
    // Hash the bundle, not the folder: shared modules the probe imports live elsewhere.
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Never used: local bundling below always succeeds. CDK requires an image to be named.
      image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs22.x'),
      local: {
        tryBundle(outputDir: string): boolean {
          buildSync({
            entryPoints: [props.entry],
            outfile: path.join(outputDir, 'index.js'),
            bundle: true,
            platform: 'node',
            target: props.target,
            format: 'cjs',
            minify: true,
            // Error names are what callers match; minification must not rename the classes.
            keepNames: true,
            logLevel: 'error',
          });
          return true;
        },
      },
    },
  });
}
