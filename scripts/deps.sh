#!/bin/sh
# Installs the Debian packages drover needs to build, test and run its examples.
# Only what is missing is installed; a machine that has everything does nothing.
set -eu
PKGS="cmake ninja-build g++ make pkg-config libyaml-cpp-dev nlohmann-json3-dev libsqlite3-dev \
libcli11-dev libfmt-dev libgtest-dev libxxhash-dev python3 python3-sklearn python3-numpy python3-matplotlib \
python3-pandas snakemake sqlite3 munge slurmctld slurmd slurm-client \
libcpp-httplib-dev libssl-dev chromium chromium-driver python3-selenium"
# The web page is built with npm: Debian's nodejs and npm, unless a Node.js with npm is already installed.
command -v npm >/dev/null 2>&1 || PKGS="$PKGS nodejs npm"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "drover: installing Debian packages:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
