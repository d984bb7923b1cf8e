import { fromOadrReport, toOadrEvent } from './openadr3.mapper';

describe('OpenADR 3 reports and events (the subset we speak)', () => {
  const interval = (start: string, payloads: Array<{ type: string; values: Array<number | string> }>) => ({ id: 0, intervalPeriod: { start, duration: 'PT30M' }, payloads });

  it('takes USAGE per half-hour and resource, keeps a BASELINE if sent, and keeps the decimals the VEN wrote', () => {
    const { eventId, report } = fromOadrReport({
      eventID: 'EV-1',
      clientName: 'ven',
      reportName: 'EV-1-home',
      resources: [
        { resourceName: 'home', intervals: [interval('2022-04-11T17:00:00Z', [{ type: 'USAGE', values: [2.6] }, { type: 'BASELINE', values: [9.9] }])] },
        { resourceName: 'heat-pump', intervals: [interval('2022-04-11T17:00:00.000+00:00', [{ type: 'USAGE', values: [0.1] }])] },
      ],
    });
    expect(eventId).toBe('EV-1');
    expect(report.intervals).toEqual([
      { resource: 'home', start: '2022-04-11T17:00:00.000Z', durationMinutes: 30, usageKwh: '2.6', baselineKwh: '9.9' },
      { resource: 'heat-pump', start: '2022-04-11T17:00:00.000Z', durationMinutes: 30, usageKwh: '0.1' },
    ]);
  });

  it('refuses, with the field named, an interval without USAGE, a negative or non-numeric kWh, or a resource name it cannot key on', () => {
    const body = (resourceName: string, payloads: Array<{ type: string; values: Array<number | string> }>) => ({ eventID: 'EV-1', resources: [{ resourceName, intervals: [interval('2022-04-11T17:00:00Z', payloads)] }] });
    expect(() => fromOadrReport(body('home', [{ type: 'BASELINE', values: [1] }]))).toThrow(/USAGE/);
    expect(() => fromOadrReport(body('home', [{ type: 'USAGE', values: [-1] }]))).toThrow(/non-negative/);
    expect(() => fromOadrReport(body('home', [{ type: 'USAGE', values: ['lots'] }]))).toThrow(/non-negative/);
    expect(() => fromOadrReport(body('home/../x', [{ type: 'USAGE', values: [1] }]))).toThrow(/resourceName/);
  });

  it('an event asks for USAGE with history (reportDescriptors, historical): what the baseline is computed from', () => {
    const e = toOadrEvent({ event_id: 'EV-1', programme_id: 'P', window_start: new Date('2022-04-12T17:00:00Z'), window_end: new Date('2022-04-12T18:00:00Z'), price: '57.15', created_at: new Date('2022-04-01T00:00:00Z') });
    expect(e.intervalPeriod).toEqual({ start: '2022-04-12T17:00:00.000Z', duration: 'PT1H' });
    expect(e.reportDescriptors).toEqual([expect.objectContaining({ payloadType: 'USAGE', units: 'KWH', historical: true })]);
  });
});
