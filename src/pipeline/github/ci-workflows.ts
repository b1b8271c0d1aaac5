// GitHub Actions workflows that run Sluice's pipeline from CI instead of from webhooks: the same steps
// (checks, a preview per PR with its link posted back, removal on close, master → staging, a gated promotion
// to prod) driven through the Sluice CLI against a shared control plane. `sluice ci init github` writes them.
//
// Security: text a PR author controls (branch names, titles) never appears inside a `run:` script, only in
// `env:` (GitHub's script-injection advice); fork PRs get checks only, never a step holding the token (GitHub
// withholds secrets from them anyway); the token is set on the Sluice steps alone, not on the checks that run
// the PR's code; `npx --no` refuses to fetch a registry package named `sluice` when the project lacks it.

import { stringify } from 'yaml';
import { SluiceError } from '../../errors/index.js';
import type { BranchTarget, CommandStep, PreviewSettings } from '../types.js';
import { isValidName } from '../../manifest/names.js';
import { PREVIEW_COMMENT_MARKER, previewCommentMarker } from './comment-marker.js';

export interface GithubActionsOptions {
  app: string;
  /** Repository secret holding the control plane's URL. Default SLUICE_URL. */
  serverUrlSecret?: string;
  /** Repository secret holding a deployer token (approver for nothing: promotions wait for approval). Default SLUICE_TOKEN. */
  tokenSecret?: string;
  /** The manifest's `pipeline.checks`. */
  checks?: CommandStep[];
  /** The manifest's `pipeline.previews`; null = PRs get checks only. */
  previews: PreviewSettings | null;
  /** The manifest's `pipeline.branches` (branch → target stage). */
  branches: Record<string, BranchTarget>;
  /** Default 20. */
  nodeVersion?: string;
  /**
   * Where the app (sluice.app.yml) sits in the repository, as a POSIX path relative to its root; '' (the
   * default) for the root itself. A folder (one app of a monorepo) gets workflows named after the app that
   * run in that folder, only for changes under it, with their own preview comment: apps of one repository
   * do not overwrite each other's files or comments.
   */
  appDir?: string;
}

export interface WorkflowFile {
  /** Relative to the repository root. */
  path: string;
  text: string;
}

type Step = Record<string, unknown>;
type Job = Record<string, unknown>;

const SECRET = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SAME_REPOSITORY = 'github.event.pull_request.head.repo.full_name == github.repository';
const PREVIEW_STAGE = 'pr-${{ github.event.number }}';

export function githubActionsWorkflows(options: GithubActionsOptions): WorkflowFile[] {
  const ctx = context(options);
  const files: WorkflowFile[] = [pullRequestWorkflow(ctx)];
  const byStage = new Map<string, { target: BranchTarget; branches: string[] }>();
  for (const [branch, target] of Object.entries(options.branches)) {
    const entry = byStage.get(target.stage) ?? { target, branches: [] };
    entry.branches.push(branch);
    byStage.set(target.stage, entry);
  }
  for (const [stage, { target, branches }] of byStage) files.push(branchWorkflow(ctx, stage, target, branches));
  return files;
}

interface Context {
  app: string;
  /** '' at the repository root. */
  appDir: string;
  checks: CommandStep[];
  previews: PreviewSettings | null;
  nodeVersion: string;
  secrets: [string, string];
  sluiceEnv: Record<string, string>;
}

function context(options: GithubActionsOptions): Context {
  const urlSecret = options.serverUrlSecret ?? 'SLUICE_URL';
  const tokenSecret = options.tokenSecret ?? 'SLUICE_TOKEN';
  for (const secret of [urlSecret, tokenSecret]) secretName(secret);
  if (!isValidName(options.app)) throw new SluiceError('INVALID_NAME', `App name "${options.app}" is not a valid name.`);
  return {
    app: options.app,
    appDir: appFolder(options.appDir ?? ''),
    checks: options.checks ?? [],
    previews: options.previews,
    nodeVersion: options.nodeVersion ?? '20',
    secrets: [urlSecret, tokenSecret],
    sluiceEnv: { SLUICE_URL: `\${{ secrets.${urlSecret} }}`, SLUICE_TOKEN: `\${{ secrets.${tokenSecret} }}` },
  };
}

/** The app's folder, normalised ('' for the root); refused when it leaves the repository or YAML could misread it. */
function appFolder(dir: string): string {
  const parts = dir.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.some((part) => part === '..') || dir.startsWith('/') || !/^[\w./@+-]*$/.test(dir)) {
    throw new SluiceError('INVALID_ARGUMENT', `"${dir}" is not a folder inside the repository the workflows can run in.`, {
      hint: 'Keep the app in a folder of the repository whose path uses letters, digits, ., _, -, @, + and /.',
    });
  }
  return parts.join('/');
}

/** Only changes to the app's folder start a monorepo app's workflows. */
function pathFilter(ctx: Context): { paths?: string[] } {
  return ctx.appDir ? { paths: [`${ctx.appDir}/**`] } : {};
}

/** A name shared by the apps of one repository, told apart by the app's name when it is in a folder. */
function scoped(ctx: Context, name: string): string {
  return ctx.appDir ? name.replace(/^sluice-/, `sluice-${ctx.app}-`) : name;
}

function pullRequestWorkflow(ctx: Context): WorkflowFile {
  const jobs: Record<string, Job> = {
    checks: { if: "github.event.action != 'closed'", ...job(setup(ctx, checkSteps(ctx.checks))) },
  };
  if (ctx.previews) {
    const gated = "steps.gate.outputs.enabled == 'true'";
    const stageEnv = { STAGE: PREVIEW_STAGE };
    jobs.preview = {
      needs: 'checks',
      if: `github.event.action != 'closed' && ${SAME_REPOSITORY}`,
      ...job([
        previewGate(ctx.previews),
        ...setup(ctx, [], gated),
        {
          name: 'Deploy the preview',
          if: gated,
          env: { ...ctx.sluiceEnv, ...stageEnv },
          run: 'npx --no sluice deploy --stage "$STAGE" --json > "$RUNNER_TEMP/sluice-deploy.json"',
        },
        { name: 'Post the preview link', if: gated, uses: 'actions/github-script@v7', with: { script: commentScript(ctx, 'deployed') } },
        ...(ctx.previews.integration ? [integrationStep(ctx.previews.integration, gated)] : []),
      ]),
    };
    jobs.remove = {
      if: `github.event.action == 'closed' && ${SAME_REPOSITORY}`,
      ...job([
        previewGate(ctx.previews),
        // The base branch, not the PR: nothing the PR changed runs next to the token.
        ...setup(ctx, [], gated, { ref: '${{ github.event.pull_request.base.ref }}' }),
        {
          name: 'Remove the preview',
          if: gated,
          env: { ...ctx.sluiceEnv, ...stageEnv },
          run: `npx --no sluice remove --app ${ctx.app} --stage "$STAGE"`,
        },
        { name: 'Mark the preview comment removed', if: gated, uses: 'actions/github-script@v7', with: { script: commentScript(ctx, 'removed') } },
      ]),
    };
  }
  return workflowFile(ctx, ctx.previews ? 'sluice-preview.yml' : 'sluice-checks.yml', {
    name: ctx.previews ? 'Sluice preview' : 'Sluice checks',
    on: { pull_request: { types: ['opened', 'synchronize', 'reopened', ...(ctx.previews ? ['closed'] : [])], ...pathFilter(ctx) } },
    permissions: ctx.previews ? { contents: 'read', 'pull-requests': 'write' } : { contents: 'read' },
    concurrency: { group: scoped(ctx, 'sluice-pr-${{ github.event.number }}'), 'cancel-in-progress': false },
    jobs,
  });
}

function branchWorkflow(ctx: Context, stage: string, target: BranchTarget, branches: string[]): WorkflowFile {
  if (!isValidName(stage)) throw new SluiceError('INVALID_NAME', `Stage name "${stage}" is not a valid name.`);
  const from = target.promoteFrom[0];
  if (from !== undefined && !isValidName(from)) throw new SluiceError('INVALID_NAME', `Stage name "${from}" is not a valid name.`);
  const steps = from
    ? // A promotion ships the release already verified on the source stage: no checks, no rebuild. The control
      // plane holds it until an approver approves when the target's profile requires approval.
      setup(ctx, [{ name: `Promote ${from} to ${stage}`, env: ctx.sluiceEnv, run: `npx --no sluice promote --from ${from} --to ${stage}` }])
    : setup(ctx, [...checkSteps(ctx.checks), { name: `Deploy to ${stage}`, env: ctx.sluiceEnv, run: `npx --no sluice deploy --stage ${stage} --wait` }]);
  return workflowFile(ctx, `sluice-${from ? 'promote' : 'deploy'}-${stage}.yml`, {
    name: from ? `Sluice promote ${from} to ${stage}` : `Sluice deploy ${stage}`,
    on: { push: { branches, ...pathFilter(ctx) } },
    permissions: { contents: 'read' },
    concurrency: { group: scoped(ctx, `sluice-stage-${stage}`), 'cancel-in-progress': false },
    jobs: { [from ? 'promote' : 'deploy']: job(steps) },
  });
}

function job(steps: Step[]): Job {
  return { 'runs-on': 'ubuntu-latest', steps };
}

/** Checkout, Node, dependencies (unless a check installs them), then `steps`. */
function setup(ctx: Context, steps: Step[], condition?: string, checkoutWith?: Record<string, string>): Step[] {
  const when = condition ? { if: condition } : {};
  const installs = steps.some((s) => typeof s.run === 'string' && /^npm (ci|install)\b/.test(s.run));
  return [
    { name: 'Check out', ...when, uses: 'actions/checkout@v4', ...(checkoutWith ? { with: checkoutWith } : {}) },
    {
      name: 'Set up Node',
      ...when,
      uses: 'actions/setup-node@v4',
      with: { 'node-version': ctx.nodeVersion, cache: 'npm', ...(ctx.appDir ? { 'cache-dependency-path': `${ctx.appDir}/package-lock.json` } : {}) },
    },
    ...(installs ? [] : [{ name: 'Install dependencies', ...when, run: 'npm ci' }]),
    ...steps,
  ];
}

/** The name, when it can be a GitHub Actions secret (and so cannot break out of `${{ secrets.… }}`). */
function secretName(secret: string): string {
  if (SECRET.test(secret) && !secret.toUpperCase().startsWith('GITHUB_')) return secret;
  throw new SluiceError('INVALID_ARGUMENT', `"${secret}" is not a valid GitHub Actions secret name.`, {
    hint: 'Secret names use letters, digits and underscores, and start with neither a digit nor GITHUB_.',
  });
}

function checkSteps(checks: CommandStep[]): Step[] {
  return checks.map(commandStep);
}

/** A manifest command; its `secrets` come from the repository secrets of the same names. */
function commandStep(step: CommandStep): Step {
  const env: Record<string, string> = { ...step.env };
  for (const secret of step.secrets ?? []) env[secret] = `\${{ secrets.${secretName(secret)} }}`;
  return {
    name: step.name,
    run: step.run,
    ...(Object.keys(env).length > 0 ? { env } : {}),
    'timeout-minutes': Math.max(1, Math.ceil(step.timeoutMs / 60_000)),
  };
}

/** The preview's integration tests, told which stage to test and where the deploy result (its URLs) is. */
function integrationStep(step: CommandStep, condition: string): Step {
  const { env, ...rest } = commandStep(step);
  return { ...rest, if: condition, env: { ...(env as Record<string, string> | undefined), SLUICE_STAGE: PREVIEW_STAGE, SLUICE_DEPLOY_RESULT: '${{ runner.temp }}/sluice-deploy.json' } };
}

/**
 * Decides in the runner whether the PR's branch gets a preview (previews.branches minus exclude). The branch
 * arrives through env and is only ever compared with `case`; the globs are quoted except for `*` and `?`
 * (`*` matches `/` in `case`, as in the control plane). Other glob syntax is taken literally here.
 */
function previewGate(previews: PreviewSettings): Step {
  const alternatives = (globs: string[]) => globs.map(shellPattern).join('|');
  const lines = ['enabled=false'];
  if (previews.branches.length > 0) lines.push(`case "$HEAD_REF" in ${alternatives(previews.branches)}) enabled=true ;; esac`);
  if (previews.exclude.length > 0) lines.push(`case "$HEAD_REF" in ${alternatives(previews.exclude)}) enabled=false ;; esac`);
  lines.push('echo "enabled=$enabled" >> "$GITHUB_OUTPUT"');
  return { name: 'Does this branch get a preview?', id: 'gate', env: { HEAD_REF: '${{ github.head_ref }}' }, run: `${lines.join('\n')}\n` };
}

function shellPattern(glob: string): string {
  return glob
    .replace(/\*+/g, '*')
    .split(/([*?])/)
    .map((part) => (part === '*' || part === '?' ? part : part ? `'${part.replaceAll("'", "'\\''")}'` : ''))
    .join('');
}

/**
 * actions/github-script body keeping ONE comment per PR (the same marker as the control plane's comment).
 * It reads the PR number and the deploy result from the event and a file, never from interpolated text.
 */
function commentScript(ctx: Context, mode: 'deployed' | 'removed'): string {
  const rows =
    mode === 'deployed'
      ? [
          "const result = JSON.parse(require('node:fs').readFileSync(process.env.RUNNER_TEMP + '/sluice-deploy.json', 'utf8'));",
          "const rows = (result.services || []).map((s) => '| `' + s.service + '` | <' + s.url + '> |');",
          "const lines = ['### ✅ Preview ready: stage `' + result.stage + '`', '', 'Commit `' + sha + '`.', '', '| service | URL |', '| --- | --- |', ...rows];",
        ]
      : ["const lines = ['### 🗑️ Preview removed', '', 'The preview stage and its URLs are gone with the pull request.'];"]
  return [
    // The app name is a NAME (letters, digits, -): safe inside the quotes.
    `const marker = '${ctx.appDir ? previewCommentMarker(ctx.app) : PREVIEW_COMMENT_MARKER}';`,
    'const sha = context.payload.pull_request.head.sha.slice(0, 7);',
    ...rows,
    "const run = context.serverUrl + '/' + context.repo.owner + '/' + context.repo.repo + '/actions/runs/' + context.runId;",
    "const body = [marker, ...lines, '', '[Workflow run](' + run + ')'].join('\\n');",
    'const { owner, repo } = context.repo;',
    'const issue_number = context.payload.pull_request.number;',
    'const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number, per_page: 100 });',
    "const ours = comments.find((c) => c.user && c.user.login === 'github-actions[bot]' && (c.body || '').includes(marker));",
    'if (ours) await github.rest.issues.updateComment({ owner, repo, comment_id: ours.id, body });',
    'else await github.rest.issues.createComment({ owner, repo, issue_number, body });',
    '',
  ].join('\n');
}

function workflowFile(ctx: Context, name: string, workflow: Record<string, unknown>): WorkflowFile {
  const header = [
    `Generated by \`sluice ci init github\` for app ${ctx.app}; regenerate rather than edit (--force overwrites).`,
    `Needs the repository secrets ${ctx.secrets[0]} (control plane URL) and ${ctx.secrets[1]} (a deployer token),`,
    'and sluice as a devDependency of the project (npx --no never downloads it).',
  ];
  if (ctx.appDir) header.push(`The app is in ${ctx.appDir}/: its steps run there, and only changes under it start them.`);
  const body = ctx.appDir ? { ...workflow, defaults: { run: { 'working-directory': ctx.appDir } } } : workflow;
  const text = `${header.map((line) => `# ${line}`).join('\n')}\n${stringify(body, { lineWidth: 0 })}`;
  return { path: `.github/workflows/${scoped(ctx, name)}`, text };
}
