import { uuidV7 } from './bill-id.generator';

describe('uuidV7', () => {
  it('is a version 7, variant 10 UUID carrying the millisecond timestamp', () => {
    const id = uuidV7(Date.UTC(2022, 3, 1), Buffer.alloc(10, 0xff));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(Date.UTC(2022, 3, 1));
  });

  it('sorts by time and does not repeat', () => {
    const ids = [uuidV7(1000), uuidV7(2000), uuidV7(3000)];
    expect([...ids].sort()).toEqual(ids);
    const many = new Set(Array.from({ length: 10_000 }, () => uuidV7(5000)));
    expect(many.size).toBe(10_000);
  });
});
