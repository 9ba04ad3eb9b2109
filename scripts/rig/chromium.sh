#!/usr/bin/env bash
# Chromium and chromedriver from Debian (apt) for the browser tests. Nothing downloads a browser:
# playwright-core drives /usr/bin/chromium headless (see test/support/browser.ts).
# Verbs: install | start | stop | status
source "$(dirname "$0")/lib.sh"
CHROMIUM=/usr/bin/chromium
CHROMEDRIVER=/usr/bin/chromedriver

install() {
  apt_install chromium chromium-driver fonts-liberation
}

case ${1:-} in
  install) install ;;
  start)
    install
    [[ -x $CHROMIUM ]] || die "$CHROMIUM is missing after install"
    echo "CHROMIUM=$CHROMIUM"
    echo "CHROMEDRIVER=$CHROMEDRIVER"
    ;;
  stop) ;;
  status) [[ -x $CHROMIUM ]] && "$CHROMIUM" --version 2>/dev/null || echo "not installed" ;;
  *) die "usage: $0 install|start|stop|status" ;;
esac
