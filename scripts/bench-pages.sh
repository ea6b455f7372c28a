#!/usr/bin/env bash
# Web console benchmark (issue #15, not a test): the host list with HOSTS hosts. Prints the p50/p99 of
# rendering the host list page and of a search (by MAC) on the page, beside the API's own figures for
# the same list and lookup. Requests are sequential, over one signed-in cookie, after a warm-up.
# Usage: scripts/bench-pages.sh [hosts=10000] [requests=300]
set -euo pipefail
cd "$(dirname "$0")/.."
hosts=${1:-10000}
requests=${2:-300}
dotnet build -c Release -v q --nologo src/RecoveryAssist.Server >/dev/null

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
RECOVERYASSIST_DATA="$work/data" dotnet src/RecoveryAssist.Server/bin/Release/net10.0/RecoveryAssist.Server.dll \
  --urls "$base" --RecoveryAssist:Listen:Provisioning="http://127.0.0.1:$((port + 1))" --RecoveryAssist:Boot:TftpPort=0 --Logging:LogLevel:Default=Warning >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
# First run: the admin's one-time password is in a file of the data directory (0600), never in the log.
onetime=$(cat "$work/data/admin-password")
jar="$work/cookies"
# A change made with the sign-in cookie carries the session's CSRF token (X-CSRF-Token).
csrf=$(curl -fs -c "$jar" -b "$jar" -H 'Content-Type: application/json' -d "{\"userName\":\"admin\",\"password\":\"$onetime\"}" "$base/api/auth/signin" \
  | sed -n 's/.*"csrfToken":"\([^"]*\)".*/\1/p')
curl -fs -c "$jar" -b "$jar" -H 'Content-Type: application/json' -H "X-CSRF-Token: $csrf" \
  -d "{\"currentPassword\":\"$onetime\",\"newPassword\":\"a benchmark passphrase\"}" "$base/api/auth/password" >/dev/null

echo "importing $hosts hosts with keys..."
python3 - "$hosts" "$work" <<'PY'
import json, random, sys, uuid
n, work = int(sys.argv[1]), sys.argv[2]
def key():
    # Each group is a 16-bit word times 11 plus the group's index mod 11 (the check RecoveryKey makes).
    return "-".join(str(random.randrange(65536) * 11 + i % 11).zfill(6) for i in range(16))
for start in range(0, n, 1000):
    records = []
    for i in range(start, min(n, start + 1000)):
        rid = "{%s}" % str(uuid.uuid4()).upper()
        out = "Recovery ID                             Key\n--------------------------------------  ---\n%s  %s\n" % (rid, key())
        records.append({"hostName": "esx%06d.bench.lab" % i, "output": out,
                        "macAddresses": ["00:50:56:%02x:%02x:%02x" % (i >> 16 & 255, i >> 8 & 255, i & 255)],
                        "serial": "SN%08d" % i})
    json.dump({"records": records}, open("%s/batch-%06d.json" % (work, start), "w"))
PY
for batch in "$work"/batch-*.json; do
  curl -fs -c "$jar" -b "$jar" -H 'Content-Type: application/json' -H "X-CSRF-Token: $csrf" --data-binary "@$batch" "$base/api/import/bulk" >/dev/null
done

measure() { # name, url template with %d for a random host number
  local name=$1 template=$2 times="$work/times"
  : >"$times"
  for i in $(seq 1 "$requests"); do
    local n=$((RANDOM * 32768 + RANDOM)); n=$((n % hosts))
    # shellcheck disable=SC2059
    local url=$(printf "$template" $((n >> 16 & 255)) $((n >> 8 & 255)) $((n & 255)))
    curl -fs -o /dev/null -b "$jar" -w '%{time_total}\n' "$base$url" >>"$times"
  done
  sort -n "$times" | awk -v name="$name" '{ t[NR] = $1 * 1000 } END { printf "%-34s p50 %7.1f ms   p99 %7.1f ms   (%d requests)\n", name, t[int(NR*0.5)], t[int(NR*0.99)], NR }'
}
for warm in 1 2; do measure warm-up "/hosts?q=00:50:56:%02x:%02x:%02x" >/dev/null; measure warm-up "/api/hosts/find?mac=00:50:56:%02x:%02x:%02x" >/dev/null; done
echo "host list with $hosts hosts, sequential requests over one signed-in cookie:"
measure "page: host list (first 100)" "/hosts?x=%d%d%d"
measure "API: GET /api/hosts (first 100)" "/api/hosts?x=%d%d%d"
measure "page: search by MAC" "/hosts?q=00:50:56:%02x:%02x:%02x"
measure "API: GET /api/hosts/find?mac=" "/api/hosts/find?mac=00:50:56:%02x:%02x:%02x"
