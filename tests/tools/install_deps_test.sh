#!/usr/bin/env bash
# scripts/install-deps.sh on a machine that has none of its packages: with
# stand-in dpkg-query, apt-get, sudo and id on PATH, it must run exactly the
# apt-get commands a fresh Debian 12 machine needs, as root and through sudo.
set -euo pipefail
source_dir=${1:?usage: install_deps_test.sh SOURCE_DIR}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failures=0
check() { if "${@:2}"; then echo "ok $1"; else echo "FAIL $1"; failures=$((failures + 1)); fi; }

# Stand-ins. dpkg-query reports the packages named in $scratch/installed as
# installed, every other one as unknown (exit 1, as dpkg-query does).
bin="$scratch/bin"
mkdir -p "$bin"
cat > "$bin/dpkg-query" <<'STANDIN'
#!/usr/bin/env bash
package=${!#}
if grep -qx "$package" "$STANDIN_DIR/installed" 2>/dev/null; then printf 'install ok installed'; exit 0; fi
echo "dpkg-query: no packages found matching $package" >&2
exit 1
STANDIN
cat > "$bin/apt-get" <<'STANDIN'
#!/usr/bin/env bash
echo "apt-get $* [DEBIAN_FRONTEND=${DEBIAN_FRONTEND:-unset}]" >> "$STANDIN_DIR/log"
STANDIN
cat > "$bin/sudo" <<'STANDIN'
#!/usr/bin/env bash
printf 'sudo ' >> "$STANDIN_DIR/log"
[[ "$1" == "-E" ]] && { printf -- '-E ' >> "$STANDIN_DIR/log"; shift; }
exec "$@"
STANDIN
cat > "$bin/id" <<'STANDIN'
#!/usr/bin/env bash
echo "$STANDIN_UID"
STANDIN
chmod +x "$bin"/*
export STANDIN_DIR="$scratch"

run_as() {  # run_as UID [PATH]: the script with the stand-ins first on PATH
  rm -f "$scratch/log"
  status=0
  STANDIN_UID=$1 PATH="${2:-$bin:$PATH}" bash "$source_dir/scripts/install-deps.sh" > "$scratch/out" 2>&1 || status=$?
}

# Every package missing but two.
printf 'g++\nmake\n' > "$scratch/installed"
expected_missing=$(bash -c "source <(sed -n '/^packages=(/,/^)/p' '$source_dir/scripts/install-deps.sh'); printf '%s\n' \"\${packages[@]}\"" |
  grep -vx -e 'g++' -e 'make' | tr '\n' ' ' | sed 's/ $//')

run_as 0
check "as root: exit 0" test "$status" -eq 0
printf 'apt-get update -q [DEBIAN_FRONTEND=noninteractive]\napt-get install -y -q --no-install-recommends %s [DEBIAN_FRONTEND=noninteractive]\n' \
  "$expected_missing" > "$scratch/expected-root"
check "as root: apt-get runs as it is, for what is missing" diff "$scratch/expected-root" "$scratch/log"

run_as 1000
printf 'sudo -E apt-get update -q [DEBIAN_FRONTEND=noninteractive]\nsudo -E apt-get install -y -q --no-install-recommends %s [DEBIAN_FRONTEND=noninteractive]\n' \
  "$expected_missing" > "$scratch/expected-user"
check "as a user with sudo: through sudo -E" diff "$scratch/expected-user" "$scratch/log"

# A user without sudo: a clear refusal, nothing run.
mkdir -p "$scratch/nosudo"
for tool in dpkg-query apt-get id; do ln -s "$bin/$tool" "$scratch/nosudo/$tool"; done
run_as 1000 "$scratch/nosudo:/usr/bin:/bin"
check "without sudo: exit 1" test "$status" -eq 1
check "without sudo: says so" grep -q "run as root or install sudo" "$scratch/out"
check "without sudo: nothing run" test ! -e "$scratch/log"

# Everything present: nothing to do.
bash -c "source <(sed -n '/^packages=(/,/^)/p' '$source_dir/scripts/install-deps.sh'); printf '%s\n' \"\${packages[@]}\"" > "$scratch/installed"
run_as 0
check "all present: apt-get is not run" test ! -e "$scratch/log"
check "all present: says so" grep -q "all [0-9]* packages present" "$scratch/out"

[[ $failures -eq 0 ]]
