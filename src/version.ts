// The package version, from package.json (read once, by package-root.ts).

import { PACKAGE_MANIFEST } from './package-root.js';

export const SLUICE_VERSION: string = PACKAGE_MANIFEST.version;
