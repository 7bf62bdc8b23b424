# pricewatch — see README.md.
GO      ?= go
BIN     := bin/pricewatch
# Integration tests are built with this tag; they need KAFKA_BROKERS.
TAGS    := integration

.PHONY: all build demo test unit-test integration-test vet kafka-up kafka-down bench bench-quality clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/pricewatch

## demo: build and run the one-command local demo (in-process broker, no setup).
demo: build
	./$(BIN) demo

## test: vet, unit tests, and the integration suite against a real Kafka broker
## (started from Maven Central's jars unless KAFKA_BROKERS names one).
test:
	scripts/test.sh

unit-test:
	$(GO) test -count=1 ./...

vet:
	$(GO) vet ./...
	$(GO) vet -tags $(TAGS) ./...

kafka-up:
	@scripts/kafka.sh start

kafka-down:
	@scripts/kafka.sh stop

## bench: the standard workload end to end (backfill, through the real
## broker, latency, memory, against DuckDB), then the Go micro-benchmarks.
## BENCH_EVENTS / BENCH_INSTRUMENTS change the workload.
BENCH_EVENTS      ?= 10000000
BENCH_INSTRUMENTS ?= 10000
bench: build
	scripts/bench.sh $(BENCH_INSTRUMENTS) $(BENCH_EVENTS)

## bench-quality: precision, recall and detection delay of every detector on
## generated streams with planted anomalies, and false positives on clean ones.
bench-quality:
	$(GO) run ./detectors/quality

clean:
	rm -rf bin pricewatch-out
