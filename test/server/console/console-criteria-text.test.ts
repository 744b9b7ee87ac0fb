// The console's text form of an app's target criteria: the flat and the rule form read from their lines
// and written back the same, what the text form cannot write left to the read-only fallback, and every
// line it cannot read refused with its line number and what is wrong.
import assert from 'node:assert/strict';
import { InfrastructureAppInputSchema, checkAgainstSchema, validateAppInput } from '@latchkey/shared';
import type { InfrastructureAppInputBody, LatchkeyError } from '@latchkey/shared';
import {
  CRITERIA_TEXT_HINT,
  criteriaText,
  criterionText,
  parseCriteriaText,
} from '../../../server/src/adapters/http/console/console-criteria-text.js';
import { RuleTextProblem } from '../../../server/src/adapters/http/console/console-rule-text.js';

const flat = (port: number, ...hostname: string[]) => ({
  target_attributes: { hostname },
  port,
  protocol: 'SSH',
});

describe('console criteria text', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['22: web-1 web-2', flat(22, 'web-1', 'web-2')],
    ['2222: db-1', flat(2222, 'db-1')],
    [
      '22 include: hostname=web-1,web-2 env=prod,stage',
      {
        include: { target_attributes: { hostname: ['web-1', 'web-2'] }, tags: { env: ['prod', 'stage'] } },
        port: 22,
        protocol: 'SSH',
      },
    ],
    [
      '2222 include: env=prod require: team=infra exclude: hostname=db-1',
      {
        include: { tags: { env: ['prod'] } },
        require: { tags: { team: ['infra'] } },
        exclude: { target_attributes: { hostname: ['db-1'] } },
        port: 2222,
        protocol: 'SSH',
      },
    ],
    [
      '22 include: env=prod role=web,db exclude: env=dev',
      {
        include: { tags: { env: ['prod'], role: ['web', 'db'] } },
        exclude: { tags: { env: ['dev'] } },
        port: 22,
        protocol: 'SSH',
      },
    ],
  ];

  for (const [line, criterion] of cases) {
    it(`reads and writes back "${line}"`, () => {
      assert.deepEqual(parseCriteriaText(line), [criterion]);
      assert.equal(criteriaText([criterion]), line);
      assert.equal(criterionText(criterion), line);
    });
  }

  it('reads several lines, skipping blank and # lines, and writes them one a line', () => {
    const text = '# web\n22: web-1\n\n  2222 include: env=prod  \n';
    const criteria = parseCriteriaText(text);
    assert.deepEqual(criteria, [
      flat(22, 'web-1'),
      { include: { tags: { env: ['prod'] } }, port: 2222, protocol: 'SSH' },
    ]);
    assert.equal(criteriaText(criteria), '22: web-1\n2222 include: env=prod');
    assert.deepEqual(parseCriteriaText(''), []);
    assert.equal(criteriaText([]), '');
  });

  it('reads the lenient forms: no port (22), commas, "22 web-1", upper-case sections, repeated keys', () => {
    assert.deepEqual(parseCriteriaText('web-1, web-2'), [flat(22, 'web-1', 'web-2')]);
    assert.deepEqual(parseCriteriaText('22 web-1,web-2'), [flat(22, 'web-1', 'web-2')]);
    assert.deepEqual(parseCriteriaText('include: env=prod'), [
      { include: { tags: { env: ['prod'] } }, port: 22, protocol: 'SSH' },
    ]);
    assert.deepEqual(parseCriteriaText('22 INCLUDE : env=prod env=stage hostname=a hostname=b'), [
      {
        include: { target_attributes: { hostname: ['a', 'b'] }, tags: { env: ['prod', 'stage'] } },
        port: 22,
        protocol: 'SSH',
      },
    ]);
  });

  it('leaves to the API what the API checks: the port range, a rule form without include', () => {
    const body = (text: string): InfrastructureAppInputBody =>
      checkAgainstSchema(InfrastructureAppInputSchema, {
        name: 'x',
        type: 'infrastructure',
        target_criteria: parseCriteriaText(text),
      });
    assert.throws(
      () => body('70000: web-1'),
      (error: LatchkeyError) => error.pointer === '/target_criteria/0/port',
    );
    assert.throws(
      () => validateAppInput(body('22: web-1\n22 require: env=prod')),
      (error: LatchkeyError) => error.pointer === '/target_criteria/1/include',
    );
    assert.throws(
      () => validateAppInput(body('22: web_1!')),
      (error: LatchkeyError) => error.pointer === '/target_criteria/0/target_attributes/hostname/0',
    );
    assert.throws(
      () => body(''),
      (error: LatchkeyError) => error.pointer === '/target_criteria',
    );
    // What the text form makes, the API takes.
    validateAppInput(body(cases.map(([line]) => line).join('\n')));
  });

  const problems: [string, number, RegExp][] = [
    ['ssh: web-1', 1, /^Line 1: "ssh" is not a port: start a line with its port/],
    ['22: web-1\n\nweb: a', 3, /^Line 3: "web" is not a port/],
    ['22:', 1, /^Line 1: port 22 needs hostnames \("22: web-1 web-2"\) or rules/],
    ['2222', 1, /^Line 1: port 2222 needs hostnames/],
    [
      '22: web-1 env=prod',
      1,
      /^Line 1: "env=prod" is a selector of the rule form: write "22 include: env=prod"/,
    ],
    ['22: web-1 include: env=prod', 1, /^Line 1: "web-1" comes before include: a line is either hostnames/],
    ['22 include: env=prod include: env=dev', 1, /^Line 1: include: is written twice/],
    ['22 include:', 1, /^Line 1: include: needs selectors, such as "include: hostname=web-1 env=prod"/],
    ['22 include: env=prod exclude:', 1, /^Line 1: exclude: needs selectors/],
    ['22 include: web-1', 1, /^Line 1: "web-1" in include: is not key=values: write "hostname=web-1"/],
    ['22 require: =prod', 1, /^Line 1: "=prod" in require: is not key=values/],
    ['22 include: env=', 1, /^Line 1: "env=" in include: needs values, such as "env=a,b"/],
    ['22 include: env=,,', 1, /^Line 1: "env=" in include: needs values/],
  ];
  for (const [text, line, message] of problems) {
    it(`refuses ${JSON.stringify(text)} at line ${line}`, () => {
      assert.throws(
        () => parseCriteriaText(text),
        (error: unknown) =>
          error instanceof RuleTextProblem && error.line === line && message.test(error.message),
      );
    });
  }

  it('cannot write some criteria, so the form keeps them as they are', () => {
    const unwritable: unknown[] = [
      { ...flat(3389, 'win-1'), protocol: 'RDP' },
      flat(22, 'web 1'),
      flat(22, 'a,b'),
      { target_attributes: { hostname: [] }, port: 22, protocol: 'SSH' },
      { target_attributes: { hostname: ['a'], other: ['b'] }, port: 22, protocol: 'SSH' },
      { include: { tags: { env: ['prod stage'] } }, port: 22, protocol: 'SSH' },
      { include: { tags: { env: ['a,b'] } }, port: 22, protocol: 'SSH' },
      { include: { tags: { env: ['a=b'] } }, port: 22, protocol: 'SSH' },
      { include: { tags: { 'my key': ['a'] } }, port: 22, protocol: 'SSH' },
      { include: { tags: { hostname: ['a'] } }, port: 22, protocol: 'SSH' },
      { include: { tags: { env: [] } }, port: 22, protocol: 'SSH' },
      { include: { tags: {} }, port: 22, protocol: 'SSH' },
      { include: {}, port: 22, protocol: 'SSH' },
      { include: { other: 1 }, port: 22, protocol: 'SSH' },
      { require: { tags: { env: ['prod'] } }, port: 22, protocol: 'SSH' },
      { ...flat(22, 'a'), include: { tags: { env: ['prod'] } } },
      { ...flat(22, 'a'), other: true },
      { port: 22, protocol: 'SSH' },
      { ...flat(22, 'a'), port: '22' },
      null,
    ];
    for (const criterion of unwritable) {
      assert.equal(criterionText(criterion), undefined, JSON.stringify(criterion));
      assert.equal(criteriaText([flat(22, 'web-1'), criterion]), undefined, JSON.stringify(criterion));
    }
  });

  it('says the syntax in its hint', () => {
    assert.match(CRITERIA_TEXT_HINT, /"22: web-1 web-2"/);
    assert.match(CRITERIA_TEXT_HINT, /include: hostname=web-1 env=prod,stage require: .* exclude:/);
  });
});
