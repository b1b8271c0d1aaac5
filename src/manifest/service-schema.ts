// The schema of a service's sluice.yml, in two phases: `raw` checks the structure as written (values with
// `${…}` pass), `resolved` checks the values once variables are replaced.
import { z } from 'zod';
import { deploymentSchema } from './deployment-schema.js';
import { eventEntrySchema } from './event-schemas.js';
import { handlerSchema } from './handler-schema.js';
import { mappingOf, memberName, orVariable, resourceName, scalarValue, text, wholeNumber, type SchemaPhase } from './field-schemas.js';

export { splitHandler } from './handler-schema.js';

export const FUNCTION_DEFAULTS = { timeout: 6, memory: 1024, concurrency: 100 } as const;
export const RUNTIMES = ['node20', 'node22'] as const;
export const DEFAULT_RUNTIME = 'node20';

function environmentSchema(phase: SchemaPhase): z.ZodType {
  const name = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected an environment variable name of letters, digits and underscores' });
  const values = mappingOf(name, scalarValue('expected a text, number or boolean value', phase), 'expected a mapping of environment variable names to values');
  return orVariable(values, phase);
}

function functionSchema(phase: SchemaPhase): z.ZodType {
  return z.strictObject(
    {
      handler: handlerSchema,
      timeout: wholeNumber('expected a whole number of seconds from 1 to 900', 1, 900, phase).optional(),
      memory: wholeNumber('expected a whole number of MB from 128 to 10240', 128, 10240, phase).optional(),
      concurrency: wholeNumber('expected a whole number of concurrent invocations, at least 1', 1, Number.MAX_SAFE_INTEGER, phase).optional(),
      environment: environmentSchema(phase).optional(),
      events: orVariable(z.array(eventEntrySchema(phase), { error: 'expected a list of events' }), phase).optional(),
    },
    { error: 'expected a function: a mapping with at least handler' },
  );
}

function tableSchema(phase: SchemaPhase): z.ZodType {
  const physicalName = z
    .string({ error: 'expected a table name' })
    .regex(/^[A-Za-z0-9_.-]{1,255}$/, { error: 'expected a table name of letters, digits and - _ . (at most 255)' });
  return z.strictObject(
    { key: orVariable(text('expected the name of the field that holds each item\'s key'), phase), name: orVariable(physicalName, phase).optional() },
    { error: 'expected a table: a mapping with key (and optionally name)' },
  );
}

const SERVICE_SCHEMAS = new Map<SchemaPhase, z.ZodType>();

/** Built once per phase and shared: a schema never changes, and building one costs more than a validation. */
export function serviceSchema(phase: SchemaPhase): z.ZodType {
  let schema = SERVICE_SCHEMAS.get(phase);
  if (!schema) SERVICE_SCHEMAS.set(phase, (schema = buildServiceSchema(phase)));
  return schema;
}

function buildServiceSchema(phase: SchemaPhase): z.ZodType {
  return z.strictObject(
    {
      service: resourceName('a service name'),
      runtime: orVariable(z.enum(RUNTIMES, { error: `expected a runtime: ${RUNTIMES.join(' or ')}` }), phase).optional(),
      environment: environmentSchema(phase).optional(),
      functions: mappingOf(memberName('a function name'), functionSchema(phase), 'expected a mapping of function names to functions').optional(),
      resources: z
        .strictObject(
          { tables: mappingOf(memberName('a table name'), tableSchema(phase), 'expected a mapping of table names to tables').optional() },
          { error: 'expected a mapping with tables' },
        )
        .optional(),
      outputs: orVariable(
        mappingOf(memberName('an output name'), scalarValue('expected a text, number or boolean value', phase), 'expected a mapping of output names to values'),
        phase,
      ).optional(),
      deployment: deploymentSchema(phase).optional(),
      /** Free-form values for `${self:custom.…}`, as in serverless.yml. */
      custom: z.unknown().optional(),
    },
    { error: 'expected a mapping with at least service: NAME' },
  );
}
