import { describe, expect, it } from 'vitest';
import { constructEvent, sign, WebhookVerificationError } from '../../src/index.js';

const secret = 'whsec_unit';
const body = JSON.stringify({
  id: 'evt_1', event: 'chonk.deleted', created_at: '2026-11-26T10:00:00Z', project_id: 'proj_1',
  data: { chonk_id: 'chonk_1', chonk_name: 'stg_x', chonk_type: 'staging' },
});

describe('constructEvent', () => {
  it('returns the typed event when the signature and the envelope are good', () => {
    const event = constructEvent(Buffer.from(body), sign(secret, body), secret);
    expect(event.event).toBe('chonk.deleted');
    if (event.event === 'chonk.deleted') expect(event.data.chonk_type).toBe('staging');
  });

  it('throws a WebhookVerificationError with the reason for a bad signature', () => {
    expect(() => constructEvent(body, 'sha256=00', secret)).toThrow(WebhookVerificationError);
    try {
      constructEvent(body, sign('other', body), secret);
    } catch (error) {
      expect((error as WebhookVerificationError).reason).toBe('mismatch');
    }
  });

  it('rejects signed bodies that are not JSON, or not an event', () => {
    const notJson = 'hello';
    expect(() => constructEvent(notJson, sign(secret, notJson), secret)).toThrow(/not valid JSON/);
    const array = '[1,2]';
    expect(() => constructEvent(array, sign(secret, array), secret)).toThrow(/not a DataChonk event/);
  });
});
