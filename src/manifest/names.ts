// Naming rules shared by every manifest: what an app, service, stage, function or table may be called.
// Kept in one place so the CLI, the API and the manifest schemas reject the same names with the same words.

/** Apps, services, stages and profiles: lowercase letters, digits and dashes, starting with a letter. */
export const RESOURCE_NAME_PATTERN = /^[a-z][a-z0-9-]*$/;
/** Functions and tables may also be camelCase or use underscores. */
export const MEMBER_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;
export const MAX_NAME_LENGTH = 63;

export const RESOURCE_NAME_RULE = 'a name of lowercase letters, digits and dashes, starting with a letter, at most 63 characters';
export const MEMBER_NAME_RULE = 'a name of letters, digits, dashes and underscores, starting with a letter, at most 63 characters';

/** True when `name` is a valid app, service, stage or profile name. */
export function isValidName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && RESOURCE_NAME_PATTERN.test(name);
}

/** True when `name` is a valid function or table logical name. */
export function isValidMemberName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && MEMBER_NAME_PATTERN.test(name);
}
