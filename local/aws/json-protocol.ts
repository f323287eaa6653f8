/** The AWS JSON 1.1 protocol shared by Route 53 Resolver and Secrets Manager (`X-Amz-Target: Service.Action`). */
import type { EmulatorContext } from '../cloud/context';
import { AwsServiceError } from './errors';

export type JsonHandler = (ctx: EmulatorContext, input: Record<string, any>) => Record<string, unknown>;

export interface JsonAction {
  handler: JsonHandler;
  mutating: boolean;
  /** The input member naming the call's target, for fault keys. */
  target?: string;
}

export function parseJsonBody(body: string): Record<string, any> {
  if (body.trim() === '') return {};
  try {
    const parsed = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed;
  } catch {
    // fall through: answered below with the error the services use for unreadable input
  }
  throw new AwsServiceError('SerializationException', 'The request body could not be parsed as a JSON object');
}

export function jsonErrorBody(error: AwsServiceError): string {
  return JSON.stringify({ __type: error.code, message: error.message, Message: error.message });
}

/** `Filters: [{Name, Values}]` as Route 53 Resolver takes them (exact matches; an unknown name is refused). */
export function matchesJsonFilters(
  filters: { Name?: string; Values?: string[] }[] | undefined,
  fields: Record<string, (string | number | undefined)[]>,
): boolean {
  return (filters ?? []).every((filter) => {
    const name = filter.Name ?? '';
    if (!(name in fields)) throw new AwsServiceError('InvalidParameterException', `[RSLVR-00102] Unknown filter name: ${name}`);
    const values = (filter.Values ?? []).map(String);
    return fields[name].some((v) => v !== undefined && values.includes(String(v)));
  });
}
