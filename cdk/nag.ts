/**
 * cdk-nag (AwsSolutionsChecks) acknowledgements, each with the reason a reviewer would want, attached to the
 * narrowest construct that carries the finding. Wildcard IAM resources are acknowledged one pattern at a
 * time (finding ids like `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:...:vpc/*]`), so a new
 * wildcard added later still fails synth until someone writes down why it is needed.
 */
import { IResolvable, Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** The rendering cdk-nag uses for intrinsics inside finding ids: `<AWS::Region>`, `<LogicalId.Attr>`. */
export function flattenForNag(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if ('Ref' in obj) return `<${String(obj.Ref)}>`;
    if ('Fn::GetAtt' in obj) {
      const [logicalId, attribute] = obj['Fn::GetAtt'] as [string, string];
      return `<${logicalId}.${attribute}>`;
    }
    if ('Fn::Join' in obj) {
      const [separator, parts] = obj['Fn::Join'] as [string, unknown[]];
      return parts.map(flattenForNag).join(separator);
    }
  }
  return JSON.stringify(value);
}

/** Acknowledges IAM5 for each wildcard resource (as written in the policy) with its reason. */
export function acknowledgeWildcardResources(
  construct: IConstruct,
  reasons: Map<string, string> | Record<string, string>,
): void {
  const stack = Stack.of(construct);
  const entries = reasons instanceof Map ? [...reasons] : Object.entries(reasons);
  for (const [resource, reason] of entries) {
    const rendered = flattenForNag(stack.resolve(resource as string | IResolvable));
    acknowledge(construct, `AwsSolutions-IAM5[Resource::${rendered}]`, reason);
  }
}

export function acknowledge(construct: IConstruct, id: string, reason: string): void {
  Validations.of(construct).acknowledge({ id, reason });
}
