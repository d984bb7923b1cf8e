import { REJECTIONS_CSV_HEADER, csvField, rejectionCsvRow } from './flow-rejections.csv';

describe('rejection report CSV', () => {
  it('writes one row per rejection, quoting what needs quoting', () => {
    expect(REJECTIONS_CSV_HEADER).toBe('line,mpan,meter_id,register_id,reason_code,message,readings\r\n');
    expect(rejectionCsvRow({ line: 12, mpan: '1200023305967', meterId: 'F75A 00802', registerId: 'S', reasonCode: 'UNKNOWN_REGISTER', message: 'No account, "really", here', readings: 1 })).toBe(
      '12,1200023305967,F75A 00802,S,UNKNOWN_REGISTER,"No account, ""really"", here",1\r\n',
    );
  });

  it('never lets a sender\'s text run as a spreadsheet formula', () => {
    expect(csvField('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('@SUM')).toBe("'@SUM");
    expect(csvField(-1)).toBe('-1');
  });
});
