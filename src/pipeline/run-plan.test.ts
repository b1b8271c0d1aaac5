import { describe, expect, it } from 'vitest';
import { forkBranchKey, matchesBranch, planRuns, type ApprovalRule, type PlanContext } from './run-plan.js';
import type { BranchDeletedEvent, CommandStep, PipelineConfig, PullRequestEvent, PushEvent } from './types.js';

const SHA = 'a'.repeat(40);
const ORIGIN = { repoId: 'r1', actor: 'alice', source: 'github' as const };

function command(run: string): CommandStep {
  return { name: run, run, timeoutMs: 600_000, env: {}, secrets: [] };
}

function config(overrides: Partial<PipelineConfig> = {}): PipelineConfig {
  return {
    checks: [command('npm test')],
    previews: { branches: ['*'], exclude: ['master', 'prod'], integration: command('npm run test:integration'), ttlMs: null, protect: false, forkLabel: 'preview' },
    branches: { master: { stage: 'staging', promoteFrom: [] }, prod: { stage: 'prod', promoteFrom: ['staging'] } },
    concurrency: 2,
    ...overrides,
  };
}

const REQUIRED: ApprovalRule = { required: true, preventSelfReview: true };
const NOT_REQUIRED: ApprovalRule = { required: false, preventSelfReview: false };

function context(options: { previews?: Record<string, string>; taken?: string[]; approval?: Record<string, ApprovalRule> } = {}): PlanContext {
  const previews = options.previews ?? {};
  return {
    previewFor: (branch) => (Object.hasOwn(previews, branch) ? { stage: previews[branch] } : undefined),
    takenStages: new Set(options.taken ?? []),
    reservedStages: new Set(['staging', 'prod', 'dev']),
    profileApproval: (stage) => options.approval?.[stage] ?? (stage === 'prod' ? REQUIRED : NOT_REQUIRED),
  };
}

function push(branch: string): PushEvent {
  return { ...ORIGIN, type: 'push', branch, sha: SHA, before: null };
}

function deleted(branch: string): BranchDeletedEvent {
  return { ...ORIGIN, type: 'branch_deleted', branch };
}

function pullRequest(action: PullRequestEvent['action'], overrides: Partial<PullRequestEvent> = {}): PullRequestEvent {
  return {
    ...ORIGIN,
    type: 'pull_request',
    action,
    number: 12,
    branch: 'feature/login',
    sha: SHA,
    baseBranch: 'master',
    fork: false,
    headCloneUrl: null,
    merged: false,
    labels: [],
    ...overrides,
  };
}

describe('matchesBranch', () => {
  it("matches '*' across slashes, prefixes and exact names, and nothing with no globs", () => {
    expect(matchesBranch(['*'], 'feature/x/y')).toBe(true);
    expect(matchesBranch(['feature/*'], 'feature/a/b')).toBe(true);
    expect(matchesBranch(['feature/*'], 'fix/a')).toBe(false);
    expect(matchesBranch(['master', 'prod'], 'prod')).toBe(true);
    expect(matchesBranch(['master'], 'master2')).toBe(false);
    expect(matchesBranch([], 'master')).toBe(false);
  });

  it('takes hostile names as plain text', () => {
    expect(matchesBranch(['feature/*'], '$(touch /tmp/pwned)')).toBe(false);
    expect(matchesBranch(['*'], '--upload-pack=x')).toBe(true);
    expect(matchesBranch(['release/*'], '../release/x')).toBe(false);
  });
});

describe('planRuns on pushes', () => {
  it('builds a mapped branch into its stage', () => {
    expect(planRuns(config(), push('master'), context())).toEqual([
      { kind: 'branch', branch: 'master', sha: SHA, pr: null, stage: 'staging', fork: false, steps: ['checkout', 'checks', 'deploy'], cancelOlder: false },
    ]);
  });

  it('promotes into a stage with promoteFrom, after an approval its profile requires', () => {
    expect(planRuns(config(), push('prod'), context())).toEqual([
      {
        kind: 'branch',
        branch: 'prod',
        sha: SHA,
        pr: null,
        stage: 'prod',
        fork: false,
        steps: ['checkout', 'checks', 'approval', 'promote'],
        cancelOlder: false,
        approval: REQUIRED,
      },
    ]);
  });

  it('promotes without an approval when the profile does not require one', () => {
    const [plan] = planRuns(config(), push('prod'), context({ approval: { prod: NOT_REQUIRED } }));
    expect(plan.steps).toEqual(['checkout', 'checks', 'promote']);
    expect(plan.approval).toBeUndefined();
  });

  it('asks for approval before a deploy when the profile of a building stage requires it', () => {
    const pipeline = config({ branches: { prod: { stage: 'prod', promoteFrom: [] } } });
    const [plan] = planRuns(pipeline, push('prod'), context({ approval: { prod: { required: true, preventSelfReview: false } } }));
    expect(plan.steps).toEqual(['checkout', 'checks', 'approval', 'deploy']);
    expect(plan.approval).toEqual({ required: true, preventSelfReview: false });
  });

  it('deploys a preview of another branch matching previews, with integration, cancelling older runs', () => {
    expect(planRuns(config(), push('feature/Login_UI'), context())).toEqual([
      {
        kind: 'preview',
        branch: 'feature/Login_UI',
        sha: SHA,
        pr: null,
        stage: 'feature-login-ui',
        fork: false,
        steps: ['checkout', 'checks', 'deploy', 'integration'],
        cancelOlder: true,
      },
    ]);
  });

  it('leaves integration out when none is configured', () => {
    const pipeline = config();
    pipeline.previews = { ...pipeline.previews!, integration: null };
    expect(planRuns(pipeline, push('feature/x'), context())[0].steps).toEqual(['checkout', 'checks', 'deploy']);
  });

  it("keeps the preview's existing stage, and avoids names other previews or mapped stages hold", () => {
    expect(planRuns(config(), push('feature/x'), context({ previews: { 'feature/x': 'feature-x-9f3a' } }))[0].stage).toBe('feature-x-9f3a');
    expect(planRuns(config(), push('feature_x'), context({ taken: ['feature-x'] }))[0].stage).toMatch(/^feature-x-[0-9a-f]{4}$/);
    expect(planRuns(config(), push('Staging'), context())[0].stage).toMatch(/^staging-[0-9a-f]{4}$/);
  });

  it('runs only the checks of a branch excluded from or not covered by previews', () => {
    const checksOnly = { kind: 'checks', branch: 'wip', sha: SHA, pr: null, stage: null, fork: false, steps: ['checkout', 'checks'], cancelOlder: true };
    const pipeline = config();
    pipeline.previews = { ...pipeline.previews!, branches: ['feature/*'], exclude: ['feature/skip'] };
    expect(planRuns(pipeline, push('wip'), context())).toEqual([checksOnly]);
    expect(planRuns(pipeline, push('feature/skip'), context())).toEqual([{ ...checksOnly, branch: 'feature/skip' }]);
    expect(planRuns(config({ previews: null }), push('wip'), context())).toEqual([checksOnly]);
  });

  it('starts nothing for an unmapped, unpreviewed branch when there are no checks', () => {
    expect(planRuns(config({ previews: null, checks: [] }), push('wip'), context())).toEqual([]);
  });

  it('treats a mapped branch by its mapping even when preview globs match it', () => {
    const pipeline = config();
    pipeline.previews = { ...pipeline.previews!, exclude: [] };
    expect(planRuns(pipeline, push('master'), context())[0].kind).toBe('branch');
  });

  it('does not confuse inherited object keys with mapped branches', () => {
    expect(planRuns(config(), push('constructor'), context())[0].kind).toBe('preview');
  });

  it('derives a valid stage name from hostile branch names', () => {
    const stages = ['$(touch /tmp/pwned)', '--upload-pack=x', '🚀'].map((branch) => planRuns(config(), push(branch), context())[0].stage);
    expect(stages.slice(0, 2)).toEqual(['touch-tmp-pwned', 'upload-pack-x']);
    expect(stages[2]).toMatch(/^br-[0-9a-f]{4}$/);
  });

  it('gives no preview to a name with ".." segments (git refuses them; picomatch never matches them)', () => {
    expect(planRuns(config(), push('../../etc'), context())).toMatchObject([{ kind: 'checks', stage: null }]);
  });
});

describe('planRuns on deleted branches', () => {
  it("destroys the branch's preview", () => {
    expect(planRuns(config(), deleted('feature/x'), context({ previews: { 'feature/x': 'feature-x' } }))).toEqual([
      { kind: 'destroy', branch: 'feature/x', sha: null, pr: null, stage: 'feature-x', fork: false, steps: ['destroy'], cancelOlder: true },
    ]);
  });

  it('starts nothing when the branch had no preview', () => {
    expect(planRuns(config(), deleted('feature/x'), context({ previews: { 'feature/y': 'feature-y' } }))).toEqual([]);
  });

  it('never destroys a mapped or reserved stage, even if a record claims it as a preview', () => {
    expect(planRuns(config(), deleted('master'), context({ previews: { master: 'staging' } }))).toEqual([]);
    expect(planRuns(config(), deleted('x'), context({ previews: { x: 'dev' } }))).toEqual([]);
    const pipeline = config({ branches: { qa: { stage: 'qa', promoteFrom: [] } } });
    expect(planRuns(pipeline, deleted('feature/qa'), context({ previews: { 'feature/qa': 'qa' } }))).toEqual([]);
  });
});

describe('planRuns on pull requests', () => {
  it.each(['opened', 'synchronize', 'reopened'] as const)('deploys a preview of the head branch on %s, with the PR number', (action) => {
    expect(planRuns(config(), pullRequest(action), context())).toEqual([
      { kind: 'preview', branch: 'feature/login', sha: SHA, pr: 12, stage: 'feature-login', fork: false, steps: ['checkout', 'checks', 'deploy', 'integration'], cancelOlder: true },
    ]);
  });

  it('reuses the preview the branch already has', () => {
    expect(planRuns(config(), pullRequest('opened'), context({ previews: { 'feature/login': 'feature-login-1a2b' } }))[0].stage).toBe('feature-login-1a2b');
  });

  it('only runs the checks of a PR whose head is mapped or excluded', () => {
    const [plan] = planRuns(config(), pullRequest('opened', { branch: 'master', baseBranch: 'prod' }), context());
    expect(plan).toEqual({ kind: 'checks', branch: 'master', sha: SHA, pr: 12, stage: null, fork: false, steps: ['checkout', 'checks'], cancelOlder: true });
  });

  it('only runs the checks of a fork PR, keyed by its number rather than the fork branch', () => {
    const event = pullRequest('opened', { fork: true, branch: 'master', headCloneUrl: 'https://github.com/mallory/shop.git' });
    expect(planRuns(config(), event, context())).toEqual([
      { kind: 'checks', branch: 'pr:12', sha: SHA, pr: 12, stage: null, fork: true, steps: ['checkout', 'checks'], cancelOlder: true },
    ]);
  });

  it('deploys a preview of a fork PR carrying the fork label, named from its number', () => {
    const event = pullRequest('synchronize', { fork: true, branch: 'master', labels: ['bug', 'preview'] });
    expect(planRuns(config(), event, context())).toEqual([
      { kind: 'preview', branch: 'pr:12', sha: SHA, pr: 12, stage: 'pr-12', fork: true, steps: ['checkout', 'checks', 'deploy', 'integration'], cancelOlder: true },
    ]);
  });

  it('keeps a labeled fork PR to checks when previews are off', () => {
    const event = pullRequest('opened', { fork: true, labels: ['preview'] });
    expect(planRuns(config({ previews: null }), event, context())[0].kind).toBe('checks');
  });

  it('deploys a preview when an approver adds the fork label, and nothing for other labels', () => {
    const labeled = pullRequest('labeled', { fork: true, labels: ['preview'], label: 'preview' });
    expect(planRuns(config(), labeled, context())).toMatchObject([{ kind: 'preview', branch: 'pr:12', stage: 'pr-12', fork: true, pr: 12 }]);
    expect(planRuns(config(), { ...labeled, labels: ['preview', 'bug'], label: 'bug' }, context())).toEqual([]);
    expect(planRuns(config(), { ...labeled, labels: ['bug'], label: undefined }, context())).toEqual([]);
    expect(planRuns(config(), { ...labeled, label: undefined }, context())).toHaveLength(1);
  });

  it('ignores labels on PRs from the repository itself', () => {
    expect(planRuns(config(), pullRequest('labeled', { labels: ['preview'], label: 'preview' }), context())).toEqual([]);
  });

  it.each([true, false])('destroys the preview of a closed PR (merged: %s)', (merged) => {
    expect(planRuns(config(), pullRequest('closed', { merged }), context({ previews: { 'feature/login': 'feature-login' } }))).toEqual([
      { kind: 'destroy', branch: 'feature/login', sha: null, pr: 12, stage: 'feature-login', fork: false, steps: ['destroy'], cancelOlder: true },
    ]);
  });

  it("destroys a closed fork PR's preview by its key, never the base branch's preview of the same name", () => {
    const previews = { [forkBranchKey(12)]: 'pr-12', 'feature/login': 'feature-login' };
    const closed = pullRequest('closed', { fork: true });
    expect(planRuns(config(), closed, context({ previews }))).toEqual([
      { kind: 'destroy', branch: 'pr:12', sha: null, pr: 12, stage: 'pr-12', fork: true, steps: ['destroy'], cancelOlder: true },
    ]);
    expect(planRuns(config(), closed, context({ previews: { 'feature/login': 'feature-login' } }))).toEqual([]);
  });

  it('starts nothing when a closed PR had no preview', () => {
    expect(planRuns(config(), pullRequest('closed'), context())).toEqual([]);
  });
});
