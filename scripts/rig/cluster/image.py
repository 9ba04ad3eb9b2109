#!/usr/bin/env python3
"""Writes a one-layer image as a docker-archive tar (what `ctr images import` reads), with no image builder.

usage: image.py OUT.tar NAME:TAG [--entrypoint JSON] [--user UID] [--file SRC=DEST]... [--link TARGET=DEST]...
Used for the rig's own small images (the pod sandbox, busybox, CoreDNS, Traefik); the app images come from their
Dockerfiles through images.sh.
"""
import argparse
import hashlib
import io
import json
import os
import tarfile


def add_dirs(layer, path, seen):
    parts = path.strip('/').split('/')[:-1]
    for i in range(1, len(parts) + 1):
        d = '/'.join(parts[:i])
        if d not in seen:
            seen.add(d)
            info = tarfile.TarInfo(d)
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            layer.addfile(info)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('out')
    p.add_argument('name')
    p.add_argument('--entrypoint', default='[]')
    p.add_argument('--cmd', default='[]')
    p.add_argument('--user', default='0')
    p.add_argument('--file', action='append', default=[])
    p.add_argument('--link', action='append', default=[])
    p.add_argument('--dir', action='append', default=[])
    a = p.parse_args()

    buf, seen = io.BytesIO(), set()
    with tarfile.open(fileobj=buf, mode='w', format=tarfile.PAX_FORMAT) as layer:
        for d in a.dir:
            add_dirs(layer, d.rstrip('/') + '/x', seen)
        for spec in a.file:
            src, dest = spec.split('=', 1)
            add_dirs(layer, dest, seen)
            info = tarfile.TarInfo(dest.lstrip('/'))
            info.size, info.mode = os.path.getsize(src), os.stat(src).st_mode & 0o777
            with open(src, 'rb') as f:
                layer.addfile(info, f)
        for spec in a.link:
            target, dest = spec.split('=', 1)
            add_dirs(layer, dest, seen)
            info = tarfile.TarInfo(dest.lstrip('/'))
            info.type, info.linkname, info.mode = tarfile.SYMTYPE, target, 0o777
            layer.addfile(info)
    blob = buf.getvalue()
    diff_id = hashlib.sha256(blob).hexdigest()
    config = json.dumps({
        'architecture': 'amd64',
        'os': 'linux',
        'config': {
            'Entrypoint': json.loads(a.entrypoint),
            'Cmd': json.loads(a.cmd),
            'User': a.user,
            'Env': ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
        },
        'rootfs': {'type': 'layers', 'diff_ids': ['sha256:' + diff_id]},
        'history': [{'created_by': 'scripts/rig/cluster/image.py'}],
    }, sort_keys=True).encode()
    config_id = hashlib.sha256(config).hexdigest()
    manifest = json.dumps([{'Config': config_id + '.json', 'RepoTags': [a.name], 'Layers': [diff_id + '/layer.tar']}]).encode()

    tmp = a.out + '.tmp'
    with tarfile.open(tmp, mode='w') as out:
        for name, data in ((diff_id + '/layer.tar', blob), (config_id + '.json', config), ('manifest.json', manifest)):
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            out.addfile(info, io.BytesIO(data))
    os.replace(tmp, a.out)


if __name__ == '__main__':
    main()
