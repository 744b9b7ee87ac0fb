// The unit tier's mocha settings (npm run test:unit): the shared .mocharc.json, in two worker processes
// (mocha --parallel: each file runs whole in one worker, root hooks per file; `npm run test:unit --
// --no-parallel` runs it in one process, for a busy machine or a global .only).
//
// npm's script starts node with .mocharc.json's node flags (--conditions, --import tsx) itself, so mocha
// runs in that process instead of starting a second node for them; the workers inherit them. Started
// without those flags (npx mocha --config .mocharc.unit.cjs …), it keeps node-option and mocha starts that
// second node as usual.
'use strict';
const { 'node-option': nodeOptions, ...shared } = require('./.mocharc.json');

const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
const isGiven = (option) => {
  const [name, value] = option.split('=');
  return given.some(
    (arg, index) => arg === `--${option}` || (arg === `--${name}` && given[index + 1] === value),
  );
};

module.exports = {
  ...(nodeOptions.every(isGiven) ? shared : { ...shared, 'node-option': nodeOptions }),
  parallel: true,
  jobs: 2,
};
