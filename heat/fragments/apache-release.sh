#!/bin/bash
# cloud-init part 2 on every node: tweetics-apache-release, the one way the later parts fetch an
# Apache release (Kafka, Spark, Hadoop): download from the mirror, check the published SHA-512,
# unpack into /opt.
set -euo pipefail
install -m 0755 /dev/stdin /usr/local/bin/tweetics-apache-release <<'HELPER'
#!/bin/bash
# usage: tweetics-apache-release URL   (a .tgz or .tar.gz with URL.sha512 beside it; unpacks into
# $TWEETICS_OPT, default /opt)
set -euo pipefail
url="$1"
dest="${TWEETICS_OPT:-/opt}"
tarball="${url##*/}"
sums="${tarball}.sha512"
cd "${TMPDIR:-/tmp}"
curl -fsSLO "$url"
curl -fsSLO "${url}.sha512"
# Apache projects publish three layouts: "SHA512 (name) = hex" (BSD, Hadoop), "name: HEX HEX ..."
# split over lines (gpg --print-md, older Spark and Kafka) and "hex  name" (sha512sum).
if grep -q '^SHA512 (' "$sums"; then
    expected="$(awk '{print $NF}' "$sums")"
elif grep -q ':' "$sums"; then
    expected="$(cut -d: -f2- "$sums" | tr -d ' \n' | tr 'A-F' 'a-f')"
else
    expected="$(awk '{print $1}' "$sums")"
fi
actual="$(sha512sum "$tarball" | awk '{print $1}')"
if [ "$expected" != "$actual" ]; then
    echo "tweetics-apache-release: checksum mismatch for $tarball" >&2
    exit 1
fi
tar -xzf "$tarball" -C "$dest"
rm -f "$tarball" "$sums"
HELPER
