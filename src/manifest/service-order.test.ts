import { describe, expect, it } from 'vitest';
import { isSluiceError, SluiceError } from '../errors/index.js';
import { parseApp } from './parse-app.js';
import { orderServices, serviceDependencies } from './service-order.js';
import type { LoadedApp } from './types.js';

/** An app whose service `name` has an environment variable per reference it consumes. */
function appOf(services: Record<string, string[]>): LoadedApp {
  const files: Record<string, string> = { 'sluice.app.yml': `app: shop\nservices: [${Object.keys(services).join(', ')}]\n` };
  for (const [name, references] of Object.entries(services)) {
    const environment = references.map((reference, index) => `  V${index}: "${reference}"`);
    files[`${name}/sluice.yml`] = ['service: ' + name, ...(environment.length > 0 ? ['environment:', ...environment] : [])].join('\n') + '\n';
  }
  return parseApp({ root: '/app', files });
}

function errorOf(run: () => unknown): SluiceError {
  try {
    run();
  } catch (error) {
    if (isSluiceError(error)) return error;
    throw error;
  }
  throw new Error('expected a SluiceError');
}

describe('serviceDependencies', () => {
  it('finds output references of the same app in every form, whatever the stage part says', () => {
    const loaded = appOf({
      database: [],
      queue: [],
      auth: [],
      restapi: [
        '${output:database.tableName}',
        '${output::${param:env}::queue.url}',
        '${output:shop:prod:eu:auth.issuer}',
        'prefix-${env:X, ${output:database.arn}}',
      ],
    });
    expect(serviceDependencies(loaded)).toEqual({ database: [], queue: [], auth: [], restapi: ['auth', 'database', 'queue'] });
  });

  it('ignores other apps, unknown services, its own outputs and services named by a variable', () => {
    const loaded = appOf({
      database: [],
      restapi: [
        '${output:other-app:::database.tableName}',
        '${output:billing.url}',
        '${output:restapi.url}',
        '${output:${param:which}.url}',
        '${output:::${opt:region}:data${opt:stage}.url}',
        '${output:${param:app}:::database.tableName}',
      ],
    });
    expect(serviceDependencies(loaded)).toEqual({ database: [], restapi: [] });
  });
});

describe('orderServices', () => {
  const workshop = () =>
    appOf({
      tasks: ['${output:restapi.url}'],
      restapi: ['${output::${param:env}::database.tableName}'],
      database: [],
      metrics: [],
    });

  it('returns layers: producers first, independent services together, in listed order', () => {
    expect(orderServices(workshop())).toEqual([['database', 'metrics'], ['restapi'], ['tasks']]);
  });

  it('puts a service after all of its producers', () => {
    const loaded = appOf({ api: ['${output:a.x}', '${output:b.x}'], a: [], b: ['${output:a.y}'] });
    expect(orderServices(loaded)).toEqual([['a'], ['b'], ['api']]);
  });

  it('orders only the services asked for, without pulling in their producers', () => {
    expect(orderServices(workshop(), ['tasks', 'restapi'])).toEqual([['restapi'], ['tasks']]);
    expect(orderServices(workshop(), ['tasks'])).toEqual([['tasks']]);
    expect(orderServices(workshop(), [])).toHaveLength(3);
  });

  it('throws NOT_FOUND for a service name the app does not have', () => {
    const error = errorOf(() => orderServices(workshop(), ['restapi', 'billing']));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toBe('No service named "billing" in app "shop".');
  });

  it('throws SERVICE_CYCLE naming the cycle', () => {
    const loaded = appOf({ a: ['${output:b.x}'], b: ['${output:c.x}'], c: ['${output:a.x}'], d: [] });
    const error = errorOf(() => orderServices(loaded));
    expect(error.code).toBe('SERVICE_CYCLE');
    expect(error.message).toBe('Services depend on each other in a cycle: a → b → c → a');
  });

  it('names only the services on the cycle, not those waiting behind it', () => {
    const loaded = appOf({ waiter: ['${output:a.x}'], a: ['${output:b.x}'], b: ['${output:a.x}'] });
    expect(errorOf(() => orderServices(loaded)).message).toBe('Services depend on each other in a cycle: a → b → a');
  });
});
