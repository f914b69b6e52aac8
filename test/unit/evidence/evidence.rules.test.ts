import { createCanvas } from '@napi-rs/canvas';
import { imageDimensions } from '../../../server/evidence/evidence.rules';
import { receiptPng } from '../../support/receipts';

describe('image size from the header, before decoding', () => {
  it('reads a PNG and a JPEG (past its EXIF and other segments)', async () => {
    expect(imageDimensions(await receiptPng(321, 123), 'image/png')).toEqual({ width: 321, height: 123 });
    const jpeg = await createCanvas(640, 480).encode('jpeg', { quality: 80, author: 'a camera', comment: 'with segments before the frame' });
    expect(imageDimensions(jpeg, 'image/jpeg')).toEqual({ width: 640, height: 480 });
  });

  it('answers null for a header it cannot read', () => {
    expect(imageDimensions(Buffer.from('89504e470d0a1a0a', 'hex'), 'image/png')).toBeNull();
    expect(imageDimensions(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00]), 'image/jpeg')).toBeNull();
    expect(imageDimensions(Buffer.from([0xff, 0xd8, 0x12, 0x34, 0, 0, 0, 0, 0, 0, 0, 0]), 'image/jpeg')).toBeNull();
    expect(imageDimensions(Buffer.from('%PDF-1.4'), 'application/pdf')).toBeNull();
  });
});
