import { CHANNELS, READING_SOURCES, READING_SOURCE_DESCRIPTIONS, isChannel, isEstimate, isReadingSource } from './reading.model';

describe('reading sources and channels', () => {
  it('lists the industry reading types, each described', () => {
    expect([...READING_SOURCES].sort()).toEqual(['A', 'C', 'D', 'F', 'I', 'R', 'X', 'Z']);
    for (const s of READING_SOURCES) expect(READING_SOURCE_DESCRIPTIONS[s]).toBeTruthy();
  });

  it('treats only D (deemed) as an estimate', () => {
    expect(READING_SOURCES.filter(isEstimate)).toEqual(['D']);
  });

  it('guards sources and channels', () => {
    expect(isReadingSource('X')).toBe(true);
    expect(isReadingSource('x')).toBe(false);
    expect(isReadingSource(undefined)).toBe(false);
    expect(CHANNELS.every(isChannel)).toBe(true);
    expect(isChannel('email')).toBe(false);
  });
});
