#!/usr/bin/env bash
# scripts/bench.sh INSTRUMENTS EVENTS — what `make bench` runs: the
# end-to-end measurements of `pricewatch bench` against a real broker
# (started here unless KAFKA_BROKERS names one), then the Go
# micro-benchmarks of the hot paths (benchstat-friendly output).
set -euo pipefail
cd "$(dirname "$0")/.."
instruments=${1:-10000}
events=${2:-10000000}

if [[ -z "${KAFKA_BROKERS:-}" ]]; then
  if KAFKA_BROKERS=$(scripts/kafka.sh start); then
    trap 'scripts/kafka.sh stop' EXIT
  else
    echo "bench: no Kafka broker; the Kafka rows are skipped" >&2
    KAFKA_BROKERS=
  fi
fi

echo "== pricewatch bench ($instruments instruments, $events events)"
bin/pricewatch bench --dir bench-out --instruments "$instruments" --events "$events" --brokers "$KAFKA_BROKERS"

echo "== Go micro-benchmarks"
go test -run '^$' -bench . -benchmem -count 1 ./schemas ./windows ./detectors ./history ./parquet ./duckdb

# The alert sink: one Kafka transaction per alert, on the real broker.
if [[ -n "$KAFKA_BROKERS" ]]; then
  KAFKA_BROKERS=$KAFKA_BROKERS go test -tags integration -run '^$' -bench AlertTransaction -benchtime 300x -benchmem -count 1 ./integration
fi
