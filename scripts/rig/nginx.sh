#!/usr/bin/env bash
# nginx and envsubst, to run the frontend image's nginx config outside a container; no daemon runs here, each test
# starts its own nginx with its own config on loopback.
# Verbs: install | start (prints NGINX=... ENVSUBST=... NGINX_MIME_TYPES=...) | stop | status
source "$(dirname "$0")/lib.sh"

NGINX=/usr/sbin/nginx
ENVSUBST=/usr/bin/envsubst
MIME_TYPES=/etc/nginx/mime.types

install() {
  apt_install nginx-light gettext-base
}

installed() {
  [[ -x $NGINX && -x $ENVSUBST && -f $MIME_TYPES ]]
}

case "${1:-}" in
  install) install ;;
  start)
    installed || install
    printf 'NGINX=%s\nENVSUBST=%s\nNGINX_MIME_TYPES=%s\n' "$NGINX" "$ENVSUBST" "$MIME_TYPES"
    ;;
  stop) ;;
  status)
    if installed; then echo installed; else
      echo 'not installed'
      exit 1
    fi
    ;;
  *) die "usage: $0 install|start|stop|status" ;;
esac
