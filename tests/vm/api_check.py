#!/usr/bin/env python3
"""Check the control API's replies against docs/api.yaml (OpenAPI 3).

A small validator for the JSON Schema subset the document uses: type, enum,
required, properties, additionalProperties, items, minimum, maximum,
nullable and $ref. No packages beyond python3 and python3-yaml.

  api_check.py SPEC reply METHOD PATH STATUS FILE   the body in FILE
  api_check.py SPEC events FILE                      each data: line of a stream
  api_check.py SPEC coverage LOG                     every operation was answered
  api_check.py halfsend SOCKET                       hold half a request; wait for the close
  api_check.py many SOCKET N                         N clients at once, each GET /vm: all 200
"""
import json
import re
import socket
import sys
import time

TYPES = {
    'object': dict, 'array': list, 'string': str, 'boolean': bool,
    'integer': int, 'number': (int, float),
}


def deref(spec, node):
    while isinstance(node, dict) and '$ref' in node:
        ref = node['$ref']
        assert ref.startswith('#/'), ref
        target = spec
        for part in ref[2:].split('/'):
            target = target[part]
        node = target
    return node


def validate(spec, schema, value, where):
    schema = deref(spec, schema)
    if value is None:
        if schema.get('nullable'):
            return
        raise ValueError(f'{where}: null where {schema.get("type")} is expected')
    want = schema.get('type')
    if want:
        ok = isinstance(value, TYPES[want])
        if want in ('integer', 'number') and isinstance(value, bool):
            ok = False
        if not ok:
            raise ValueError(f'{where}: {value!r} is not of type {want}')
    if 'enum' in schema and value not in schema['enum']:
        raise ValueError(f'{where}: {value!r} is not one of {schema["enum"]}')
    if 'minimum' in schema and value < schema['minimum']:
        raise ValueError(f'{where}: {value} is below {schema["minimum"]}')
    if 'maximum' in schema and value > schema['maximum']:
        raise ValueError(f'{where}: {value} is above {schema["maximum"]}')
    if isinstance(value, dict):
        props = schema.get('properties', {})
        for key in schema.get('required', []):
            if key not in value:
                raise ValueError(f'{where}: the required field {key!r} is missing')
        extra = schema.get('additionalProperties', True)
        for key, v in value.items():
            if key in props:
                validate(spec, props[key], v, f'{where}.{key}')
            elif extra is False:
                raise ValueError(f'{where}: the field {key!r} is not in the schema')
            elif isinstance(extra, dict):
                validate(spec, extra, v, f'{where}.{key}')
    if isinstance(value, list) and 'items' in schema:
        for i, v in enumerate(value):
            validate(spec, schema['items'], v, f'{where}[{i}]')


def spec_path(spec, path):
    """The document's path that @path is: itself, or a template such as /vm/net/{id}."""
    if path in spec['paths']:
        return path
    for p in spec['paths']:
        if '{' in p and re.fullmatch(re.sub(r'\\\{[^}]*\\\}', '[^/]+', re.escape(p)), path):
            return p
    return path


def reply_schema(spec, method, path, status):
    path = spec_path(spec, path)
    op = spec['paths'].get(path, {}).get(method.lower())
    if op is None:
        if path in spec['paths'] and status == '405':
            return deref(spec, spec['components']['responses']['MethodNotAllowed'])
        if path not in spec['paths'] and status == '404':
            return deref(spec, spec['components']['responses']['NotFound'])
        raise ValueError(f'{method} {path}: not in the document, yet answered {status}')
    if status not in op['responses']:
        raise ValueError(f'{method} {path}: status {status} is not documented')
    return deref(spec, op['responses'][status])


def check_reply(spec, method, path, status, file):
    resp = reply_schema(spec, method, path, status)
    schema = resp['content']['application/json']['schema']
    with open(file) as f:
        body = json.load(f)
    validate(spec, schema, body, f'{method} {path} {status}')


def check_events(spec, file):
    schema = spec['components']['schemas']['Event']
    n = 0
    with open(file) as f:
        for line in f:
            if line.strip():
                validate(spec, schema, json.loads(line), f'event {n}')
                n += 1
    if not n:
        raise ValueError('no events')


# Once a stop is accepted the VM goes, and the socket with it: a second stop,
# or a reset, meets a stopped VM only by a race the test cannot arrange.
UNREACHABLE = {('put', '/vm/stop', '409'), ('put', '/vm/reset', '409')}


def check_coverage(spec, log):
    seen = set()
    with open(log) as f:
        for line in f:
            method, path, status = line.split()
            seen.add((method.lower(), spec_path(spec, path), status))
    for path, ops in spec['paths'].items():
        for method, op in ops.items():
            # A 405 is answered to the other methods of the operation's path.
            seen |= {(method, p, s) for _, p, s in set(seen) if p == path and s == '405'}
            for status in op['responses']:
                if (method, path, status) not in seen | UNREACHABLE:
                    raise ValueError(f'{method.upper()} {path} {status}: never checked')


def halfsend(path):
    """Send half a request, then time how long the server waits before closing."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(b'PUT /vm/pause HTTP/1.1\r\nHost: vessel\r\nContent-Length: 100\r\n\r\n{')
    print('sent', flush=True)
    s.settimeout(30)
    start = time.monotonic()
    try:
        while s.recv(4096):
            pass
    except socket.timeout:
        print('still open after 30 s')
        return 1
    print(f'closed after {time.monotonic() - start:.1f} s')
    return 0


def many(path, n):
    """Connect @n clients, then send every request, then read every reply."""
    socks = []
    for _ in range(n):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(30)
        s.connect(path)
        socks.append(s)
    for s in socks:
        s.sendall(b'GET /vm HTTP/1.1\r\nHost: vessel\r\nConnection: close\r\n\r\n')
    ok = 0
    for i, s in enumerate(socks):
        data = b''
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        head, _, body = data.partition(b'\r\n\r\n')
        if head.startswith(b'HTTP/1.1 200') and json.loads(body)['state'] == 'running':
            ok += 1
        else:
            print(f'client {i}: {data[:200]!r}')
    print(f'{ok} of {n} clients answered 200')
    return 0 if ok == n else 1


def main(argv):
    if argv[1] == 'halfsend':
        return halfsend(argv[2])
    if argv[1] == 'many':
        return many(argv[2], int(argv[3]))
    import yaml
    with open(argv[1]) as f:
        spec = yaml.safe_load(f)
    try:
        if argv[2] == 'reply':
            check_reply(spec, *argv[3:7])
        elif argv[2] == 'events':
            check_events(spec, argv[3])
        elif argv[2] == 'coverage':
            check_coverage(spec, argv[3])
        else:
            raise ValueError(f'unknown check {argv[2]}')
    except ValueError as e:
        print(f'api_check: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
