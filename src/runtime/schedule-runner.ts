// Runs the `schedule` events of the live versions: one timer per (function, expression, input), reconciled
// at every reload so unchanged schedules keep their rhythm and removed ones stop. A tick only names the
// function; the gateway resolves its live versions at that moment, picks one by weight and invokes it.
// Only versions with weight schedule: one reachable only by a match rule has not been given traffic.

import { Cron } from 'croner';
import type { ScheduleEvent } from '../manifest/types.js';
import type { FunctionDeployment, RouteTable } from './route-table.js';
import { parseScheduleExpression } from './schedule-expression.js';

export interface ScheduleTick {
  functionKey: string;
  schedule: ScheduleEvent;
  /** Stable name of the schedule, used as the EventBridge rule name. */
  ruleName: string;
}

export interface ScheduleRunnerOptions {
  onTick(tick: ScheduleTick): void;
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
          const key = `${deployment.key}#${event.expression}#${JSON.stringify(event.input ?? null)}`;
          if (wanted.has(key)) continue;
          const ruleName = `${deployment.app}-${deployment.stage}-${deployment.service}-${deployment.function}-schedule-${index++}`;
          wanted.set(key, { functionKey: deployment.key, schedule: event, ruleName });
          if (!this.active.has(key)) {
            try {
              this.active.set(key, this.start({ functionKey: deployment.key, schedule: event, ruleName }));
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
    const fire = () => this.options.onTick(tick);
    if (spec.kind === 'rate') {
      const timer = setInterval(fire, spec.everyMs);
      timer.unref();
      return { stop: () => clearInterval(timer) };
    }
    const job = new Cron(spec.pattern, { timezone: 'UTC', unref: true }, fire);
    return { stop: () => job.stop() };
  }
}
