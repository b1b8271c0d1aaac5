// The manifest layer's only public door: read and validate manifests, resolve a service's variables for a
// stage, and order services by the outputs they consume.
export { collectManifestSources, readManifestSources } from './manifest-sources.js';
export { parseApp } from './parse-app.js';
export { APP_MANIFEST_FILE, SERVICE_MANIFEST_FILE } from './app-manifest.js';
export { profileForStage, DEFAULT_PROFILE } from './profile-for-stage.js';
export { resolveService } from './resolve-service.js';
export { serviceDependencies, orderServices } from './service-order.js';
export { isValidName, isValidMemberName, RESOURCE_NAME_RULE, MEMBER_NAME_RULE } from './names.js';
export { parseOutputAddress, formatOutputAddress } from './variables/output-address.js';
export { ALL_AT_ONCE, STRATEGY_NAMES, parseStrategy } from './deployment-strategy.js';
export { ALARM_DEFAULTS, COMPARISON_SYMBOLS, alarmName, describeLimit, formatMetricValue } from './deployment-alarms.js';
export { HOOK_TIMEOUT_DEFAULT_MS } from './deployment-routing.js';
export { formatDuration } from './deployment-values.js';
export { readPipelineDurationMs } from './pipeline-schema.js';
export type { AlarmComparison, AlarmMetric, AlarmSpec, HookSpec, RolloutPlanSpec, Schedule, ScheduleStep, TreatMissingData } from './deployment-types.js';
export type { BranchTarget, CommandStep, PipelineConfig, PreviewSettings } from './pipeline-types.js';
export type {
  AppManifest,
  DeploymentSpec,
  FunctionEvent,
  FunctionHandler,
  FunctionSpec,
  HookHandlers,
  HttpEvent,
  HttpMethod,
  LoadedApp,
  LoadedService,
  ManifestFile,
  ManifestSources,
  NotificationTarget,
  OutputAddress,
  ProfileSpec,
  ResolutionContext,
  ResolvedService,
  RoutingSpec,
  ScheduleEvent,
  StageSpec,
  TableSpec,
  TrafficHook,
} from './types.js';
