#!/bin/sh
# Which Python `make` may use, decided before anything is installed.
# Usage: venv-python.sh PYTHON VENV. Prints one line:
#   ok                       the existing .venv, or PYTHON, is Python 3.11 or newer
#   rebuilt: <sentence>      .venv was made by another Python: it has been removed
#   error: <sentence>        nothing usable: what to install and what to run
python=$1
venv=$2
version() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null; }
recent() {
    case $1 in
        3.1[1-9] | 3.[2-9][0-9] | [4-9].*) return 0 ;;
        *) return 1 ;;
    esac
}
want=$(version "$python")
have=""
if [ -x "$venv/bin/python" ]; then have=$(version "$venv/bin/python"); fi
if [ -e "$venv" ] && recent "$want" && [ "$have" != "$want" ]; then
    rm -rf "$venv"
    echo "rebuilt: $venv was made by Python ${have:-unknown}; rebuilding it with $python ($want)."
elif recent "$have" || recent "$want"; then
    echo ok
else
    echo "error: Vigie needs Python 3.11 or newer but $python is ${want:-not installed}:" \
        "install python3.11 and python3.11-venv (Debian/Ubuntu: sudo apt install python3.11" \
        "python3.11-venv), then run: make run PYTHON=python3.11"
fi
