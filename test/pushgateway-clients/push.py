"""Pushes metrics to a Pushgateway API with prometheus_client (PyPI), unmodified: push_to_gateway (PUT),
pushadd_to_gateway (POST) and delete_from_gateway (DELETE), with the library's default handler, its
basic_auth_handler, or a Bearer header added in a handler of our own; optionally gzip (the library's
`compression` argument). The tests and the HPA scenario run it with the venv test/pushgateway-clients/install.sh
makes.

Usage: python push.py '<spec JSON>'   (or the spec on stdin when no argument is given)

  {"op": "push" | "pushadd" | "delete", "gateway": "http://127.0.0.1:8787", "job": "batch",
   "grouping": {"namespace": "default", "pod": "worker-0"},
   "basicAuth": {"username": "u", "password": "<token>"}, "bearer": "<token>", "compression": "gzip",
   "metrics": [{"type": "gauge" | "counter" | "summary" | "histogram", "name": "queue_depth", "help": "...",
                "labels": {"queue": "orders"}, "value": 12, "observations": [0.2, 0.4], "buckets": [0.1, 1]}]}

A gauge is set to value, a counter inc()-ed by value, summaries and histograms observe each observation.
Exit 0 when the library reports success; otherwise its error (and, for an HTTP error, the response body) on
stderr and exit 1.
"""
import json
import sys
import urllib.error

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Summary
from prometheus_client.exposition import (
    basic_auth_handler,
    default_handler,
    delete_from_gateway,
    push_to_gateway,
    pushadd_to_gateway,
)


def registry_of(metrics):
    registry = CollectorRegistry()
    families = {}
    for m in metrics:
        labels = m.get("labels") or {}
        names = sorted(labels)
        family = families.get(m["name"])
        if family is None:
            kind = {"gauge": Gauge, "counter": Counter, "summary": Summary, "histogram": Histogram}[m["type"]]
            extra = {"buckets": m["buckets"]} if m.get("buckets") else {}
            family = kind(m["name"], m.get("help") or m["name"], names, registry=registry, **extra)
            families[m["name"]] = family
        child = family.labels(**labels) if names else family
        if m["type"] == "gauge":
            child.set(m["value"])
        elif m["type"] == "counter":
            child.inc(m["value"])
        else:
            for o in m.get("observations") or []:
                child.observe(o)
    return registry


def handler_of(spec):
    auth = spec.get("basicAuth")
    if auth:
        def basic(url, method, timeout, headers, data):
            return basic_auth_handler(url, method, timeout, headers, data, auth["username"], auth["password"])
        return basic
    bearer = spec.get("bearer")
    if bearer:
        def with_bearer(url, method, timeout, headers, data):
            return default_handler(url, method, timeout, list(headers) + [("Authorization", "Bearer " + bearer)], data)
        return with_bearer
    return default_handler


def main():
    spec = json.loads(sys.argv[1] if len(sys.argv) > 1 else sys.stdin.read())
    common = dict(grouping_key=spec.get("grouping") or None, timeout=30, handler=handler_of(spec))
    op = spec["op"]
    try:
        if op == "delete":
            delete_from_gateway(spec["gateway"], spec["job"], **common)
        else:
            push = {"push": push_to_gateway, "pushadd": pushadd_to_gateway}[op]
            push(spec["gateway"], spec["job"], registry_of(spec.get("metrics") or []),
                 compression=spec.get("compression"), **common)
    except urllib.error.HTTPError as e:
        print(f"{e}: {e.read().decode('utf-8', 'replace').strip()}", file=sys.stderr)
        sys.exit(1)
    except OSError as e:
        print(e, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
