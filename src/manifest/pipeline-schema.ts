// The `pipeline:` section of sluice.app.yml: checks, previews, the branches that feed stages, concurrency.
// Zod checks the shape (so unknown keys get "did you mean" and every problem is located in the file); then
// `normalizePipeline` fills the defaults, some of which depend on the profiles (who needs approval).
import { z } from 'zod';
import type { BranchTarget, CommandStep, PipelineConfig, PreviewSettings } from './pipeline-types.js';
import { readDurationMs } from './deployment-values.js';
import { didYouMean } from './did-you-mean.js';
import { resourceName, text } from './field-schemas.js';

export const DEFAULT_COMMAND_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_FORK_LABEL = 'preview';
export const DEFAULT_PIPELINE_CONCURRENCY = 2;
export const MAX_PIPELINE_CONCURRENCY = 32;

const COMMAND_EXPECTATION = 'expected a command: text like "npm test", or { run, name, timeout, env, secrets }';
const TARGET_EXPECTATION = 'expected a stage name, or { stage, promoteFrom: [stages] }';
const PREVIEWS_EXPECTATION = 'expected false, true, or a mapping with branches, exclude, integration, ttl, protect and forkLabel';
const GLOBS_EXPECTATION = 'expected a branch glob or a list of them, like [\'*\'] or [feature/*]';
const CONCURRENCY_EXPECTATION = `expected a whole number of runs from 1 to ${MAX_PIPELINE_CONCURRENCY}`;

const DAY_MS = 86_400_000;
/** Unit words beyond the short ones `readDurationMs` knows, so `10 minutes` and `7d` read naturally. */
const UNIT_ALIASES: Record<string, string> = {
  ms: 'ms', millisecond: 'ms', milliseconds: 'ms',
  s: 's', sec: 's', secs: 's', second: 's', seconds: 's',
  m: 'm', min: 'm', mins: 'm', minute: 'm', minutes: 'm',
  h: 'h', hr: 'h', hrs: 'h', hour: 'h', hours: 'h',
  d: 'd', day: 'd', days: 'd',
};

/**
 * `30s`, `10m`, `2h`, `7d`, `10 minutes`, or a plain number of seconds, in milliseconds; undefined when it is
 * not a positive duration. Days are read here; the rest is `readDurationMs`, shared with `deployment:`.
 */
export function readPipelineDurationMs(value: unknown): number | undefined {
  if (typeof value !== 'string') return readDurationMs(value, 1000);
  const match = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*$/.exec(value);
  if (match === null) return readDurationMs(value, 1000);
  const unit = UNIT_ALIASES[match[2].toLowerCase()];
  if (unit === undefined) return undefined;
  if (unit === 'd') {
    const ms = Math.round(Number(match[1]) * DAY_MS);
    return ms > 0 ? ms : undefined;
  }
  return readDurationMs(`${match[1]}${unit}`, 1000);
}

function duration(what: string): z.ZodType<number> {
  const expectation = `expected ${what}: a duration like 30s, 10m, 2h or 7d`;
  return z.union([z.string(), z.number()], { error: expectation }).transform((value, ctx) => {
    const ms = readPipelineDurationMs(value);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: expectation });
      return z.NEVER;
    }
    return ms;
  });
}

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected an environment variable name of letters, digits and underscores' });
/** A secret reaches the command as an environment variable of the same name. */
const secretName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected a secret name of letters, digits and underscores (the command gets it as a variable of that name)' });
const envValue = z.union([z.string(), z.number(), z.boolean()], { error: 'expected a text, number or boolean value' }).transform(String);

const commandSchema = z.union(
  [
    text(COMMAND_EXPECTATION),
    z.strictObject(
      {
        run: text('expected the command to run, like "npm test"'),
        name: text('expected a name for the command').optional(),
        timeout: duration('a timeout').optional(),
        env: z.record(envName, envValue, { error: 'expected a mapping of environment variable names to values' }).optional(),
        secrets: z.array(secretName, { error: 'expected a list of secret names, like [NPM_TOKEN]' }).optional(),
      },
      { error: COMMAND_EXPECTATION },
    ),
  ],
  { error: COMMAND_EXPECTATION },
);

/** A git branch name as a key of `branches:` (matched exactly; never reaches a shell). */
const branchName = z.string().refine(isBranchName, { error: 'expected a git branch name (no spaces, globs or "..", not starting with "-")' });

/** Git's own rules for a branch name, loosely: what `git check-ref-format --branch` would refuse is refused. */
function isBranchName(name: string): boolean {
  if (name === '' || name.startsWith('-') || name.startsWith('/') || name.endsWith('/') || name.endsWith('.') || name.endsWith('.lock')) return false;
  if (name.includes('..') || name.includes('//') || name.includes('@{')) return false;
  return [...name].every((char) => char.charCodeAt(0) > 0x20 && char !== '\x7f' && !'~^:?*[\\'.includes(char));
}

const stageName = resourceName('a stage name');

const globs = z
  .union([text(GLOBS_EXPECTATION), z.array(text('expected a branch glob'), { error: GLOBS_EXPECTATION })], { error: GLOBS_EXPECTATION })
  .transform((value) => (typeof value === 'string' ? [value] : value));

const previewsSchema = z.strictObject(
  {
    branches: globs.optional(),
    exclude: globs.optional(),
    integration: commandSchema.optional(),
    ttl: duration('how long an idle preview lives').optional(),
    protect: z.boolean({ error: 'expected true or false' }).optional(),
    forkLabel: text('expected the label an approver puts on a fork pull request').optional(),
  },
  { error: PREVIEWS_EXPECTATION },
);

const targetSchema = z.union(
  [
    stageName,
    z.strictObject(
      { stage: stageName, promoteFrom: z.array(stageName, { error: 'expected a list of stage names' }).optional() },
      { error: TARGET_EXPECTATION },
    ),
  ],
  { error: TARGET_EXPECTATION },
);

const branchesSchema = z
  .record(branchName, targetSchema, { error: 'expected a mapping of branch names to stages, like { master: staging }' })
  // Only on well-formed branches: each stage a branch promotes from must be fed by another branch.
  .superRefine((branches, ctx) => {
    const mapped = [...new Set(Object.values(branches).map(targetStage))];
    for (const [branch, target] of Object.entries(branches)) {
      if (typeof target === 'string') continue;
      const others = mapped.filter((stage) => stage !== target.stage);
      (target.promoteFrom ?? []).forEach((source, index) => {
        const path = [branch, 'promoteFrom', index];
        if (source === target.stage) {
          ctx.addIssue({ code: 'custom', path, message: `expected a stage other than the target itself to promote from, found "${source}"` });
        } else if (!mapped.includes(source)) {
          const expected = others.length > 0 ? `expected a stage another branch maps to: ${others.join(', ')}` : 'expected a stage another branch maps to (none is mapped)';
          ctx.addIssue({ code: 'custom', path, message: `${expected}, found "${source}"${didYouMean(source, others)}` });
        }
      });
    }
  }, { when: (payload) => payload.issues.length === 0 });

export const pipelineSchema = z.strictObject(
  {
    checks: z.array(commandSchema, { error: 'expected a list of commands, like [npm ci, npm test]' }).optional(),
    previews: z.union([z.boolean(), previewsSchema], { error: PREVIEWS_EXPECTATION }).optional(),
    branches: branchesSchema.optional(),
    concurrency: z
      .number({ error: CONCURRENCY_EXPECTATION })
      .int({ error: CONCURRENCY_EXPECTATION })
      .min(1, { error: CONCURRENCY_EXPECTATION })
      .max(MAX_PIPELINE_CONCURRENCY, { error: CONCURRENCY_EXPECTATION })
      .optional(),
  },
  { error: 'expected a mapping with checks, previews, branches and concurrency' },
);

/** The `pipeline:` section as validated, before defaults. */
export type PipelineDocument = z.output<typeof pipelineSchema>;
type CommandDocument = z.output<typeof commandSchema>;
type TargetDocument = z.output<typeof targetSchema>;

function targetStage(target: TargetDocument): string {
  return typeof target === 'string' ? target : target.stage;
}

function normalizeCommand(command: CommandDocument): CommandStep {
  if (typeof command === 'string') return { name: command, run: command, timeoutMs: DEFAULT_COMMAND_TIMEOUT_MS, env: {}, secrets: [] };
  return {
    name: command.name ?? command.run,
    run: command.run,
    timeoutMs: command.timeout ?? DEFAULT_COMMAND_TIMEOUT_MS,
    env: command.env ?? {},
    secrets: [...new Set(command.secrets ?? [])],
  };
}

/**
 * The pipeline with every default filled in. `approvalRequired(stage)` says whether the stage's profile has
 * `approval: required`: such a stage promotes the verified release of the mapped stages that need no
 * approval (prod promotes what staging runs) unless `promoteFrom` says otherwise; every other stage builds.
 */
export function normalizePipeline(document: PipelineDocument, approvalRequired: (stage: string) => boolean): PipelineConfig {
  const written = Object.entries(document.branches ?? {});
  const mappedStages = [...new Set(written.map(([, target]) => targetStage(target)))];
  const branches: Record<string, BranchTarget> = {};
  for (const [branch, target] of written) {
    const stage = targetStage(target);
    const explicit = typeof target === 'string' ? undefined : target.promoteFrom;
    const promoteFrom = explicit ?? (approvalRequired(stage) ? mappedStages.filter((other) => other !== stage && !approvalRequired(other)) : []);
    branches[branch] = { stage, promoteFrom: [...new Set(promoteFrom)] };
  }
  return {
    checks: (document.checks ?? []).map(normalizeCommand),
    previews: normalizePreviews(document.previews, Object.keys(branches)),
    branches,
    concurrency: document.concurrency ?? DEFAULT_PIPELINE_CONCURRENCY,
  };
}

function normalizePreviews(previews: PipelineDocument['previews'], mappedBranches: string[]): PreviewSettings | null {
  if (previews === undefined || previews === false) return null;
  const settings = previews === true ? {} : previews;
  return {
    branches: settings.branches ?? ['*'],
    // The mapped branches deploy their own stages; a preview of them would only duplicate that work.
    exclude: settings.exclude ?? mappedBranches,
    integration: settings.integration === undefined ? null : normalizeCommand(settings.integration),
    ttlMs: settings.ttl ?? null,
    protect: settings.protect ?? false,
    forkLabel: settings.forkLabel ?? DEFAULT_FORK_LABEL,
  };
}
