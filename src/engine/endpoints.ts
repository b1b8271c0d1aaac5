// Human-readable endpoints of a function: `POST http://…/restapi/submissions`, `rate(5 minutes)`.

import type { FunctionEvent } from '../manifest/index.js';

export function describeEndpoints(serviceUrl: string, events: FunctionEvent[]): { endpoints: string[]; schedules: string[] } {
  const endpoints: string[] = [];
  const schedules: string[] = [];
  for (const event of events) {
    if (event.type === 'http') endpoints.push(`${event.method} ${serviceUrl}${event.path === '/' ? '' : event.path}`);
    else if (event.enabled) schedules.push(event.expression);
  }
  return { endpoints, schedules };
}
