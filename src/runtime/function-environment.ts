// The environment a function's worker gets: its own variables, its decrypted secrets, and what Lambda
// sets (AWS_LAMBDA_FUNCTION_NAME…, AWS_REGION=local) plus SLUICE_APP/STAGE/SERVICE. Nothing else of the
// gateway's environment reaches a handler (in particular no master key), except PATH so handlers can
// start programs.

import type { VersionRecord } from '../store/types.js';
import type { FunctionDeployment } from './route-table.js';
import type { ErrorInfo } from './worker-protocol.js';

export function functionEnvironment(
  deployment: FunctionDeployment,
  version: VersionRecord,
  decryptSecret: (ciphertext: string) => string,
): { vars: Record<string, string> } | { error: ErrorInfo } {
  const functionName = `${deployment.app}-${deployment.stage}-${deployment.service}-${deployment.function}`;
  const env: Record<string, string> = { ...version.config.environment };
  for (const [name, ciphertext] of Object.entries(version.config.secretEnvironment)) {
    try {
      env[name] = decryptSecret(ciphertext);
    } catch (error) {
      // The message names the variable, never its value.
      return { error: { type: 'Sluice.SecretUnavailable', message: `Secret ${name} of ${functionName} could not be decrypted (${(error as Error).message}).` } };
    }
  }
  if (process.env.PATH !== undefined) env.PATH ??= process.env.PATH;
  Object.assign(env, {
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_VERSION: String(version.number),
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(version.config.memory),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
    AWS_REGION: 'local',
    AWS_DEFAULT_REGION: 'local',
    SLUICE_APP: deployment.app,
    SLUICE_STAGE: deployment.stage,
    SLUICE_SERVICE: deployment.service,
  });
  return { vars: env };
}
