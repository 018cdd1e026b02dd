#!/usr/bin/env bash
# Server CPU per echoed message, side by side in one run: the C epoll server (c/epoll_echo.c), the
# JDK Selector server (jdk/SelectorEcho.java) and iomux's epoll-echo (jni, jnr, edge-triggered),
# each driven by echo-load at 100 connections, 64-byte messages, depth 1. The server runs on CPU 0,
# the load on CPU 1; CPU time is read from /proc/PID/stat (utime + stime).
#   usage: benchmarks/echo-cpu.sh [seconds]      (after mvn -B verify)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
ex=$root/examples/target/iomux-examples.jar
dur=${1:-10}
mkdir -p "$here/target"
gcc -O2 -Wall -D_GNU_SOURCE -o "$here/target/epoll_echo" "$here/c/epoll_echo.c"
tick=$(getconf CLK_TCK)
measure() {  # name port command...
  local name=$1 port=$2; shift 2
  local log="$here/target/$name.log"
  taskset -c 0 "$@" > "$log" 2>&1 & local pid=$!
  for _ in $(seq 200); do grep -q listening "$log" 2>/dev/null && break; sleep 0.1; done
  taskset -c 1 java -jar "$ex" echo-load --port "$port" --connections 100 --size 64 --sizes fixed --depth 1 --duration 3 > /dev/null
  local s0; s0=$(awk '{print $14+$15}' /proc/$pid/stat)
  local out; out=$(taskset -c 1 java -jar "$ex" echo-load --port "$port" --connections 100 --size 64 --sizes fixed --depth 1 --duration "$dur")
  local s1; s1=$(awk '{print $14+$15}' /proc/$pid/stat)
  kill -TERM $pid; wait $pid 2>/dev/null || true
  local msgs; msgs=$(echo "$out" | sed -E 's/.*: ([0-9]+) msgs in.*/\1/')
  printf '%-22s %10s msgs  %6.2f s CPU  %5.2f us/msg\n' "$name" "$msgs" \
    "$(echo "($s1 - $s0) / $tick" | bc -l)" "$(echo "($s1 - $s0) / $tick / $msgs * 1000000" | bc -l)"
}
measure c-epoll 7101 "$here/target/epoll_echo" 7101
measure iomux-epoll-jni 7102 java -jar "$ex" epoll-echo --port 7102 --backend jni
measure jdk-selector 7103 java "$here/jdk/SelectorEcho.java" 7103
measure iomux-epoll-jnr 7104 java -jar "$ex" epoll-echo --port 7104 --backend jnr
measure iomux-epoll-edge-jni 7105 java -jar "$ex" epoll-echo --port 7105 --edge --backend jni
measure c-epoll-again 7106 "$here/target/epoll_echo" 7106
