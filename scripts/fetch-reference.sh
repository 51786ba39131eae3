#!/usr/bin/env bash
# Fetch the reference implementations barque is measured and tested against, from Debian's archive, into
# .cache/reference/ (ignored by git). Nothing is installed system-wide: each package is unpacked with dpkg -x.
#
#   .cache/reference/bin/etcd, etcdctl, kubectl   symlinks to the unpacked binaries
#   .cache/reference/proto/etcd/...                etcd 3.4's .proto tree, laid out so its own imports resolve
#
# Idempotent: packages already unpacked are skipped. `apt-get update` runs only when a download fails.
# Any failure stops the script with a message saying what went wrong and exits non-zero.
set -Eeuo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_dir="${BARQUE_REFERENCE_DIR:-$repo_root/.cache/reference}"
debs_dir="$cache_dir/debs"
pkgs_dir="$cache_dir/pkgs"
bin_dir="$cache_dir/bin"
proto_dir="$cache_dir/proto"

# package name -> what it provides to us
packages=(etcd-server etcd-client kubernetes-client golang-etcd-server-dev)

say() { printf 'fetch-reference: %s\n' "$*"; }
die() {
  printf '\nfetch-reference: FAILED: %s\n' "$*" >&2
  exit 1
}
trap 'die "command failed at line $LINENO: $BASH_COMMAND"' ERR

for tool in apt-get dpkg flock; do
  command -v "$tool" >/dev/null || die "'$tool' is required (this script expects a Debian/Ubuntu machine)"
done

mkdir -p "$debs_dir" "$pkgs_dir" "$bin_dir" "$proto_dir"

# Engineers share one checkout: serialise concurrent runs instead of letting them unpack over each other.
exec 9>"$cache_dir/.lock"
flock 9

apt_updated=0
apt_update_once() {
  [ "$apt_updated" = 1 ] && return 0
  apt_updated=1
  say "a download failed; refreshing the package lists with apt-get update"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -q || die "apt-get update failed"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo apt-get update -q || die "sudo apt-get update failed"
  else
    die "apt-get update needs root; run 'sudo apt-get update' and then 'npm run fetch-reference' again"
  fi
}

deb_of() { compgen -G "$debs_dir/${1}_*.deb" | head -n 1 || true; }

download() {
  local pkg="$1"
  if [ -n "$(deb_of "$pkg")" ]; then
    return 0
  fi
  say "downloading $pkg"
  # apt-get download writes into the current directory and needs no root.
  if ! (cd "$debs_dir" && apt-get download -q "$pkg" 2> >(grep -v 'unsandboxed as root' >&2 || true)); then
    apt_update_once
    (cd "$debs_dir" && apt-get download -q "$pkg" 2> >(grep -v 'unsandboxed as root' >&2 || true)) \
      || die "apt-get download $pkg failed even after apt-get update (is deb.debian.org bookworm in sources.list?)"
  fi
  [ -n "$(deb_of "$pkg")" ] || die "apt-get download $pkg reported success but left no .deb in $debs_dir"
}

unpack() {
  local pkg="$1" deb target staging
  target="$pkgs_dir/$pkg"
  if [ -f "$target/.unpacked" ]; then
    say "$pkg: already unpacked ($(cat "$target/.unpacked"))"
    return 0
  fi
  download "$pkg"
  deb="$(deb_of "$pkg")"
  say "unpacking $(basename "$deb")"
  staging="$(mktemp -d "$pkgs_dir/.staging-$pkg.XXXXXX")"
  dpkg -x "$deb" "$staging" || { rm -rf "$staging"; die "dpkg -x $deb failed (corrupt download? delete it and retry)"; }
  basename "$deb" >"$staging/.unpacked"
  rm -rf "$target"
  mv "$staging" "$target"
}

link() {
  local target="$1" link_path="$2"
  [ -e "$target" ] || die "expected $target after unpacking, but it is missing"
  ln -sfnr "$target" "$link_path" # relative, so the cache survives the checkout moving
}

for pkg in "${packages[@]}"; do
  unpack "$pkg"
done

link "$pkgs_dir/etcd-server/usr/bin/etcd" "$bin_dir/etcd"
link "$pkgs_dir/etcd-client/usr/bin/etcdctl" "$bin_dir/etcdctl"
link "$pkgs_dir/kubernetes-client/usr/bin/kubectl" "$bin_dir/kubectl"
# The reference protos import each other as "etcd/<dir>/<file>.proto".
link "$pkgs_dir/golang-etcd-server-dev/usr/share/gocode/src/go.etcd.io/etcd" "$proto_dir/etcd"

# Check that what we unpacked runs and is the version we compare against.
check_version() {
  local name="$1" expect="$2" out
  shift 2
  out="$("$bin_dir/$name" "$@" 2>&1)" || die "'$name $*' failed to run: $out"
  grep -q -- "$expect" <<<"$out" || die "'$name $*' is not the expected version (want '$expect'), it says: $out"
  say "$name ok: $(head -n 1 <<<"$out")"
}
check_version etcd 'etcd Version: 3\.4\.' --version
check_version etcdctl 'etcdctl version: 3\.4\.' version
check_version kubectl 'Minor:"20"' version --client
[ -f "$proto_dir/etcd/etcdserver/etcdserverpb/rpc.proto" ] || die "rpc.proto missing under $proto_dir"
say "proto ok: $proto_dir"

say "done: binaries in $bin_dir, protos in $proto_dir"
