#!/usr/bin/env bash
# Collection benchmark (issue #7, not a test): N simulated ESXi hosts behind one real sshd (told apart by
# client key), enrolled in the appliance with SSH access, then one "collect all" at the given concurrency.
# Then the same collection again (facts fresh: key and policy only). Prints total time, per-host p50/p99
# and the appliance's peak memory beside the goal (500 in < 60 s).
# The simulator starts one process per SSH command (6 per host); SIM=r2r publishes it ReadyToRun,
# which cuts its start-up JIT (SIM=jit keeps the plain Release build).
# Usage: [SIM=r2r|jit] scripts/bench-collect.sh [hosts=500] [concurrency=32]
set -euo pipefail
cd "$(dirname "$0")/.."
SIM="${SIM:-r2r}"
dotnet build -c Release -v q --nologo tests/CollectBench >/dev/null || dotnet build -c Release --nologo tests/CollectBench
dotnet build -c Release -v q --nologo src/RecoveryAssist.Server >/dev/null
out=tests/CollectBench/bin/Release/net10.0
if [ "$SIM" = "r2r" ]; then
  # Replace the simulator beside the benchmark with a ReadyToRun build (same assembly, precompiled).
  dotnet publish -c Release -v q --nologo tests/EsxiSimulator -p:PublishReadyToRun=true -r linux-x64 --self-contained false -o "$out/r2r-sim" >/dev/null
  cp "$out/r2r-sim/"*.dll "$out/"
  echo "simulator: ReadyToRun"
else
  echo "simulator: JIT (plain Release build)"
fi
dotnet "$out/CollectBench.dll" src/RecoveryAssist.Server/bin/Release/net10.0/RecoveryAssist.Server.dll "$@"
