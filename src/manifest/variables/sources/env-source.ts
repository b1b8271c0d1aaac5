// `${env:NAME}`: an environment variable of the process that runs the command, passed in by the caller.
import type { VariableSource } from '../variable-source.js';

export const envSource: VariableSource = {
  async resolve(address, { ctx }) {
    const value = ctx.env[address];
    return value === undefined ? { found: false, reason: `environment variable ${address} is not set` } : { found: true, value, taint: [] };
  },
};
