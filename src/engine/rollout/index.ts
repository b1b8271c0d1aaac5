// The rollout domain's only public door: the pure traffic-shifting machine, its analysis, and the choice
// of schedule. No I/O here; src/engine/rollout-driver.ts performs what the machine decides.
//
// What the driver can rely on:
// - `state.wakeAt` is when the machine wants its next tick; every result of an active rollout repeats it
//   as its last `wakeAt` action (none: it waits for a person or a hook result only).
// - A tick is level-triggered: it re-applies the current weight (or the rollback, or the final outcome),
//   so setWeight/rollback/finish must be idempotent and cheap when nothing changes.
// - A tick before a pending hook's deadline re-issues runHook with the same deadline (after a restart the
//   running hook is lost); hooks may therefore run twice. Only the first result counts.
// - hookResult reasons may already name the hook ("preTraffic hook threw …"); they are not prefixed twice.
// - After `rollback`, answer with `rolledBack` once the old versions carry all traffic.
export { createRollout, step } from './rollout-machine.js';
export type { RolloutInput } from './rollout-machine.js';
export { evaluateAlarms, evaluateAlarm } from './alarm-evaluation.js';
export type { AnalysisScope } from './alarm-evaluation.js';
export { addSample, emptyTotals, percentileFromHistogram } from './metric-windows.js';
export type { WindowTotals } from './metric-windows.js';
export { alarmHistory, historyRange } from './alarm-history.js';
export type { AlarmHistory, AlarmHistoryQuery } from './alarm-history.js';
export { chooseSchedule, rolloutPlanFor, stageSchedule } from './choose-schedule.js';
export type { ScheduleChoices } from './choose-schedule.js';
export { nextWakeAt, pendingHook, ROLLBACK_RETRY_MS } from './rollout-transitions.js';
export type { HookName } from './rollout-transitions.js';
export { ALL_AT_ONCE, STRATEGY_NAMES, parseStrategy } from '../../manifest/index.js';
export type * from './types.js';
