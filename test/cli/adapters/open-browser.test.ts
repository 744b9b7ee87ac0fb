import assert from 'node:assert/strict';
import { browserOpener } from '../../../cli/src/adapters/browser/open-browser.js';

describe('browserOpener', () => {
  it('opens a browser only in a graphical session, outside CI, with a person at the terminal', () => {
    assert.equal(browserOpener({}, true), undefined, 'no DISPLAY');
    assert.equal(browserOpener({ DISPLAY: ':0', CI: 'true' }, true), undefined, 'CI');
    assert.equal(browserOpener({ DISPLAY: ':0' }, false), undefined, 'not interactive');
    assert.equal(typeof browserOpener({ DISPLAY: ':0' }, true), 'function');
    assert.equal(typeof browserOpener({ WAYLAND_DISPLAY: 'wayland-0' }, true), 'function');
  });
});
