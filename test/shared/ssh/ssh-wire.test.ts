import assert from 'node:assert/strict';
import { SshWireReader, SshWireWriter, isLatchkeyError } from '@latchkey/shared';

function assertCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (error: unknown) => isLatchkeyError(error) && error.code === code);
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('SSH wire codec', () => {
  it('encodes uint32, uint64, string and text as RFC 4251 says', () => {
    const bytes = new SshWireWriter(2)
      .uint32(0xdeadbeef)
      .uint64(0x0102030405060708n)
      .string(Uint8Array.of(1, 2))
      .text('ab')
      .toBytes();
    assert.equal(hex(bytes), 'deadbeef' + '0102030405060708' + '000000020102' + '000000026162');
  });

  it('encodes mpints as RFC 4251 examples show (leading zero for a set top bit, none for zero)', () => {
    const mpint = (bytes: number[]): string =>
      hex(new SshWireWriter().unsignedMpint(Uint8Array.from(bytes)).toBytes());
    assert.equal(mpint([]), '00000000');
    assert.equal(mpint([0, 0]), '00000000');
    assert.equal(mpint([0x09, 0xa3, 0x78, 0xf9, 0xb2, 0xe3, 0x32, 0xa7]), '0000000809a378f9b2e332a7');
    assert.equal(mpint([0x80]), '000000020080');
    assert.equal(mpint([0, 0x7f]), '000000017f');
  });

  it('reads back what it writes, and stops exactly at the end', () => {
    const bytes = new SshWireWriter()
      .uint32(7)
      .uint64(2n ** 64n - 1n)
      .text('héllo')
      .unsignedMpint(Uint8Array.of(0xff))
      .toBytes();
    const reader = new SshWireReader(bytes);
    assert.equal(reader.uint32('a'), 7);
    assert.equal(reader.uint64('b'), 2n ** 64n - 1n);
    assert.equal(reader.text('c'), 'héllo');
    assert.deepEqual([...reader.unsignedMpint('d', 8)], [0xff]);
    assert.equal(reader.remaining, 0);
    reader.finish();
  });

  it('refuses truncation, absurd lengths, trailing bytes, NUL in text, invalid UTF-8 and negative mpints', () => {
    assertCode(() => new SshWireReader(Uint8Array.of(0, 0, 0)).uint32('x'), 'certificate_truncated');
    assertCode(
      () => new SshWireReader(Uint8Array.of(0, 0, 0, 1, 2, 3, 4)).uint64('x'),
      'certificate_truncated',
    );
    assertCode(
      () => new SshWireReader(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 1)).string('x'),
      'certificate_length_out_of_range',
    );
    assertCode(
      () => new SshWireReader(Uint8Array.of(0, 0, 0, 2, 1)).string('x'),
      'certificate_length_out_of_range',
    );
    const trailing = new SshWireReader(Uint8Array.of(0, 0, 0, 0, 9));
    trailing.string('x');
    assertCode(() => trailing.finish(), 'certificate_trailing_data');
    assertCode(() => new SshWireReader(Uint8Array.of(0, 0, 0, 1, 0)).text('x'), 'malformed_certificate');
    assertCode(() => new SshWireReader(Uint8Array.of(0, 0, 0, 1, 0xff)).text('x'), 'malformed_certificate');
    assertCode(
      () => new SshWireReader(Uint8Array.of(0, 0, 0, 1, 0x80)).unsignedMpint('x', 8),
      'malformed_key',
    );
    assertCode(
      () => new SshWireReader(Uint8Array.of(0, 0, 0, 2, 1, 2)).unsignedMpint('x', 1),
      'certificate_length_out_of_range',
    );
  });

  it('does not allocate for a huge claimed length (4 GiB claim on a 5-byte input)', () => {
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 1000; i++) {
      assertCode(
        () => new SshWireReader(Uint8Array.of(0xff, 0xff, 0xff, 0xfe, 0)).string('x'),
        'certificate_length_out_of_range',
      );
    }
    assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 1024 * 1024);
  });

  it('writer refuses values out of range', () => {
    assert.throws(() => new SshWireWriter().uint32(-1), RangeError);
    assert.throws(() => new SshWireWriter().uint32(2 ** 32), RangeError);
    assert.throws(() => new SshWireWriter().uint64(2n ** 64n), RangeError);
  });
});
