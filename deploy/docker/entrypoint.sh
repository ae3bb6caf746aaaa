#!/bin/sh
# Runs before every farm command (under tini), then becomes that command.
set -eu

# prometheus_client multiprocess mode keeps one file per process in this directory and sums them
# all. Files left by an earlier start of this container (a restart keeps an emptyDir or volume)
# belong to dead processes and would skew the live gauges, so start from an empty directory.
if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
  mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
  find "$PROMETHEUS_MULTIPROC_DIR" -mindepth 1 -maxdepth 1 -name '*.db' -delete
fi

# A TMPDIR on a volume (the runtime worker's, beside its npm installs) may not exist yet; without it
# Python would fall back to /tmp, another file system, where the installs cannot be hard-linked.
if [ -n "${TMPDIR:-}" ]; then
  mkdir -p "$TMPDIR"
fi

exec "$@"
