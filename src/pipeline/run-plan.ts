// Which runs a git event starts: the branch rules of the `pipeline:` section as one pure function. No I/O
// and no clock: what it needs to know about the world (existing previews, stage names in use, approval
// rules) comes in through PlanContext, so every rule is tested by calling it.
//
// Branch names are untrusted: here they are only compared, matched against globs and turned into stage
// names by `previewStageName`. Code from a fork is never deployed unless an approver labeled its PR.
import picomatch from 'picomatch';
import { previewStageName } from './preview-name.js';
import type { GitEvent, PipelineConfig, PullRequestEvent, PushEvent, StepName } from './types.js';

export type RunKind = 'preview' | 'branch' | 'destroy' | 'checks';

export interface ApprovalRule {
  required: boolean;
  preventSelfReview: boolean;
}

export interface RunPlan {
  kind: RunKind;
  /**
   * What the run is for: the branch, or `forkBranchKey(pr)` for a fork pull request (a fork's branch name
   * says nothing in this repository: its `master` is not ours). Previews are looked up by this key.
   */
  branch: string;
  /** The commit to check out; null for a destroy. */
  sha: string | null;
  pr: number | null;
  /** The preview's or the mapped stage; null for a checks-only run. */
  stage: string | null;
  /** Code from a fork: its checks get no secrets. */
  fork: boolean;
  steps: StepName[];
  /** A newer run of the same `branch` supersedes an unfinished older one (cancel it). */
  cancelOlder: boolean;
  /** The target profile's rule, when `steps` has an approval. */
  approval?: ApprovalRule;
}

export interface PlanContext {
  /** The preview that exists for a branch key (`RunPlan.branch`), if any. */
  previewFor(branch: string): { stage: string } | undefined;
  /** Stage names held by other branches' previews. */
  takenStages: ReadonlySet<string>;
  /** Stage names a preview may never take: mapped stages, `staging`, `prod`, developers' stages. */
  reservedStages: ReadonlySet<string>;
  profileApproval(stage: string): ApprovalRule;
}

/** Picomatch with `*` crossing `/`: `*` matches `feature/x` too, as people expect of "every branch". */
const GLOB_OPTIONS = { bash: true, dot: true } as const;

/** Whether `branch` matches any of `globs`. */
export function matchesBranch(globs: readonly string[], branch: string): boolean {
  return globs.length > 0 && picomatch(globs as string[], GLOB_OPTIONS)(branch);
}

/** The branch key of a fork pull request: a colon cannot appear in a git branch name, so it never collides. */
export function forkBranchKey(pr: number): string {
  return `pr:${pr}`;
}

/** The runs `event` starts (usually none or one), in the order to create them. */
export function planRuns(config: PipelineConfig, event: GitEvent, context: PlanContext): RunPlan[] {
  switch (event.type) {
    case 'push':
      return planPush(config, event, context);
    case 'branch_deleted':
      return destroyPreview(config, { branch: event.branch, pr: null, fork: false }, context);
    case 'pull_request':
      return planPullRequest(config, event, context);
  }
}

function planPush(config: PipelineConfig, event: PushEvent, context: PlanContext): RunPlan[] {
  const { branch, sha } = event;
  if (Object.hasOwn(config.branches, branch)) {
    const target = config.branches[branch];
    const approval = context.profileApproval(target.stage);
    const finish: StepName[] = [...(approval.required ? ['approval' as const] : []), target.promoteFrom.length > 0 ? 'promote' : 'deploy'];
    const plan: RunPlan = { kind: 'branch', branch, sha, pr: null, stage: target.stage, fork: false, steps: ['checkout', 'checks', ...finish], cancelOlder: false };
    if (approval.required) plan.approval = approval;
    return [plan];
  }
  if (isPreviewBranch(config, branch)) return [previewRun(config, { branch, sha, pr: null, fork: false }, context)];
  return checksRun(config, { branch, sha, pr: null, fork: false });
}

function planPullRequest(config: PipelineConfig, event: PullRequestEvent, context: PlanContext): RunPlan[] {
  const branch = event.fork ? forkBranchKey(event.number) : event.branch;
  const head = { branch, sha: event.sha, pr: event.number, fork: event.fork };
  switch (event.action) {
    case 'closed':
      return destroyPreview(config, head, context);
    case 'labeled': {
      if (!event.fork || config.previews === null) return [];
      const forkLabel = config.previews.forkLabel;
      // Without the added label's name, the labels the PR carries are all there is to go by.
      const added = event.label === undefined ? event.labels.includes(forkLabel) : event.label === forkLabel;
      return added ? [previewRun(config, head, context)] : [];
    }
    case 'opened':
    case 'synchronize':
    case 'reopened':
      if (event.fork) {
        const approved = config.previews !== null && event.labels.includes(config.previews.forkLabel);
        return approved ? [previewRun(config, head, context)] : checksRun(config, head);
      }
      // A mapped or excluded head branch (a `master` → `prod` PR) deploys through its own branch rule.
      return isPreviewBranch(config, branch) ? [previewRun(config, head, context)] : checksRun(config, head);
  }
}

/** Mapped branches deploy their stage; the others get a preview when previews cover them. */
function isPreviewBranch(config: PipelineConfig, branch: string): boolean {
  const previews = config.previews;
  if (previews === null || Object.hasOwn(config.branches, branch)) return false;
  return matchesBranch(previews.branches, branch) && !matchesBranch(previews.exclude, branch);
}

interface RunHead {
  branch: string;
  sha: string;
  pr: number | null;
  fork: boolean;
}

function previewRun(config: PipelineConfig, head: RunHead, context: PlanContext): RunPlan {
  const existing = context.previewFor(head.branch)?.stage;
  const pr = head.fork && head.pr !== null ? head.pr : undefined;
  const stage = existing ?? previewStageName(head.branch, context.takenStages, { pr, reserved: context.reservedStages });
  const steps: StepName[] = ['checkout', 'checks', 'deploy', ...(config.previews?.integration ? ['integration' as const] : [])];
  return { kind: 'preview', ...head, stage, steps, cancelOlder: true };
}

function checksRun(config: PipelineConfig, head: RunHead): RunPlan[] {
  if (config.checks.length === 0) return [];
  return [{ kind: 'checks', ...head, stage: null, steps: ['checkout', 'checks'], cancelOlder: true }];
}

/** Removes the preview of a branch key; never a mapped or reserved stage, whatever the caller's records say. */
function destroyPreview(config: PipelineConfig, head: Omit<RunHead, 'sha'>, context: PlanContext): RunPlan[] {
  const stage = context.previewFor(head.branch)?.stage;
  if (stage === undefined || context.reservedStages.has(stage)) return [];
  if (Object.values(config.branches).some((target) => target.stage === stage)) return [];
  return [{ kind: 'destroy', ...head, sha: null, stage, steps: ['destroy'], cancelOlder: true }];
}
