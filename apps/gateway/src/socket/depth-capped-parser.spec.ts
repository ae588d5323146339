import { Encoder, PacketType, type Packet } from 'socket.io-parser';
import { findShapeProblem, MAX_PAYLOAD_DEPTH } from '@app/contracts';
import { depthCappedParser, pruneDeeperThan } from './depth-capped-parser';

function decodeChunks(chunks: unknown[]): Packet {
  const decoder = new depthCappedParser.Decoder();
  let decoded: Packet | undefined;
  decoder.on('decoded', (p: Packet) => (decoded = p));
  for (const chunk of chunks) decoder.add(chunk);
  return decoded!;
}
const decode = (packet: Packet) => decodeChunks(new Encoder().encode(packet));

/** A BINARY_EVENT with one attachment, written by hand: the library's encoder itself recurses. */
function binaryEventChunks(id: number, json: string): unknown[] {
  return [`51-${id}${json}`, Buffer.from('ab')];
}

describe('depthCappedParser', () => {
  it('decodes a binary event carrying a 10,000-deep value, cut but still deeper than the contract allows', () => {
    const deep = '['.repeat(10_000) + '{"_placeholder":true,"num":0}' + ']'.repeat(10_000);
    const packet = decodeChunks(binaryEventChunks(7, `["leave",{"requestId":"x","n":${deep}}]`));
    expect(packet).toMatchObject({ type: PacketType.EVENT, id: 7 });
    const [event, payload] = packet.data as [string, Record<string, unknown>];
    expect(event).toBe('leave');
    expect(payload.requestId).toBe('x');
    expect(findShapeProblem(payload)).toEqual({ field: 'n', reasons: [`n is nested deeper than ${MAX_PAYLOAD_DEPTH} levels`] });
  });

  it('leaves shallow binary events as they were', () => {
    const packet = decode({ type: PacketType.EVENT, nsp: '/', id: 1, data: ['start', { file: Buffer.from('abc'), list: [[1]] }] });
    expect(packet.data).toEqual(['start', { file: Buffer.from('abc'), list: [[1]] }]);
  });

  it('pruneDeeperThan replaces containers below the limit with null, own __proto__ keys included', () => {
    const value = JSON.parse('{"a":{"__proto__":{"b":{}}},"c":[[1]]}');
    pruneDeeperThan(value, 2);
    expect(JSON.stringify(value)).toBe('{"a":{"__proto__":null},"c":[null]}');
    expect(Object.getPrototypeOf(value.a)).toBe(Object.prototype);
  });
});
