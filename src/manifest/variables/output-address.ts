// The address of `${output:…}`: `service.key`, or `app:stage:region:service.key` where a blank part means
// the current app, stage or region (`${output::${param:env}::database.tableName}`).
import type { OutputAddress } from '../types.js';

export const OUTPUT_ADDRESS_FORMS = 'output:service.key or output:app:stage:region:service.key';

export interface OutputDefaults {
  app: string;
  stage: string;
  region: string;
}

/** The address with blanks filled in, or an explanation of what is wrong with it. */
export function parseOutputAddress(address: string, defaults: OutputDefaults): OutputAddress | { error: string } {
  const parts = address.split(':');
  if (parts.length !== 1 && parts.length !== 4) {
    return { error: `"${address}" has ${parts.length} colon-separated parts; expected ${OUTPUT_ADDRESS_FORMS}` };
  }
  const [app, stage, region] = parts.length === 4 ? parts : ['', '', ''];
  const serviceAndKey = parts[parts.length - 1].trim();
  const dot = serviceAndKey.indexOf('.');
  if (dot <= 0 || dot === serviceAndKey.length - 1) {
    return { error: `"${serviceAndKey}" is not service.key; expected ${OUTPUT_ADDRESS_FORMS}` };
  }
  return {
    app: app.trim() || defaults.app,
    stage: stage.trim() || defaults.stage,
    region: region.trim() || defaults.region,
    service: serviceAndKey.slice(0, dot),
    key: serviceAndKey.slice(dot + 1),
  };
}

export function formatOutputAddress(address: OutputAddress): string {
  return `${address.app}:${address.stage}:${address.region}:${address.service}.${address.key}`;
}
