/** Broker URL lists of the RabbitMQ transport, as pure functions: parsing, order, and redaction. No broker. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactText } from '../../src/core/redact.js';
import { PermanentConnectionError } from '../../src/core/connectionFailure.js';
import { resolveAmqpOptions, resolveAmqpUrls } from '../../src/transports/amqp/options.js';
import { connectFields, UrlRotation } from '../../src/transports/amqp/urlRotation.js';

describe('amqp URL lists', () => {
  it('reads a comma-separated list from the option or AMQP_URL, in order, and refuses an empty one', () => {
    const env = { AMQP_URL: 'amqp://u:p@a:5672, amqp://u:p@b:5673,' };
    assert.deepEqual(resolveAmqpUrls(undefined, env), ['amqp://u:p@a:5672', 'amqp://u:p@b:5673']);
    assert.deepEqual(resolveAmqpUrls('amqp://x@c', env), ['amqp://x@c']);
    assert.throws(() => resolveAmqpUrls(' , ', {}), PermanentConnectionError);
  });

  it('adds the heartbeat to each URL and checks each one', () => {
    const o = resolveAmqpOptions({ url: 'amqp://u:p@a:5672,amqp://u:p@b:5673?heartbeat=3' }, {});
    assert.deepEqual(o.urls, ['amqp://u:p@a:5672?heartbeat=10', 'amqp://u:p@b:5673?heartbeat=3']);
    assert.equal(o.url, o.urls[0]);
    assert.throws(() => resolveAmqpOptions({ url: 'amqp://u:p@a:5672,http://b' }, {}), /amqp:\/\//);
  });

  it('gives amqplib the fields of a URL as it reads them from a string: decoded, with the query settings', () => {
    assert.deepEqual(
      connectFields('amqps://us%40er:p%2Cw@host.example:5671/v%2Fh?heartbeat=10&frameMax=4096'),
      {
        protocol: 'amqps',
        hostname: 'host.example',
        port: 5671,
        username: 'us@er',
        password: 'p,w',
        vhost: 'v/h',
        heartbeat: 10,
        frameMax: 4096,
      },
    );
    // No user: amqplib's guest/guest; no path: its default virtual host.
    assert.deepEqual(connectFields('amqp://[::1]'), { protocol: 'amqp', hostname: '::1' });
  });

  it('moves through the list in order and starts again after the last; the target follows', () => {
    const r = new UrlRotation(['amqp://u:p@a:1', 'amqp://v:q@b:2', 'amqp://w:r@c:3']);
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      seen.push(`${r.target.hostname}:${r.target.port}:${r.target.username}`);
      assert.equal(new URL(r.current()).hostname, r.target.hostname);
      r.advance();
    }
    assert.deepEqual(seen, ['a:1:u', 'b:2:v', 'c:3:w', 'a:1:u']);
    assert.throws(() => new UrlRotation([]), RangeError);
  });

  it('redacts the password of every URL of a list quoted in a message', () => {
    const text = redactText('connecting to amqp://u:one@a:1,amqp://v:two@b:2 failed');
    assert.equal(text, 'connecting to amqp://u:***@a:1,amqp://v:***@b:2 failed');
    // A comma inside one URL's password is still one URL.
    assert.equal(redactText('amqp://u:pa,ss@h'), 'amqp://u:***@h');
  });
});
