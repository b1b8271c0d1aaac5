// The manifest layer's only public door: read and validate manifests, resolve a service's variables for a
// stage, and order services by the outputs they consume.
export { readManifestSources } from './manifest-sources.js';
export { parseApp } from './parse-app.js';
export { APP_MANIFEST_FILE, SERVICE_MANIFEST_FILE } from './app-manifest.js';
export { profileForStage, DEFAULT_PROFILE } from './profile-for-stage.js';
export { resolveService } from './resolve-service.js';
export { serviceDependencies, orderServices } from './service-order.js';
export { isValidName, isValidMemberName, RESOURCE_NAME_RULE, MEMBER_NAME_RULE } from './names.js';
export { parseOutputAddress, formatOutputAddress } from './variables/output-address.js';
export type {
  AppManifest,
  DeploymentSpec,
  FunctionEvent,
  FunctionHandler,
  FunctionSpec,
  HttpEvent,
  HttpMethod,
  LoadedApp,
  LoadedService,
  ManifestFile,
  ManifestSources,
  OutputAddress,
  ProfileSpec,
  ResolutionContext,
  ResolvedService,
  ScheduleEvent,
  StageSpec,
  TableSpec,
} from './types.js';
