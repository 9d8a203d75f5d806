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
    expect(event).toEqual(JSON.parse(body));
  });

  it.each<[string, string, string | string[] | undefined]>([
    ['a signature made with another secret', 'mismatch', sign('other', body)],
    ['a signature that is not sha256=<64 hex digits>', 'malformed', 'sha256=zz'],
    ['the right signature in upper-case hex', 'uppercase-hex', sign(secret, body).toUpperCase().replace('SHA256=', 'sha256=')],
    ['the right signature with whitespace around it', 'whitespace', ` ${sign(secret, body)}`],
    ['no signature', 'missing', undefined],
    ['two signatures', 'duplicated', [sign(secret, body), sign(secret, body)]],
  ])('throws a WebhookVerificationError for %s, with the reason %s', (_name, reason, header) => {
    let thrown: unknown;
    try {
      constructEvent(body, header, secret);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(WebhookVerificationError);
    expect(thrown).toMatchObject({ reason });
  });

  it('rejects signed bodies that are not JSON, or not an event', () => {
    const notJson = 'hello';
    expect(() => constructEvent(notJson, sign(secret, notJson), secret)).toThrow(/not valid JSON/);
    const array = '[1,2]';
    expect(() => constructEvent(array, sign(secret, array), secret)).toThrow(/not a DataChonk event/);
  });
});
