// Enforces the route table of access-policy.ts on every /api call: identify the caller (401 when that
// fails), find the route's rule, work out the stage's or profile's facts the rule asks for, and refuse
// (403 FORBIDDEN, naming the role needed) or pass the call on with the caller in the context.
//
// A stage's approval rule is the stricter of what the store remembers and what the uploaded manifest says,
// for the stage itself and for every stage of the same profile: a deployer cannot drop `approval: required`
// by editing sluice.app.yml, nor reach prod's profile through a new stage. An approver's deploy can.

import type { Context, MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { SluiceError } from '../errors/index.js';
import { parseApp, profileForStage, type AppManifest, type LoadedApp } from '../manifest/index.js';
import type { Store, TokenRole } from '../store/index.js';
import { ROUTE_ACCESS, UNLISTED_ROUTE, matchRoute, roleRank, type RouteAccess } from './access-policy.js';
import { CallerAuthentication, type AuthenticationOptions, type CallerIdentity } from './caller-identity.js';
import { errorResponse } from './error-response.js';
import { parseBody } from './request-body.js';

declare module 'hono' {
  interface ContextVariableMap {
    /** A deploy's uploaded manifests as access control parsed them, so the route does not parse them again. */
    uploadedApp: LoadedApp | undefined;
  }
}

/** What a rule needs to know about the stage or profile a call concerns. */
export interface AccessTarget {
  /** The profiles the call acts on (a stage moving to another profile acts on both). */
  profiles: string[];
  approvalRequired: boolean;
  /** For messages: `stage prod of shop`, `profile prod`. */
  description: string;
}

export interface AccessControlOptions extends AuthenticationOptions {
  store: AuthenticationOptions['store'] & Pick<Store, 'getStage' | 'listStages' | 'listReleases'>;
  table?: readonly RouteAccess[];
}

export function accessControl(options: AccessControlOptions): MiddlewareHandler {
  const authentication = new CallerAuthentication(options);
  const table = options.table ?? ROUTE_ACCESS;
  return async (c, next) => {
    try {
      const matched = matchRoute(c.req.method, c.req.path, table);
      const access = matched?.access ?? UNLISTED_ROUTE;
      if (access.role === 'public') return await next();
      const caller = await authentication.identify(c);
      c.set('caller', caller);
      authorize(caller, access, await accessTarget(c, access, matched?.params ?? {}, options.store));
    } catch (error) {
      return errorResponse(c, error);
    }
    return next();
  };
}

/** Throws FORBIDDEN unless the caller's role and profiles allow the call. */
export function authorize(caller: CallerIdentity, access: RouteAccess, target: AccessTarget | undefined): void {
  if (access.role === 'public') return;
  const needed: TokenRole = target?.approvalRequired && access.approval !== 'ignored' && roleRank(access.role) < roleRank('approver') ? 'approver' : access.role;
  const who = caller.kind === 'token' ? `token ${caller.name}` : caller.name;
  if (roleRank(caller.role) < roleRank(needed)) {
    const why = needed !== access.role && target ? ` (${target.description} needs approval)` : '';
    throw new SluiceError('FORBIDDEN', `This call needs the ${needed} role${why}; ${who} has the ${caller.role} role.`);
  }
  if (caller.profiles === null) return;
  if (access.everyProfile) {
    throw new SluiceError('FORBIDDEN', `This call needs the ${needed} role on every profile; ${who} is limited to profiles ${caller.profiles.join(', ')}.`);
  }
  const outside = target?.profiles.filter((profile) => !caller.profiles!.includes(profile)) ?? [];
  if (outside.length > 0) {
    throw new SluiceError('FORBIDDEN', `This call needs the ${needed} role on profile ${outside.join(', ')} (${target!.description}); ${who} is limited to profiles ${caller.profiles.join(', ')}.`);
  }
}

async function accessTarget(c: Context, access: RouteAccess, params: Record<string, string>, store: AccessControlOptions['store']): Promise<AccessTarget | undefined> {
  if (access.profile === 'path' && params.profile) return { profiles: [params.profile], approvalRequired: false, description: `profile ${params.profile}` };
  if (access.stage === 'stored' && params.app && params.stage) return storedStageTarget(store, params.app, params.stage);
  if (access.stage === 'upload') return uploadedStageTarget(c, store);
  if (access.stage === 'release' && params.app && params.stage) return promotionTarget(c, store, params.app, params.stage);
  return undefined;
}

/** A stage that is not deployed has no profile yet; the route answers 404 itself. */
async function storedStageTarget(store: AccessControlOptions['store'], app: string, name: string): Promise<AccessTarget | undefined> {
  const stage = await store.getStage(app, name);
  if (!stage) return undefined;
  return { profiles: [stage.profile], approvalRequired: await approvalRequired(store, app, name, [stage.profile], stage.approval === 'required'), description: `stage ${name} of ${app}` };
}

const uploadShape = z.object({ stage: z.string(), sources: z.object({ root: z.string(), files: z.record(z.string(), z.string()) }) });

/** A deploy's stage and profile come from the manifest it uploads; the body is read once and cached for the route. */
async function uploadedStageTarget(c: Context, store: AccessControlOptions['store']): Promise<AccessTarget> {
  const body = await parseBody(c, uploadShape);
  const loaded = parseApp(body.sources);
  c.set('uploadedApp', loaded);
  return manifestStageTarget(store, loaded.app, body.stage);
}

const promotionShape = z.object({ from: z.string() });

/** A promotion acts on the target stage with the profile the source release's manifest gives it. */
async function promotionTarget(c: Context, store: AccessControlOptions['store'], app: string, stage: string): Promise<AccessTarget | undefined> {
  const { from } = await parseBody(c, promotionShape);
  const [release] = await store.listReleases({ app, stage: from, limit: 1 });
  if (!release) return storedStageTarget(store, app, stage);
  return manifestStageTarget(store, parseApp({ root: `release of ${from}`, files: release.sources }).app, stage);
}

/**
 * A stage as a manifest would deploy it: the profile the manifest gives it, and the one it has now when that
 * differs (a change of profile needs rights on both).
 */
async function manifestStageTarget(store: AccessControlOptions['store'], manifest: AppManifest, stage: string): Promise<AccessTarget> {
  const profile = profileForStage(manifest, stage);
  const stored = await store.getStage(manifest.app, stage);
  const profiles = stored && stored.profile !== profile ? [profile, stored.profile] : [profile];
  const declared = manifest.profiles[profile]?.approval === 'required' || stored?.approval === 'required';
  return { profiles, approvalRequired: await approvalRequired(store, manifest.app, stage, profiles, declared), description: `stage ${stage} of ${manifest.app}` };
}

async function approvalRequired(store: Pick<Store, 'listStages'>, app: string, stage: string, profiles: string[], declared: boolean): Promise<boolean> {
  if (declared) return true;
  const stages = await store.listStages();
  return stages.some((s) => s.approval === 'required' && (profiles.includes(s.profile) || (s.app === app && s.name === stage)));
}
