import { IsInt, IsString, Min } from 'class-validator';
import { decodeBody } from './broker-subscriptions';

class InvoicePaid {
  @IsString() invoiceId!: string;
  @IsInt() @Min(1) cents!: number;
}

describe('decodeBody', () => {
  it('gives a validated DTO instance, dropping fields it does not declare', () => {
    const body = decodeBody(Buffer.from(JSON.stringify({ invoiceId: 'i-1', cents: 5, traceId: 'x' })), InvoicePaid);
    expect(body).toBeInstanceOf(InvoicePaid);
    expect(body).toEqual({ invoiceId: 'i-1', cents: 5 });
  });

  it('gives the parsed JSON without a DTO', () => {
    expect(decodeBody(Buffer.from('[1,2]'), undefined)).toEqual([1, 2]);
  });

  it('refuses bytes that are not UTF-8 JSON', () => {
    expect(() => decodeBody(Buffer.from('{nope'), InvoicePaid)).toThrow('body is not valid UTF-8 JSON');
    expect(() => decodeBody(Buffer.from([0x22, 0xff, 0x22]), undefined)).toThrow('body is not valid UTF-8 JSON');
  });

  it("says which fields are wrong and why", () => {
    expect(() => decodeBody(Buffer.from(JSON.stringify({ invoiceId: 7, cents: 0 })), InvoicePaid)).toThrow(
      'invalid body: invoiceId must be a string; cents must not be less than 1',
    );
  });
});
