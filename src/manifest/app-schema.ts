// The schema of sluice.app.yml: the app's name, its service folders, parameters, profiles and stages.
import { z } from 'zod';
import { strategySchema } from './deployment-schema.js';
import { mappingOf, resourceName } from './field-schemas.js';
import { pipelineSchema } from './pipeline-schema.js';

const PARAMS_EXPECTATION = 'expected a mapping of parameter names to text, number or boolean values';
const APPROVAL_EXPECTATION = 'expected required, none or { required: true|false, preventSelfReview: true|false }';

const paramName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, { error: 'expected a parameter name of letters, digits, dashes and underscores, starting with a letter' });

export const paramsSchema = mappingOf(paramName, z.union([z.string(), z.number(), z.boolean()], { error: 'expected a text, number or boolean value' }), PARAMS_EXPECTATION);

const approvalSchema = z.union(
  [
    z.enum(['required', 'none'], { error: APPROVAL_EXPECTATION }),
    z.strictObject(
      { required: z.boolean({ error: 'expected true or false' }), preventSelfReview: z.boolean({ error: 'expected true or false' }).optional() },
      { error: APPROVAL_EXPECTATION },
    ),
  ],
  { error: APPROVAL_EXPECTATION },
);

const profileSchema = z
  .strictObject({ params: paramsSchema.optional(), approval: approvalSchema.optional() }, { error: 'expected a mapping with params and approval' })
  .nullable();

const stageSchema = z.strictObject(
  { profile: resourceName('a profile name'), strategy: strategySchema('resolved').optional() },
  { error: 'expected a mapping with profile (and optionally strategy)' },
);

const stageKey = z.union([z.literal('*'), resourceName('a stage name')], { error: `expected a stage name or '*'` });

/** Why `folder` cannot be a service folder (it must stay inside the app root), or undefined. */
export function serviceFolderProblem(folder: string): string | undefined {
  const segments = folder.replace(/\/+$/, '').split('/');
  if (folder.startsWith('/') || /^[A-Za-z]:/.test(folder) || folder.includes('\\')) {
    return 'expected a folder path relative to the app root, with forward slashes';
  }
  if (segments.some((segment) => segment === '..' || segment === '' || segment === '.')) {
    return 'expected a folder inside the app root (no "..", "." or empty segments)';
  }
  return undefined;
}

const serviceFolder = z.string({ error: 'expected a folder path relative to the app root' }).superRefine((folder, ctx) => {
  const problem = serviceFolderProblem(folder);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

const SEVERITIES = ['debug', 'info', 'warning', 'critical'] as const;

/** A webhook that hears about rollout transitions at or above a severity, signed with a profile secret. */
const notificationSchema = z.strictObject(
  {
    url: z.string().regex(/^https?:\/\/\S+$/, { error: 'expected an http(s) URL' }),
    severity: z.enum(SEVERITIES, { error: `expected one of ${SEVERITIES.join(', ')}` }).optional(),
    secret: paramName.optional(),
  },
  { error: 'expected a mapping with url, and optionally severity (debug|info|warning|critical) and secret (a secret name of the stage\'s profile that signs the body)' },
);

export const appSchema = z.strictObject(
  {
    app: resourceName('an app name'),
    services: z.array(serviceFolder, { error: 'expected a list of service folders' }).optional(),
    params: paramsSchema.optional(),
    profiles: mappingOf(resourceName('a profile name'), profileSchema, 'expected a mapping of profile names to profiles').optional(),
    stages: mappingOf(stageKey as z.ZodType<string>, stageSchema, 'expected a mapping of stage names to { profile }').optional(),
    pipeline: pipelineSchema.optional(),
    notifications: z.array(notificationSchema, { error: 'expected a list of webhooks: [{ url, severity, secret }]' }).optional(),
  },
  { error: 'expected a mapping with at least app: NAME' },
);

export type AppDocument = z.infer<typeof appSchema>;
