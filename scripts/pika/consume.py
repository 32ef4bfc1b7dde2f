#!/usr/bin/env python3
"""Reads the queues `y_true` and `y_pred` the way the original course's metric.py does, with plain pika, and
prints one JSON line per message:

    {"queue": "y_pred", "id": "k3v9-17", "body": 151.2, "content_type": "application/json", "delivery_mode": 2}

A message that is not the wire format's JSON prints {"queue": ..., "error": ..., "raw": ...} instead. The queues are
declared exactly as the original declares them (queue_declare(queue='y_true'): plain, non-durable); once they are,
it prints {"ready": true}. Messages are acked after they are printed.

    /usr/bin/python3 scripts/pika/consume.py                       # until Ctrl-C
    /usr/bin/python3 scripts/pika/consume.py --expect 100 --idle-timeout 30

Exit code: 0 when --expect messages came from every queue (or on Ctrl-C), 3 when --idle-timeout passed first.
Broker: --url, else $AMQP_URL, else $RABBITMQ_HOST (as the original), else localhost.
"""
import argparse
import json
import os
import sys
import time

import pika


def connection_parameters(url):
    url = url or os.environ.get('AMQP_URL')
    if url:
        return pika.URLParameters(url)
    return pika.ConnectionParameters(host=os.environ.get('RABBITMQ_HOST', 'localhost'))


def describe(queue, body, properties):
    try:
        message = json.loads(body.decode('utf-8'))
        if not isinstance(message, dict) or 'id' not in message or 'body' not in message:
            raise ValueError('not an object with "id" and "body"')
        out = {'queue': queue, 'id': message['id'], 'body': message['body']}
    except ValueError as e:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
        out = {'queue': queue, 'error': str(e), 'raw': body.decode('utf-8', 'replace')[:200]}
    out['content_type'] = properties.content_type
    out['delivery_mode'] = properties.delivery_mode
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--url', help='broker URL (default $AMQP_URL, else $RABBITMQ_HOST, else localhost)')
    p.add_argument('--queues', default='y_true,y_pred', help='comma-separated queues (default y_true,y_pred)')
    p.add_argument('--expect', type=int, default=0, help='stop after this many messages from each queue')
    p.add_argument('--idle-timeout', type=float, default=0, help='give up after this many seconds without a message')
    args = p.parse_args()

    queues = [q for q in args.queues.split(',') if q]
    counts = {q: 0 for q in queues}
    last_message = time.monotonic()
    connection = pika.BlockingConnection(connection_parameters(args.url))
    channel = connection.channel()
    channel.basic_qos(prefetch_count=100)

    def on_message(ch, method, properties, body):
        nonlocal last_message
        last_message = time.monotonic()
        counts[method.routing_key] = counts.get(method.routing_key, 0) + 1
        print(json.dumps(describe(method.routing_key, body, properties)), flush=True)
        ch.basic_ack(delivery_tag=method.delivery_tag)

    for q in queues:
        channel.queue_declare(queue=q)
        channel.basic_consume(queue=q, on_message_callback=on_message)
    print(json.dumps({'ready': True}), flush=True)

    def done():
        return args.expect > 0 and all(counts[q] >= args.expect for q in queues)

    try:
        while not done():
            connection.process_data_events(time_limit=0.2)
            if args.idle_timeout > 0 and time.monotonic() - last_message > args.idle_timeout:
                print(f'consume.py: no message for {args.idle_timeout} s; got {counts}', file=sys.stderr)
                connection.close()
                sys.exit(3)
    except KeyboardInterrupt:
        pass
    connection.close()


if __name__ == '__main__':
    main()
