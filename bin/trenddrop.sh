#!/bin/sh
# `npm start`, `npm run bench` and the container run TrendDrop through this: glibc's malloc reads
# its tunables once, at a process's first allocation, so they must be in the environment before
# Node starts (Node 20 cannot re-exec itself, and a wrapper process would not pass on a SIGKILL:
# `exec` keeps this process, its PID and its signals).
#
# glibc raises its mmap threshold each time a large mapped block is freed (up to 32 MiB), after
# which the engine's multi-MB query results and insert bodies come from its heaps and pin them:
# in a soak at 100k products its heaps crept 224 → 357 MiB over 20 minutes; with the threshold
# fixed at 128 KiB they stayed at 166–169 MiB (docs/performance.md, memory). A value you set is kept.
: "${MALLOC_MMAP_THRESHOLD_:=131072}"
export MALLOC_MMAP_THRESHOLD_
exec node "$(dirname "$0")/trenddrop.cjs" "$@"
