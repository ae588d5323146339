import { isAllowedOrigin } from './cors-policy';

describe('CORS policy', () => {
  it('without a configured list, allows only the origin the gateway was reached at', () => {
    expect(isAllowedOrigin('http://localhost:3001', 'localhost:3001', [])).toBe(true);
    expect(isAllowedOrigin('https://gw.example.com', 'gw.example.com', [])).toBe(true);
    expect(isAllowedOrigin('http://localhost:5173', 'localhost:3001', [])).toBe(false);
    expect(isAllowedOrigin('https://evil.example', 'localhost:3001', [])).toBe(false);
    expect(isAllowedOrigin('null', 'localhost:3001', [])).toBe(false);
    expect(isAllowedOrigin('http://localhost:3001', undefined, [])).toBe(false);
  });

  it('with a configured list, allows exactly those origins', () => {
    const list = ['https://app.example.com', 'http://localhost:5173'];
    expect(isAllowedOrigin('https://app.example.com', 'gw:3001', list)).toBe(true);
    expect(isAllowedOrigin('http://localhost:5173', 'gw:3001', list)).toBe(true);
    expect(isAllowedOrigin('http://gw:3001', 'gw:3001', list)).toBe(true); // its own origin, always
    expect(isAllowedOrigin('http://other:3001', 'gw:3001', list)).toBe(false);
    expect(isAllowedOrigin('https://app.example.com.evil.io', 'gw:3001', list)).toBe(false);
  });

  it('lets requests without an Origin through (not a browser page)', () => {
    expect(isAllowedOrigin(undefined, 'localhost:3001', [])).toBe(true);
  });
});
