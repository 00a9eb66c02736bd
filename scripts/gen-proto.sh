#!/usr/bin/env bash
# Fetches the .proto sources the ingestion decoders need from the package registries (the Go module proxy
# for Prometheus, Maven Central for OpenTelemetry), copies them into proto/ under their upstream paths, and
# regenerates the TypeScript in src/ingest/gen/ with buf + protoc-gen-es. `npm run gen:proto` runs it.
#
# Prometheus' files carry gogoproto options, which only shape the Go code gogo generates and do not change
# the wire format (the remote-write 2.0 spec says they can be ignored); they are stripped here so that buf
# needs no gogo dependency. Everything else is copied byte for byte.
set -euo pipefail

PROMETHEUS_VERSION=v0.316.0
OTLP_VERSION=1.11.0-alpha

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="$root/node_modules/.bin:$PATH"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Prometheus: remote-write 1.0 and 2.0, and the client model's MetricFamily (prompb/ is its own proto root:
# remote.proto imports "types.proto").
mkdir -p "$work/gomod"
(cd "$work/gomod" && GOTOOLCHAIN=local go mod init fetch-protos >/dev/null 2>&1)
prom_dir="$(cd "$work/gomod" && GOTOOLCHAIN=local go mod download -json "github.com/prometheus/prometheus@$PROMETHEUS_VERSION" |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);if(j.Error)throw new Error(j.Error);console.log(j.Dir)})')"
rm -rf proto/prometheus
for f in remote.proto types.proto io/prometheus/write/v2/types.proto io/prometheus/client/metrics.proto; do
  mkdir -p "proto/prometheus/$(dirname "$f")"
  sed -E \
    -e '/^import "gogoproto\/gogo\.proto";/d' \
    -e 's/ *\[\(gogoproto\.[a-z_]+\) *= *[a-z]+\]//g' \
    "$prom_dir/prompb/$f" >"proto/prometheus/$f"
done
if grep -rnE '\(gogoproto\.|"gogoproto/' proto/prometheus; then
  echo "gen-proto: gogoproto options left after stripping (see above); extend the sed expressions" >&2
  exit 1
fi

# OpenTelemetry: the metrics collector service and the messages it carries (the jar root is the proto root).
mvn -q dependency:copy "-Dartifact=io.opentelemetry.proto:opentelemetry-proto:$OTLP_VERSION" "-DoutputDirectory=$work/mvn"
jar="$work/mvn/opentelemetry-proto-$OTLP_VERSION.jar"
otlp_files=(
  opentelemetry/proto/collector/metrics/v1/metrics_service.proto
  opentelemetry/proto/metrics/v1/metrics.proto
  opentelemetry/proto/common/v1/common.proto
  opentelemetry/proto/resource/v1/resource.proto
)
rm -rf proto/opentelemetry-proto
mkdir -p proto/opentelemetry-proto
# unzip where present, else the JDK's jar tool (Maven needs a JDK anyway).
if command -v unzip >/dev/null; then
  (cd proto/opentelemetry-proto && unzip -q "$jar" "${otlp_files[@]}")
else
  (cd proto/opentelemetry-proto && jar xf "$jar" "${otlp_files[@]}")
fi

# One buf run per proto root, so that each lands in its own folder under src/ingest/gen/.
rm -rf src/ingest/gen
for module in prometheus opentelemetry-proto; do
  buf generate "proto/$module" --template proto/buf.gen.yaml --output "src/ingest/gen/$module"
done
echo "gen-proto: $(find proto -name '*.proto' | wc -l) .proto files, $(find src/ingest/gen -name '*_pb.ts' | wc -l) generated modules"
