// The shapes the manifest layer hands to the rest of Sluice: an app manifest, and services whose variables
// are resolved for one stage. Pure data; nothing here does I/O.
import type { Document, LineCounter } from 'yaml';
import type { PipelineConfig } from './pipeline-types.js';
import type { RolloutPlanSpec } from './deployment-types.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS' | 'ANY';

export interface HttpEvent {
  type: 'http';
  method: HttpMethod;
  /** Path relative to the service, starting with `/`; `{name}` and a trailing `{name+}` are parameters. */
  path: string;
}

export interface ScheduleEvent {
  type: 'schedule';
  /** `rate(5 minutes)` or `cron(0 12 * * ? *)` exactly as written. */
  expression: string;
  enabled: boolean;
  /** Optional event payload sent to the handler; defaults to an EventBridge-like scheduled event. */
  input?: unknown;
}

export type FunctionEvent = HttpEvent | ScheduleEvent;

export interface FunctionSpec {
  name: string;
  /** As written: `src/handler.submit`. */
  handler: string;
  /** Service-relative path without extension: `src/handler`. The file is any of .ts/.js/.mjs/.cjs. */
  handlerModule: string;
  /** Exported name: `submit`. */
  handlerExport: string;
  /** Seconds. */
  timeout: number;
  /** MB. */
  memory: number;
  /** Maximum concurrent invocations; excess is throttled (429). */
  concurrency: number;
  /** Service environment merged with the function's own (the function wins). */
  environment: Record<string, string>;
  events: FunctionEvent[];
}

export interface TableSpec {
  /** Logical name in the manifest (`submissions`). */
  logical: string;
  /** Physical, globally unique name; defaults to `${app}-${stage}-${service}-${logical}`. */
  name: string;
  /** Field of each item that holds its key. */
  key: string;
}

/** The `deployment:` block as written (validated); its meaning is in ResolvedService.rollout and .routing. */
export interface DeploymentSpec {
  strategy?: unknown;
  alarms?: unknown[];
  hooks?: { preTraffic?: string; postTraffic?: string; timeout?: string | number };
  [key: string]: unknown;
}

/** The hooks that run as functions of the service (the confirm-promotion gate is an URL instead). */
export type TrafficHook = 'preTraffic' | 'postTraffic';

/** Handlers of the service's traffic hooks, by hook; a hook that is not written is absent. */
export type HookHandlers = Partial<Record<TrafficHook, FunctionHandler>>;

/** How the gateway picks between the old and the new versions during a rollout, beyond the weights. */
export interface RoutingSpec {
  /** `sticky: header:X-User` or `cookie:session`: the same key keeps the same version for the whole rollout. */
  sticky?: { source: 'header' | 'cookie'; name: string };
  /** `match: { header: X-Canary, value: "1" }`: such requests go to the new version whatever the weights. */
  match?: { header: string; value: string };
}

export interface ResolvedService {
  service: string;
  /** Folder of the service relative to the app root (`backend-restapi`). */
  dir: string;
  runtime: string;
  functions: Record<string, FunctionSpec>;
  tables: Record<string, TableSpec>;
  outputs: Record<string, string>;
  deployment: DeploymentSpec;
  /**
   * The rollout the service asks for: the schedule of its `deployment.strategy` (AllAtOnce when none is
   * written), its alarms with defaults applied, and its hooks. A stage's strategy and `--strategy` replace
   * the schedule: the engine's `rolloutPlanFor` applies that precedence.
   */
  rollout: RolloutPlanSpec;
  routing: RoutingSpec;
  /** Handlers of the preTraffic/postTraffic hooks, deployed with the service like functions. */
  hookHandlers: HookHandlers;
  /**
   * Property paths (e.g. `functions.submit.environment.API_KEY`) whose value contains a secret.
   * The engine encrypts those values at rest and masks them on the API.
   */
  sensitivePaths: string[];
}

export interface ProfileSpec {
  params: Record<string, string>;
  approval?: 'required' | 'none';
  /** With `approval: { required: true, preventSelfReview: true }`: the author of a change may not approve it. */
  preventSelfReview?: boolean;
}

export interface StageSpec {
  profile: string;
  /** As written (validated): a strategy name or mapping; `parseStrategy` turns it into a Schedule. */
  strategy?: unknown;
}

export interface NotificationTarget {
  url: string;
  /** The lowest severity sent: debug < info < warning < critical. */
  severity: 'debug' | 'info' | 'warning' | 'critical';
  /** Name of the secret, in the stage's profile, whose value signs each body (HMAC-SHA256). */
  secret: string;
}

export interface AppManifest {
  app: string;
  /** Absolute path of sluice.app.yml. */
  file: string;
  /** Service folders, relative to the app root, in the order written. */
  services: string[];
  /** Parameter defaults for every profile. */
  params: Record<string, string>;
  profiles: Record<string, ProfileSpec>;
  /** Keyed by stage name; `'*'` is the default. */
  stages: Record<string, StageSpec>;
  /** The `pipeline:` section, validated and with its defaults filled; absent when not written. */
  pipeline?: PipelineConfig;
  /** Webhooks told about rollout transitions at or above their severity. */
  notifications: NotificationTarget[];
}

/** Where the output of another service lives: `${output:app:stage:region:service.key}` with blanks filled in. */
export interface OutputAddress {
  app: string;
  stage: string;
  region: string;
  service: string;
  key: string;
}

/** Everything variable resolution may look up; the engine fills it from the store and the command line. */
export interface ResolutionContext {
  stage: string;
  region: string;
  /** `--param k=v` from the command line; wins over everything. */
  cliParams: Record<string, string>;
  /** Profile chosen for the stage. */
  profile: string;
  /** Params of that profile as stored (set with `sluice params set`), overriding the manifest's profile params. */
  storedParams: Record<string, string>;
  env: Record<string, string | undefined>;
  /** Secret lookup for the profile; undefined when not set. */
  secret(name: string): Promise<string | undefined>;
  /** Output lookup; undefined when not published. */
  output(address: OutputAddress): Promise<string | undefined>;
  /** Extra values reachable through `${self:…}` that only exist at deploy time, e.g. `url`. */
  selfExtras: Record<string, unknown>;
}

/** Manifest texts as the CLI uploads them: the app root's display path and each file's text by relative path. */
export interface ManifestSources {
  /** Display path of the app root, used to name files in problems. */
  root: string;
  /** Keyed by path relative to the root: `sluice.app.yml`, `backend-restapi/sluice.yml`. */
  files: Record<string, string>;
}

/** One parsed manifest file, with the positions of every node kept for error reporting. */
export interface ManifestFile {
  /** Path relative to the app root: `backend-restapi/sluice.yml`. */
  path: string;
  /** Path shown in problems: the root joined with `path`. */
  displayPath: string;
  text: string;
  document: Document;
  lineCounter: LineCounter;
  /** The document as plain values, variables still unresolved. */
  data: unknown;
}

/** Where a function's code is: known before any stage, since a handler may not hold variables. */
export interface FunctionHandler {
  /** As written: `src/handler.submit`. */
  handler: string;
  /** `src/handler`, relative to the service folder, without extension. */
  handlerModule: string;
  /** `submit`. */
  handlerExport: string;
}

/** A service manifest that passed structural validation; its variables are resolved per stage later. */
export interface LoadedService {
  /** From `service:`. */
  name: string;
  /** Folder relative to the app root, as listed in `services:`. */
  dir: string;
  file: ManifestFile;
  /** Handlers by function name, so code can be bundled before a stage is chosen. */
  handlers: Record<string, FunctionHandler>;
  /** Handlers of the rollout hooks (`deployment.hooks`), bundled with the functions before deploy. */
  hookHandlers: HookHandlers;
}

/** The app manifest and its services, validated but not yet resolved for a stage. */
export interface LoadedApp {
  root: string;
  app: AppManifest;
  /** In the order of `services:`. */
  services: LoadedService[];
}
