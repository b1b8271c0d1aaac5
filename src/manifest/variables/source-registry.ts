// The registry of variable sources, one per `${source:…}` prefix.
import type { VariableSourceName } from './variable-syntax.js';
import type { VariableSource } from './variable-source.js';
import { envSource } from './sources/env-source.js';
import { optSource } from './sources/opt-source.js';
import { outputSource } from './sources/output-source.js';
import { paramSource } from './sources/param-source.js';
import { secretSource } from './sources/secret-source.js';
import { selfSource } from './sources/self-source.js';

export const VARIABLE_SOURCE_REGISTRY: Record<VariableSourceName, VariableSource> = {
  opt: optSource,
  self: selfSource,
  param: paramSource,
  secret: secretSource,
  env: envSource,
  output: outputSource,
};
