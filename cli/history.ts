/**
 * Execution history events in the shape of Step Functions' GetExecutionHistory, shared by the local runner
 * (history.json, the local Step Functions endpoint) and the command line's progress display.
 */
export interface HistoryEvent {
  id: number;
  previousEventId?: number;
  /** e.g. ExecutionStarted, TaskStateEntered, TaskStateExited, WaitStateEntered, TaskFailed, ExecutionSucceeded. */
  type: string;
  /** Real runs: the event time. Local runs: start of the run plus the simulated seconds. */
  timestamp: Date | string;
  stateEnteredEventDetails?: { name: string; input?: string };
  stateExitedEventDetails?: { name: string; output?: string };
  executionSucceededEventDetails?: { output?: string };
  executionFailedEventDetails?: { error?: string; cause?: string };
  taskFailedEventDetails?: { resourceType?: string; resource?: string; error?: string; cause?: string };
  /** Local runs only: simulated seconds since the execution started. */
  simulatedSeconds?: number;
}
