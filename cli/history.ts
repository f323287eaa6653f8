/** Execution history events: one definition, shared with the local runner (history.json, the local endpoint). */
export type { HistoryEvent } from '../local/runner/history';
