// Runs the `schedule` events of the live versions: one timer per (function, expression, input), reconciled
// at every reload so unchanged schedules keep their rhythm and removed ones stop. A tick only names the
// function; the gateway resolves its live versions at that moment, picks one by weight and invokes it.
// Only versions with weight schedule: one reachable only by a match rule has not been given traffic.
// Runs fire at scheduled times every gateway computes alike (schedule-timer.ts), so that several gateways
// can claim each run once through the store before invoking it.

import type { ScheduleEvent } from '../manifest/types.js';
import type { FunctionDeployment, RouteTable } from './route-table.js';
import { parseScheduleExpression } from './schedule-expression.js';
import { startScheduleTimer } from './schedule-timer.js';

export interface ScheduleTick {
  functionKey: string;
  schedule: ScheduleEvent;
  /** Stable name of the schedule, used as the EventBridge rule name. */
  ruleName: string;
  /** The schedule's identity within its function (expression and input), the same on every gateway. */
  scheduleKey: string;
}

export interface ScheduleRunnerOptions {
  /** A run is due; `scheduledAt` is its scheduled time (epoch ms), the same on every gateway. */
  onTick(tick: ScheduleTick, scheduledAt: number): void;
  /** An expression that cannot run (reported once per reconcile). */
  onInvalid(deployment: FunctionDeployment, schedule: ScheduleEvent, message: string): void;
}

interface ActiveSchedule {
  stop(): void;
}

export class ScheduleRunner {
  private readonly active = new Map<string, ActiveSchedule>();

  constructor(private readonly options: ScheduleRunnerOptions) {}

  get size(): number {
    return this.active.size;
  }

  reconcile(table: RouteTable): void {
    const wanted = new Map<string, ScheduleTick>();
    for (const deployment of table.functions.values()) {
      let index = 0;
      for (const target of deployment.traffic.weighted) {
        for (const event of target.version.config.events) {
          if (event.type !== 'schedule' || !event.enabled) continue;
          const scheduleKey = `${event.expression}#${JSON.stringify(event.input ?? null)}`;
          const key = `${deployment.key}#${scheduleKey}`;
          if (wanted.has(key)) continue;
          const ruleName = `${deployment.app}-${deployment.stage}-${deployment.service}-${deployment.function}-schedule-${index++}`;
          const tick = { functionKey: deployment.key, schedule: event, ruleName, scheduleKey };
          wanted.set(key, tick);
          if (!this.active.has(key)) {
            try {
              this.active.set(key, this.start(tick));
            } catch (error) {
              wanted.delete(key);
              this.options.onInvalid(deployment, event, (error as Error).message);
            }
          }
        }
      }
    }
    for (const [key, schedule] of this.active) {
      if (!wanted.has(key)) {
        schedule.stop();
        this.active.delete(key);
      }
    }
  }

  stop(): void {
    for (const schedule of this.active.values()) schedule.stop();
    this.active.clear();
  }

  private start(tick: ScheduleTick): ActiveSchedule {
    const spec = parseScheduleExpression(tick.schedule.expression);
    return startScheduleTimer(spec, (scheduledAt) => this.options.onTick(tick, scheduledAt));
  }
}
