// Loads an app from its manifest texts: parses every file keeping positions, validates the structure of
// each, cross-checks the files, and reports every problem of every file at once.
import { join } from 'node:path';
import { SluiceError, type Problem } from '../errors/index.js';
import { APP_MANIFEST_FILE, normalizeFolder, SERVICE_MANIFEST_FILE, stageProfileProblems, toAppManifest } from './app-manifest.js';
import { appSchema, serviceFolderProblem, type AppDocument } from './app-schema.js';
import { hookHandlersOf } from './deployment-settings.js';
import { validateAgainstSchema } from './schema-problems.js';
import { serviceSchema, splitHandler } from './service-schema.js';
import type { FunctionHandler, LoadedApp, LoadedService, ManifestFile, ManifestSources } from './types.js';
import { staticVariableProblems } from './variables/variable-checks.js';
import { problemInString } from './variables/variable-position.js';
import { forEachVariableString } from './variables/variable-strings.js';
import { parseManifestFile, problemAt } from './yaml-source.js';

/** Parses and validates every manifest; throws MANIFEST_INVALID listing all problems when there is any. */
export function parseApp(sources: ManifestSources): LoadedApp {
  const appText = sources.files[APP_MANIFEST_FILE];
  if (appText === undefined) {
    throw new SluiceError('MANIFEST_NOT_FOUND', `No ${APP_MANIFEST_FILE} in ${sources.root}.`);
  }
  const problems: Problem[][] = [];
  const parsedApp = parseManifestFile(APP_MANIFEST_FILE, join(sources.root, APP_MANIFEST_FILE), appText);
  const appFile = parsedApp.file;
  let appDocument: AppDocument | undefined;
  if (parsedApp.problems.length > 0) problems.push(parsedApp.problems);
  else {
    const validation = validateAgainstSchema(appSchema, appFile, appFile.data);
    if (validation.ok) {
      appDocument = validation.value as AppDocument;
      problems.push(stageProfileProblems(appDocument, appFile));
    } else problems.push(validation.problems);
  }
  // With YAML errors the services list may be misread: check the services once the app manifest parses.
  const loaded = parsedApp.problems.length > 0 ? { services: [], appProblems: [], serviceProblems: [] } : loadServices(sources, appFile);
  problems[0] = [...(problems[0] ?? []), ...loaded.appProblems];
  problems.push(...loaded.serviceProblems);
  const all = problems.flatMap((list) => [...list].sort((a, b) => a.line - b.line || a.column - b.column));
  if (all.length > 0 || appDocument === undefined) {
    throw new SluiceError('MANIFEST_INVALID', `${all.length} problem${all.length === 1 ? '' : 's'} in the manifests`, { problems: all });
  }
  return { root: sources.root, app: toAppManifest(appDocument, sources.root), services: loaded.services };
}

/** Parses each listed service folder's sluice.yml (even when the app manifest has problems elsewhere). */
function loadServices(sources: ManifestSources, appFile: ManifestFile): { services: LoadedService[]; appProblems: Problem[]; serviceProblems: Problem[][] } {
  const services: LoadedService[] = [];
  const appProblems: Problem[] = [];
  const serviceProblems: Problem[][] = [];
  const listed = (appFile.data as { services?: unknown } | null)?.services;
  if (!Array.isArray(listed)) return { services, appProblems, serviceProblems };
  const seenFolders = new Set<string>();
  const ownerByName = new Map<string, string>();
  listed.forEach((entry: unknown, index) => {
    if (typeof entry !== 'string' || serviceFolderProblem(entry) !== undefined) return;
    const dir = normalizeFolder(entry);
    if (seenFolders.has(dir)) {
      appProblems.push(problemAt(appFile, ['services', index], `folder "${dir}" is listed twice; expected each service folder once`));
      return;
    }
    seenFolders.add(dir);
    const path = `${dir}/${SERVICE_MANIFEST_FILE}`;
    const text = sources.files[path];
    if (text === undefined) {
      appProblems.push(problemAt(appFile, ['services', index], `folder "${dir}" has no ${SERVICE_MANIFEST_FILE}; expected ${join(sources.root, path)}`));
      return;
    }
    const { file, fileProblems } = loadServiceFile(sources.root, path, text);
    const name = (file.data as { service?: unknown } | null)?.service;
    if (typeof name === 'string' && ownerByName.has(name)) {
      fileProblems.push(problemAt(file, ['service'], `service name "${name}" is also used by ${ownerByName.get(name)}; expected a name unique within the app`));
    } else if (typeof name === 'string') ownerByName.set(name, path);
    serviceProblems.push(fileProblems);
    if (fileProblems.length === 0 && typeof name === 'string') services.push({ name, dir, file, handlers: handlersOf(file), hookHandlers: hookHandlersOf((file.data as { deployment?: unknown }).deployment) });
  });
  return { services, appProblems, serviceProblems };
}

function loadServiceFile(root: string, path: string, text: string): { file: ManifestFile; fileProblems: Problem[] } {
  const { file, problems } = parseManifestFile(path, join(root, path), text);
  if (problems.length > 0) return { file, fileProblems: problems };
  const validation = validateAgainstSchema(serviceSchema('raw'), file, file.data);
  const fileProblems = validation.ok ? [] : validation.problems;
  forEachVariableString(file.data, (propertyPath, value) => {
    for (const problem of staticVariableProblems(value)) fileProblems.push(problemInString(file, propertyPath, value, problem.offset, problem.message));
  });
  return { file, fileProblems };
}

/** The handlers of a validated service file (validation guarantees each is a plain module.export string). */
function handlersOf(file: ManifestFile): Record<string, FunctionHandler> {
  const functions = (file.data as { functions?: Record<string, { handler: string }> }).functions ?? {};
  const handlers: Record<string, FunctionHandler> = {};
  for (const [name, fn] of Object.entries(functions)) {
    const split = splitHandler(fn.handler);
    if (split !== undefined) handlers[name] = { handler: fn.handler, ...split };
  }
  return handlers;
}
