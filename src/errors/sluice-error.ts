// Errors that reach a user: a stable code, a message that says what happened, a hint that says what to do.
// Every code lives in ERROR_CODES so the API, the CLI and the docs speak the same vocabulary.

export const ERROR_CODES = {
  MANIFEST_NOT_FOUND: { status: 400, hint: 'Run the command in a folder holding sluice.app.yml, or pass --app DIR.' },
  MANIFEST_INVALID: { status: 400, hint: 'Fix each problem listed at its file:line:column, then run the command again.' },
  VARIABLE_UNRESOLVED: { status: 400, hint: 'Define the referenced value, or give the variable a fallback: ${param:x, \'default\'}.' },
  VARIABLE_CYCLE: { status: 400, hint: 'Break the loop: one of the values must not refer back to the others.' },
  SERVICE_CYCLE: { status: 400, hint: 'Services cannot consume each other\'s outputs in a loop; move the shared value into one service.' },
  BUNDLE_FAILED: { status: 400, hint: 'Fix the handler source so esbuild can bundle it; the message shows the first errors.' },
  HANDLER_NOT_FOUND: { status: 400, hint: 'A handler is written as path/to/file.exportName, relative to the service folder.' },
  INVALID_ARGUMENT: { status: 400, hint: 'Run the command with --help to see the accepted arguments.' },
  INVALID_BODY: { status: 400, hint: 'Send a JSON body shaped as the API reference describes.' },
  INVALID_NAME: { status: 400, hint: 'Names use lowercase letters, digits and dashes, start with a letter and are at most 63 characters.' },
  NOT_FOUND: { status: 404, hint: 'Check the name; `sluice stages` lists what is deployed.' },
  STAGE_NOT_FOUND: { status: 404, hint: 'Deploy the stage first with `sluice deploy --stage NAME`; `sluice stages` lists deployed stages.' },
  FUNCTION_NOT_FOUND: { status: 404, hint: '`sluice info --stage NAME` lists the functions of a stage.' },
  OUTPUT_NOT_FOUND: { status: 400, hint: 'Deploy the service that publishes the output to that stage first, or give the variable a fallback.' },
  SECRET_KEY_MISMATCH: { status: 500, hint: 'The master key changed; set SLUICE_MASTER_KEY to the key the secrets were written with.' },
  MASTER_KEY_FROM_ENVIRONMENT: { status: 409, hint: 'Generate a key (openssl rand -hex 32 > new.key), run `sluice secrets rotate-key --key-stdin < new.key`, then set SLUICE_MASTER_KEY to it before the next start.' },
  DEPLOY_IN_PROGRESS: { status: 409, hint: 'Wait for the running deployment of this stage to finish, then deploy again.' },
  CONFLICT: { status: 409, hint: 'Someone else changed it at the same time; look at the current state and try again.' },
  UNAUTHORIZED: { status: 401, hint: 'Pass a token with SLUICE_TOKEN or `sluice login`.' },
  FORBIDDEN: { status: 403, hint: 'Ask an admin for a token with the needed role.' },
  SERVER_UNREACHABLE: { status: 503, hint: 'Start a control plane with `sluice up`, or point the CLI at one with --server URL or SLUICE_URL.' },
  GATEWAY_UNAVAILABLE: { status: 503, hint: 'The gateway process is not running; restart `sluice up`.' },
  INVOKE_FAILED: { status: 502, hint: 'Look at the function logs with `sluice logs FUNCTION --stage NAME`.' },
  PREVIEW_PROTECTED: { status: 401, hint: 'Pass a Sluice token as `Authorization: Bearer TOKEN`, as header x-sluice-token, or in a browser as ?sluice_token=TOKEN.' },
  WEBHOOK_SIGNATURE_INVALID: { status: 401, hint: 'Set the same secret on the GitHub webhook as on the connected repository; GitHub signs with X-Hub-Signature-256 (SHA-256).' },
  WEBHOOK_PAYLOAD_INVALID: { status: 400, hint: 'Point the webhook at Sluice with content type application/json; the message names the missing or malformed field.' },
  PAYLOAD_TOO_LARGE: { status: 413, hint: 'Send a smaller request body; the message gives the limit.' },
  GITHUB_REQUEST_FAILED: { status: 502, hint: 'Check the GitHub token (it needs commit statuses and pull requests write access) and the GitHub API URL; the message shows GitHub\'s answer.' },
  GIT_FAILED: { status: 502, hint: 'Check the repository URL and that this machine can reach it (`git ls-remote URL`): SSH keys or credentials for private repositories.' },
  GIT_REF_NOT_FOUND: { status: 404, hint: 'The branch or commit is not in the repository (deleted or force-pushed away); push it again or check the name.' },
  STORE_ERROR: { status: 500, hint: 'Check that the data directory is writable, or that DATABASE_URL points at a reachable PostgreSQL.' },
  INTERNAL: { status: 500, hint: 'This is a bug in Sluice; please report it with the command you ran.' },
} as const satisfies Record<string, { status: number; hint: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** One located problem inside a manifest, reported with all the others at once. */
export interface Problem {
  file: string;
  line: number;
  column: number;
  /** Dotted path of the property, e.g. `functions.submit.timeout`. */
  path: string;
  message: string;
}

export class SluiceError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly status: number;
  readonly problems: Problem[];

  constructor(code: ErrorCode, message: string, options: { hint?: string; problems?: Problem[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SluiceError';
    this.code = code;
    this.hint = options.hint ?? ERROR_CODES[code].hint;
    this.status = ERROR_CODES[code].status;
    this.problems = options.problems ?? [];
  }

  toJSON(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message, hint: this.hint };
    if (this.problems.length > 0) body.problems = this.problems;
    return body;
  }
}

export interface ErrorBody {
  code: string;
  message: string;
  hint: string;
  problems?: Problem[];
}

export function isSluiceError(value: unknown): value is SluiceError {
  return value instanceof SluiceError;
}

/** Renders problems as `file:line:column  path: message`, one per line. */
export function formatProblems(problems: Problem[]): string {
  return problems.map((p) => `${p.file}:${p.line}:${p.column}  ${p.path ? `${p.path}: ` : ''}${p.message}`).join('\n');
}
