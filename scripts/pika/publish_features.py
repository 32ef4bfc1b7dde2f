#!/usr/bin/env python3
"""Publishes feature vectors and true targets the way the original course's features.py does, with plain pika.

Each record is two messages under one float-timestamp id, sent through the default exchange with no properties:
{"id": 1669147134.196809, "body": [0.038, ...]} to the queue `features` and {"id": ..., "body": 151.0} to
`y_true`. The queues are declared exactly as the original declares them: queue_declare(queue='features'), a
plain non-durable queue. So it fails with PRECONDITION_FAILED if our services declared their durable queues
first: start them with --legacy-queues in a mixed deployment.

Prints one JSON line per record published: {"id": ..., "features": [...], "y_true": ...}.

    /usr/bin/python3 scripts/pika/publish_features.py --count 100 --interval 0
    /usr/bin/python3 scripts/pika/publish_features.py --url amqp://guest:guest@127.0.0.1:5672/

Broker: --url, else $AMQP_URL, else $RABBITMQ_HOST (as the original), else localhost.
Needs only pika (Debian: apt-get install python3-pika, then run it with /usr/bin/python3).
"""
import argparse
import csv
import json
import os
import random
import sys
import time
from datetime import datetime

import pika

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATASET = os.path.join(HERE, '..', '..', 'data', 'diabetes.csv')


def connection_parameters(url):
    url = url or os.environ.get('AMQP_URL')
    if url:
        return pika.URLParameters(url)
    return pika.ConnectionParameters(host=os.environ.get('RABBITMQ_HOST', 'localhost'))


def read_dataset(path, target):
    with open(path, newline='', encoding='utf-8') as f:
        rows = list(csv.DictReader(f))
    if not rows or target not in rows[0]:
        sys.exit(f'{path}: no rows, or no column {target!r}')
    names = [n for n in rows[0] if n != target]
    X = [[float(r[n]) for n in names] for r in rows]
    y = [float(r[target]) for r in rows]
    return X, y


def next_id(last):
    """A timestamp as the original uses, nudged forward when two records share a microsecond (ids must differ)."""
    now = datetime.timestamp(datetime.now())
    return now if last is None or now > last else round(last + 1e-6, 6)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--url', help='broker URL (default $AMQP_URL, else $RABBITMQ_HOST, else localhost)')
    p.add_argument('--count', type=int, default=0, help='records to publish; 0 = endless (default)')
    p.add_argument('--interval', type=float, default=1.0, help='seconds between records (default 1)')
    p.add_argument('--dataset', default=DEFAULT_DATASET, help='numeric CSV with a header row')
    p.add_argument('--target', default='target', help='the target column (default target)')
    p.add_argument('--seed', type=int, help='seed for the choice of rows')
    args = p.parse_args()

    X, y = read_dataset(args.dataset, args.target)
    rng = random.Random(args.seed)
    connection = pika.BlockingConnection(connection_parameters(args.url))
    channel = connection.channel()
    channel.queue_declare(queue='features')
    channel.queue_declare(queue='y_true')

    sent = 0
    message_id = None
    while args.count == 0 or sent < args.count:
        row = rng.randint(0, len(X) - 1)
        message_id = next_id(message_id)
        channel.basic_publish(exchange='', routing_key='features',
                              body=json.dumps({'id': message_id, 'body': X[row]}))
        channel.basic_publish(exchange='', routing_key='y_true',
                              body=json.dumps({'id': message_id, 'body': y[row]}))
        print(json.dumps({'id': message_id, 'features': X[row], 'y_true': y[row]}), flush=True)
        sent += 1
        if args.interval > 0:
            time.sleep(args.interval)
    connection.close()


if __name__ == '__main__':
    main()
