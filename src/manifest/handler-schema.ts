// How a handler is written (`src/handler.submit`: a module path inside the service, then the exported name).
// Shared by functions and by the rollout hooks, which are deployed and run like functions.
import { z } from 'zod';

const HANDLER_EXPECTATION = 'expected a handler like src/handler.submit (a module path inside the service, without extension, then the exported name)';

/** `src/handler.submit` → module `src/handler` and export `submit`; undefined when it is not that shape. */
export function splitHandler(handler: string): { handlerModule: string; handlerExport: string } | undefined {
  const dot = handler.lastIndexOf('.');
  const handlerModule = handler.slice(0, dot);
  const handlerExport = handler.slice(dot + 1);
  const segments = handlerModule.split('/');
  const moduleIsInside = !handlerModule.startsWith('/') && segments.every((segment) => /^[A-Za-z0-9_@.-]+$/.test(segment) && segment !== '.' && segment !== '..');
  return dot > 0 && moduleIsInside && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(handlerExport) ? { handlerModule, handlerExport } : undefined;
}

/** A handler written out in full: code is bundled before any stage is known, so it may not hold variables. */
export const handlerSchema = z.string({ error: HANDLER_EXPECTATION }).superRefine((handler, ctx) => {
  if (handler.includes('${')) {
    ctx.addIssue({ code: 'custom', message: 'expected a handler written out without ${…} variables (code is bundled before any stage is known)' });
  } else if (splitHandler(handler) === undefined) {
    ctx.addIssue({ code: 'custom', message: HANDLER_EXPECTATION });
  }
});
