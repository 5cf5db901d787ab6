# Sourced by the scripts (from the repository's root): sets `py`, the Python
# they install into and run with, and puts its bin/ first on PATH:
#   $PYTHON when set, used as it is;
#   else the virtual environment that is active ($VIRTUAL_ENV);
#   else .venv in the repository (`venv_dir`: scripts/setup.sh creates it
#   on first use).
venv_dir=""
if [ -n "${PYTHON:-}" ]; then
  py="$PYTHON"
elif [ -n "${VIRTUAL_ENV:-}" ]; then
  py="$VIRTUAL_ENV/bin/python"
else
  venv_dir="$PWD/.venv"
  py="$venv_dir/bin/python"
fi
case "$py" in
  */*) PATH="$(dirname "$py"):$PATH"; export PATH ;;
esac
