#!/usr/bin/env bash
# TFTP throughput on loopback: our server (tests/TftpBench) vs tftpd-hpa, atftpd and dnsmasq.
# Prints one table, every figure side by side (MiB/s, median of RUNS runs; a run repeats its
# fetch for at least MIN_RUN_MS; every transfer is checked with cmp and counted as failed when it
# differs or the client fails).
# Needs: curl, atftp (client), tftpd-hpa (/usr/sbin/in.tftpd), dnsmasq-base, dotnet; atftpd is
# fetched with `apt-get download` (it conflicts with tftpd-hpa) and unpacked into a temp dir.
# dnsmasq can only serve TFTP on port 69: its column is left out when that port is taken.
set -euo pipefail

RUNS=${RUNS:-5}
ONLY=${ONLY:-} # an extended regular expression: only rows whose label matches (e.g. ONLY='1M|window (1|16)$')
ROOT_DIR=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/bench-tftp.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

OURS_PORT=${OURS_PORT:-17069}
HPA_PORT=${HPA_PORT:-17070}
ATFTPD_PORT=${ATFTPD_PORT:-17071}

echo "building the runner..." >&2
dotnet build -c Release -v q -nologo "$ROOT_DIR/tests/TftpBench" >/dev/null

mkdir -p "$WORK/root"
head -c $((1024 * 1024)) /dev/urandom >"$WORK/root/1m.bin"
head -c $((16 * 1024 * 1024)) /dev/urandom >"$WORK/root/16m.bin"
chmod 755 "$WORK" "$WORK/root"
chmod 644 "$WORK/root"/*

dotnet "$ROOT_DIR/tests/TftpBench/bin/Release/net10.0/TftpBench.dll" --root "$WORK/root" --port "$OURS_PORT" >"$WORK/ours.log" 2>&1 &
PIDS+=($!)
/usr/sbin/in.tftpd -L -s "$WORK/root" -a "127.0.0.1:$HPA_PORT" &
PIDS+=($!)

ATFTPD=""
if (cd "$WORK" && apt-get download atftpd >/dev/null 2>&1); then
  dpkg -x "$WORK"/atftpd_*.deb "$WORK/atftpd"
  "$WORK/atftpd/usr/sbin/atftpd" --daemon --no-fork --port "$ATFTPD_PORT" --bind-address 127.0.0.1 \
    --user root --group root --logfile /dev/null "$WORK/root" &
  PIDS+=($!)
  ATFTPD=yes
else
  echo "atftpd: apt-get download failed; column left out" >&2
fi

DNSMASQ=""
if ! ss -uln | awk '{print $4}' | grep -qE '(^|:)69$'; then
  dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0 --enable-tftp --tftp-root="$WORK/root" \
    --listen-address=127.0.0.1 --bind-interfaces --user=root --pid-file="$WORK/dnsmasq.pid" \
    --log-facility=/dev/null --edns-packet-max=65535 &
  PIDS+=($!)
  DNSMASQ=yes
else
  echo "dnsmasq: port 69 is taken (dnsmasq serves TFTP only there); column left out" >&2
fi
sleep 2

port_of() {
  case $1 in
    ours) echo "$OURS_PORT" ;; hpa) echo "$HPA_PORT" ;; atftpd) echo "$ATFTPD_PORT" ;; dnsmasq) echo 69 ;;
  esac
}

now() { date +%s%N; }
mibps() { awk -v b="$1" -v ns="$2" 'BEGIN { printf "%.1f", (b / 1048576) / (ns / 1e9) }'; }
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) print "-"; else print a[int((NR + 1) / 2)] }'; }

# One run of a cell: the same fetch again and again until MIN_RUN_MS have passed (a 1 MiB fetch
# or a 16 MiB one at 64 KiB blocks lasts only tens of milliseconds, which would measure mostly
# scheduler noise), every copy then checked with cmp. Prints MiB/s, or nothing on any failure.
MIN_RUN_MS=${MIN_RUN_MS:-300}

fetch_for_a_while() { # label expected-file command... (the command gets a fresh output path appended)
  local label=$1 expected=$2; shift 2
  local out="$WORK/out.$$" start end n=0 bytes=0 i
  start=$(now)
  while :; do
    n=$((n + 1))
    if ! "$@" "$out.$n" >/dev/null 2>&1; then echo "$label" >>"$WORK/failures"; rm -f "$out".*; return; fi
    end=$(now)
    [ $(((end - start) / 1000000)) -ge "$MIN_RUN_MS" ] && break
  done
  for i in $(seq 1 "$n"); do
    if ! cmp -s "$out.$i" "$expected"; then echo "$label" >>"$WORK/failures"; rm -f "$out".*; return; fi
    bytes=$((bytes + $(stat -c %s "$out.$i")))
  done
  rm -f "$out".*
  mibps "$bytes" $((end - start))
}

curl_get() { curl -sS --max-time 60 --tftp-blksize "$3" -o "$4" "tftp://127.0.0.1:$(port_of "$1")/$2"; } # server file blksize out
atftp_get() { # server file blksize windowsize out
  timeout 60 atftp --get -r "$2" -l "$5" --option "blksize $3" --option "windowsize $4" 127.0.0.1 "$(port_of "$1")"
}
curl_once() { fetch_for_a_while "$*" "$WORK/root/$2" curl_get "$1" "$2" "$3"; }         # server file blksize
atftp_once() { fetch_for_a_while "$*" "$WORK/root/$2" atftp_get "$1" "$2" "$3" "$4"; } # server file blksize windowsize

concurrent_once() { # server: 20 curl clients on 1m.bin at blksize 1468, aggregate MiB/s
  local start end i ok=0 clients=()
  start=$(now)
  for i in $(seq 1 20); do
    curl -sS --max-time 60 --tftp-blksize 1468 -o "$WORK/c.$i" "tftp://127.0.0.1:$(port_of "$1")/1m.bin" 2>/dev/null &
    clients+=($!)
  done
  for i in "${!clients[@]}"; do wait "${clients[$i]}" || true; done
  end=$(now)
  for i in $(seq 1 20); do
    if cmp -s "$WORK/c.$i" "$WORK/root/1m.bin"; then ok=$((ok + 1)); else echo "concurrent $1" >>"$WORK/failures"; fi
  done
  rm -f "$WORK"/c.*
  if [ "$ok" -eq 20 ]; then mibps $((20 * 1048576)) $((end - start)); fi
}

measure() { # command args... -> median over RUNS (after one warm-up, not counted)
  "$@" >/dev/null 2>&1 || true
  for _ in $(seq 1 "$RUNS"); do "$@"; echo; done | grep -v '^$' | median
}

SERVERS=(ours hpa)
[ -n "$ATFTPD" ] && SERVERS+=(atftpd)
[ -n "$DNSMASQ" ] && SERVERS+=(dnsmasq)

row() { # label servers-to-run -- command...
  local label=$1; shift
  local line
  if [[ -n "$ONLY" ]] && ! grep -qE "$ONLY" <<<"$label"; then return; fi
  line=$(printf '%-34s' "$label")
  declare -A got=()
  for s in "${SERVERS[@]}"; do
    if [[ " $1 " == *" $s "* ]]; then got[$s]=$(measure "${@:3}" "$s" 2>/dev/null || echo "-"); fi
  done
  for s in ours hpa atftpd dnsmasq; do line+=$(printf '%10s' "${got[$s]:--}"); done
  local ratio="-"
  if [[ -n "${got[ours]:-}" && -n "${got[hpa]:-}" && "${got[hpa]}" != "-" && "${got[ours]}" != "-" ]]; then
    ratio=$(awk -v a="${got[ours]}" -v b="${got[hpa]}" 'BEGIN { printf "%.2f", a / b }')
  fi
  line+=$(printf '%12s' "$ratio")
  echo "$line"
}

# Wrappers put the server name last so that measure() can append it.
c() { curl_once "$3" "$1" "$2"; }
a() { atftp_once "$4" "$1" "$2" "$3"; }
cc() { concurrent_once "$1"; }

# Our server is measured warm, as it runs in the appliance for months: the JIT's tiered
# compilation settles during the first few hundred transfers, and on two cores its background
# work would otherwise be counted against whichever cells come first. The native servers need
# no warm-up; every cell still does one unmeasured run for each server.
echo "warming up our server..." >&2
for _ in 1 2 3; do
  for bs in 512 1468 8192 65464; do c 1m.bin "$bs" ours >/dev/null; c 16m.bin "$bs" ours >/dev/null; done
  for w in 1 16; do a 16m.bin 1468 "$w" ours >/dev/null; done
  cc ours >/dev/null
done
rm -f "$WORK/failures"

{
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores; figures are only comparable on a quiet machine)"
  printf '%-34s%10s%10s%10s%10s%12s\n' "MiB/s (median of $RUNS)" ours tftpd-hpa atftpd dnsmasq ours/hpa
  for f in 1m 16m; do
    for bs in 512 1468 8192 65464; do
      row "curl ${f^^} blksize $bs" "ours hpa atftpd dnsmasq" -- c "$f.bin" "$bs"
    done
  done
  row "20 x curl 1M blksize 1468 (sum)" "ours hpa atftpd dnsmasq" -- cc
  for bs in 1468 8192; do
    for w in 1 4 8 16 64; do
      row "atftp 16M blksize $bs window $w" "ours hpa atftpd" -- a 16m.bin "$bs" "$w"
    done
  done
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "failed transfers: $(cat "$WORK/failures" 2>/dev/null | wc -l) $(sort "$WORK/failures" 2>/dev/null | uniq -c | tr '\n' ';')"
} | tee "$WORK/table.txt"
