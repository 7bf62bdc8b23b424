#!/usr/bin/env bash
# scripts/test.sh — what `make test` runs: vet, the unit tests, and the
# integration tests against a real Apache Kafka broker. The broker is started
# with scripts/kafka.sh (and stopped afterwards) unless KAFKA_BROKERS names
# an existing cluster. If no broker can be had, the run fails: it never passes
# by skipping the integration tests.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"

# The report test renders HTML in Debian's headless Chromium (with a Korean
# font for the instrument names); install them when missing.
if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi nanum; then
  echo "== installing chromium and fonts-nanum for the report test"
  if [[ $(id -u) -eq 0 ]]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-nanum >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-nanum >/dev/null
  fi
fi

echo "== go vet"
"$GO" vet ./...
"$GO" vet -tags integration ./...

if [[ -z "${KAFKA_BROKERS:-}" ]]; then
  echo "== starting a real Kafka broker (scripts/kafka.sh start)"
  # The broker also gets a SASL listener (PLAIN, SCRAM-SHA-256/512) for the
  # security tests.
  if ! KAFKA_BROKERS=$(KAFKA_SCRAM=1 scripts/kafka.sh start); then
    echo "make test: cannot start a Kafka broker for the integration tests." >&2
    echo "  Install a JDK 17+ and Maven (apt-get install openjdk-17-jdk-headless maven)," >&2
    echo "  or set KAFKA_BROKERS=host:port to an existing Kafka cluster." >&2
    exit 1
  fi
  trap 'scripts/kafka.sh stop' EXIT
  KAFKA_SASL_BROKERS=$(scripts/kafka.sh sasl-address)
fi
export KAFKA_BROKERS KAFKA_SASL_BROKERS="${KAFKA_SASL_BROKERS:-}"
echo "== Kafka broker: $KAFKA_BROKERS"

echo "== tests (unit + integration)"
"$GO" test -count=1 -timeout 40m -tags integration ./... 2>&1 | tee /tmp/pricewatch-test.log
