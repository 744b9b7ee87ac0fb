import assert from 'node:assert/strict';
import { ByteWriter, completeUtf8Length } from '../../../../shared/src/session-log/outputs/json-bytes.js';

describe('session-log outputs: JSON escaping on bytes', () => {
  it('escapes valid UTF-8 exactly as JSON.stringify does, at any alignment', () => {
    const characters = [
      ...Array.from({ length: 0x20 }, (_, code) => String.fromCharCode(code)),
      '"', '\\', '/', ' ', 'a', 'Z', '~', '\x7f', 'é', '€', '😀', '\u2028', '\u2029', '\ufffd',
    ]; // prettier-ignore
    let seed = 1;
    const random = (below: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % below;
    };
    for (let round = 0; round < 300; round++) {
      let text = '';
      const length = random(60);
      for (let index = 0; index < length; index++) text += characters[random(characters.length)];
      const padded = Buffer.concat([Buffer.alloc(random(4)), Buffer.from(text)]);
      const bytes = padded.subarray(padded.length - Buffer.byteLength(text)); // unaligned views too
      const writer = new ByteWriter(16);
      writer.text('"');
      writer.jsonEscaped(bytes);
      writer.text('"');
      assert.equal(Buffer.from(writer.take()).toString('utf8'), JSON.stringify(text), JSON.stringify(text));
    }
  });

  it('finds where the last complete character ends', () => {
    const euro = [0xe2, 0x82, 0xac];
    assert.equal(completeUtf8Length(Buffer.from([0x61, ...euro])), 4);
    assert.equal(completeUtf8Length(Buffer.from([0x61, 0xe2, 0x82])), 1);
    assert.equal(completeUtf8Length(Buffer.from([0x61, 0xf0, 0x9f, 0x98])), 1);
    assert.equal(completeUtf8Length(Buffer.from([0xf0, 0x9f, 0x98, 0x80])), 4);
    assert.equal(completeUtf8Length(Buffer.from([0x61, 0xff])), 2); // not UTF-8: left to the decoder
    assert.equal(completeUtf8Length(Buffer.from([])), 0);
  });
});
