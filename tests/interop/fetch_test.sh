#!/usr/bin/env bash
# `finwait fetch` against real servers in a network namespace made here
# (198.18.0.0/15 addresses): nginx, and socat answering HTTP/1.0 with a body
# that ends at its close. 100 MB from each, byte for byte; a 404 is not a
# success. Skips without root unless FINWAIT_REQUIRE_TUN=1.
set -uo pipefail
finwait=${1:?usage: fetch_test.sh FINWAIT}
source "$(dirname "$0")/namespace.sh"
interop_namespace fwfetch nginx socat tshark
mkdir -p "$scratch/www"
head -c 100000000 /dev/urandom > "$scratch/www/file.bin"
head -c 1000000 /dev/urandom > "$scratch/www/small.bin"
cat > "$scratch/nginx.conf" << CONF
daemon off;
master_process off;
user root;
pid $scratch/nginx.pid;
error_log $scratch/nginx.err;
events {}
http {
  access_log off;
  server { listen 8081; root $scratch/www; }
}
CONF
# Not through in_ns: $! must be the server itself, to be killed at exit.
ip netns exec "$ns" nginx -c "$scratch/nginx.conf" -p "$scratch" &
pids+=($!)
printf '#!/bin/sh\nprintf "HTTP/1.0 200 OK\\r\\n\\r\\n"\nexec cat %s\n' "$scratch/www/file.bin" > "$scratch/answer.sh"
chmod +x "$scratch/answer.sh"
ip netns exec "$ns" socat TCP-LISTEN:8082,reuseaddr,fork EXEC:"$scratch/answer.sh" &
pids+=($!)
wait_listening 8081 8082

fetch() {  # fetch URL OUT [ARG...]: finwait fetch on its own TUN device, exit status in $status
  ip netns exec "$ns" "$finwait" fetch "$1" --tun fw1 --addr 198.18.9.2/24 -o "$2" "${@:3}" 2> "$scratch/fetch.err"
  status=$?
  cat "$scratch/fetch.err"
}
fetch http://198.18.9.1:8081/file.bin "$scratch/nginx.bin"
check "fetch gets 200 from nginx" test "$status" -eq 0
check "  ...and 100 MB byte for byte" cmp -s "$scratch/www/file.bin" "$scratch/nginx.bin"
fetch http://198.18.9.1:8081/missing "$scratch/none"
check "fetch says nginx's 404 is not a success (exit 1)" test "$status" -eq 1
check "  ...and writes no file" test ! -e "$scratch/none"
fetch http://198.18.9.1:8082/ "$scratch/socat.bin"
check "fetch gets 200 from socat (HTTP/1.0, the body ends at the close)" test "$status" -eq 0
check "  ...and 100 MB byte for byte" cmp -s "$scratch/www/file.bin" "$scratch/socat.bin"
fetch http://198.18.9.1:8081/small.bin "$scratch/small.bin" --pcap "$scratch/fetch.pcap"
check "fetch of 1 MB with a capture" cmp -s "$scratch/www/small.bin" "$scratch/small.bin"
capture_clean "$scratch/fetch.pcap"
[[ $failures -eq 0 ]]
