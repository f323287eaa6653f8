/** The health check's CloudWatch metrics: per environment and step, so an alarm names the broken step. */
import { PutMetricDataCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { HealthReport } from './health-check';

/** The namespace every health metric goes to. */
export const HEALTH_NAMESPACE = 'AoaiLink/Health';
/** 1 when the step's check passed, 0 when not; dimensions EnvironmentId and Step. */
export const STEP_METRIC = 'CheckPassed';
/** 1 when every check of the environment passed; dimension EnvironmentId. */
export const HEALTHY_METRIC = 'Healthy';
/** 1 when the environment is not healthy, without dimensions: one alarm covers every environment. */
export const UNHEALTHY_METRIC = 'UnhealthyEnvironments';

export interface MetricDatum {
  MetricName: string;
  Dimensions: { Name: string; Value: string }[];
  Value: number;
  Unit: 'Count';
  Timestamp: string;
}

/** What one report publishes, dated `at`. */
export function metricData(report: HealthReport, at: Date): MetricDatum[] {
  const datum = (MetricName: string, Dimensions: MetricDatum['Dimensions'], ok: boolean): MetricDatum => ({ MetricName, Dimensions, Value: ok ? 1 : 0, Unit: 'Count', Timestamp: at.toISOString() });
  const environment = { Name: 'EnvironmentId', Value: report.environmentId };
  return [
    ...report.checks.map((c) => datum(STEP_METRIC, [environment, { Name: 'Step', Value: c.name }], c.ok)),
    datum(HEALTHY_METRIC, [environment], report.ok),
    { ...datum(UNHEALTHY_METRIC, [], !report.ok) },
  ];
}

export interface MetricsPublisher {
  publish(namespace: string, data: MetricDatum[]): Promise<void>;
}

/** CloudWatch takes at most this many datums in one PutMetricData call. */
const DATUMS_PER_CALL = 1000;

/** A publisher over the CloudWatch client; a refusal throws the SDK's error (its name is CloudWatch's code). */
export function cloudWatchPublisher(cloudWatch: CloudWatchClient): MetricsPublisher {
  return {
    async publish(namespace, data) {
      for (let start = 0; start < data.length; start += DATUMS_PER_CALL) {
        const MetricData = data.slice(start, start + DATUMS_PER_CALL).map((d) => ({ ...d, Timestamp: new Date(d.Timestamp) }));
        await cloudWatch.send(new PutMetricDataCommand({ Namespace: namespace, MetricData }));
      }
    },
  };
}
