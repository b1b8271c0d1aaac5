import { describe, expect, it } from 'vitest';
import { httpPathProblem, parseHttpRoute, scheduleExpressionProblem } from './event-schemas.js';

describe('parseHttpRoute', () => {
  it('reads the method case-insensitively, with * meaning ANY', () => {
    expect(parseHttpRoute('get /items/{id}')).toEqual({ method: 'GET', path: '/items/{id}' });
    expect(parseHttpRoute('* /{proxy+}')).toEqual({ method: 'ANY', path: '/{proxy+}' });
    expect(parseHttpRoute('ANY /')).toEqual({ method: 'ANY', path: '/' });
  });

  it('explains what is wrong', () => {
    expect(parseHttpRoute('/items')).toEqual({ error: 'expected "METHOD /path" (like POST /submissions) or { method, path }, found "/items"' });
    expect(parseHttpRoute('GRAB /items')).toMatchObject({ error: expect.stringMatching(/found "GRAB"$/) });
  });
});

describe('httpPathProblem', () => {
  it('accepts parameters and a trailing greedy parameter', () => {
    expect(httpPathProblem('/users/{userId}/files/{path+}')).toBeUndefined();
  });

  it('rejects a greedy parameter before the end, empty segments and odd characters', () => {
    expect(httpPathProblem('/{proxy+}/x')).toMatch(/must be the last segment/);
    expect(httpPathProblem('/a//b')).toMatch(/empty segment/);
    expect(httpPathProblem('/a b')).toMatch(/found "a b"/);
    expect(httpPathProblem('/{bad-name}')).toMatch(/found "\{bad-name\}"/);
  });
});

describe('scheduleExpressionProblem', () => {
  it('accepts rate and six-field cron expressions', () => {
    for (const expression of ['rate(1 minute)', 'rate(5 minutes)', 'rate(2 hours)', 'rate(1 day)', 'cron(0 12 * * ? *)', 'cron(0/15 8-17 ? * MON-FRI *)']) {
      expect(scheduleExpressionProblem(expression)).toBeUndefined();
    }
  });

  it('rejects zero or unknown units, wrong cron field counts and other text', () => {
    expect(scheduleExpressionProblem('rate(0 minutes)')).toMatch(/positive whole number/);
    expect(scheduleExpressionProblem('rate(5 weeks)')).toMatch(/positive whole number/);
    expect(scheduleExpressionProblem('cron(0 12 * * ?)')).toMatch(/found 5/);
    expect(scheduleExpressionProblem('every day')).toMatch(/^expected rate\(N minutes\|hours\|days\), cron/);
  });
});
