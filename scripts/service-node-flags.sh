#!/usr/bin/env bash
# Node flags per service, sourced by every script that starts services (services.sh, surge-bench.sh), and
# mirrored by NODE_OPTIONS in k8s/. Why: V8 grows a busy process's heap far past its live set (read-api
# held 100 MB live in a 343 MB heap, 444 MB RSS, in the full surge run) and never hands it back; a heap
# cap makes it collect sooner instead, so every service stays under its 300 MB RSS budget (issue 10).
# The caps leave room above the live sets measured under the 14x surge (docs/benchmarks.md). read-sink's live set
# was ~200 MB while its history cache held whole histories (capped at 224 MB it thrashed); with the compact cache
# (a register's tail only, ~950 bytes a register) it is 50-75 MB. 192 MB old space with 16 MB semi-spaces kept it
# under 300 MB RSS through a 200,000-reading backlog (npm run bench:sink: 248 MiB peak, was 784-850), but not through
# the surge bench's closed-loop ceiling, whose backlog is drained right after it: 291 and 304 MiB. 160 MB: 273 and
# 273 MiB (286 MB) in the same phase, the sink's CPU over the whole run the same (33.3 and 30.9 s against 33.6 and 31.9),
# freshness p99 0.56-0.58 s against 0.52-0.53 (full surge, alternated, 2026-12-04, docs/benchmarks.md). 24 MB
# semi-spaces were measured too: no less CPU per reading, 6 MiB more RSS (32 MB: over 300 MiB), so 16 stays.
# read-api's young generation is raised to 32 MB semi-spaces: a request's objects live for its few milliseconds,
# and with more room they die young instead of being promoted; peak RSS at a fixed 200/s fell from 247-285 MB to
# 206-211 MB (npm run bench:read-api, three pairs on a busy machine; CPU per request not measurably different).
service_node_flags() { # service_node_flags <app>
  case $1 in
    read-api) echo "--max-old-space-size=192 --max-semi-space-size=32" ;;
    # flow-intake: k8s's 256 MB cap. Uncapped, a 100,000-reading flow took it to 340-420 MB RSS (garbage); capped
    # at 256 a 1,000,000-reading flow peaked at 301 MB; at 128 it spent a third of its CPU collecting. 32 MB
    # semi-spaces as read-api: the pipelined batches (a few thousand records waiting for acks) die young instead
    # of being promoted; 200,000 readings peaked at 219 MB instead of 289 (docs/benchmarks.md "D0010 intake").
    flow-intake) echo "--max-old-space-size=256 --max-semi-space-size=32" ;;
    read-sink) echo "--max-old-space-size=160 --max-semi-space-size=16" ;;
    *) echo "" ;;
  esac
}

# Environment per service (KEY=VALUE words for `env`), mirrored by env in k8s/. read-sink: glibc's malloc kept
# ~100 MB of freed Kafka fetch and ClickHouse response buffers (RSS 369 MB with a 167 MB V8 heap); two arenas and a
# fixed mmap threshold (buffers of 128 KiB and more are mapped and unmapped, never parked in an arena) hand it back.
service_env() { # service_env <app>
  case $1 in
    read-sink) echo "GLIBC_TUNABLES=glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=131072" ;;
    *) echo "" ;;
  esac
}
