#!/usr/bin/env bash
# Builds DJL's JNI glue for PyTorch (libdjl_torch.so) from DJL's own sources against a libtorch that
# DJL does not ship (a CUDA PyTorch wheel's torch/ folder, or an unpacked libtorch zip).
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: runners/gpu/build-jni.sh [--djl-src DIR] [--jobs N] TORCH_DIR OUT_SO

  TORCH_DIR      a libtorch tree with include/ and lib/: a wheel's torch/ folder
                 (python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))')
                 or an unpacked libtorch zip
  OUT_SO         the file to write; DJL looks for it, offline, at
                 $ENGINE_CACHE_DIR/pytorch/<PYTORCH_VERSION>-<PYTORCH_FLAVOR>-linux-x86_64/<DJL>-libdjl_torch.so
  --djl-src DIR  a deepjavalibrary/djl source tree at the project's DJL version (default: download
                 https://github.com/deepjavalibrary/djl/archive/refs/tags/v<DJL>.tar.gz)
  --jobs N       parallel compiler jobs (default: nproc)

The libtorch's version comes from its version.py or build-version file, or PYTORCH_VERSION.

Needs g++ and a JDK (javac, jni.h). The C++ standard and ABI come from the libtorch's
TorchConfig.cmake. Built without USE_CUDA: tensors run on the GPU through libtorch, but DJL's
empty-cache call is a no-op and TorchScript inference gets no separate CUDA stream.
USAGE
}

root=$(cd "$(dirname "$0")/../.." && pwd)
djl=$(sed -n 's:.*<djl.version>\(.*\)</djl.version>.*:\1:p' "$root/pom.xml")
src="" jobs=$(nproc)
while [[ $# -gt 0 ]]; do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --djl-src) src=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    -*) echo "unknown option $1; see --help" >&2; exit 2 ;;
    *) break ;;
  esac
done
[[ $# -eq 2 ]] || { usage >&2; exit 2; }
torch=$(cd "$1" && pwd) out=$2
[[ -d $torch/include && -d $torch/lib ]] || { echo "$torch has no include/ and lib/: not a libtorch tree" >&2; exit 2; }
command -v g++ >/dev/null || { echo "g++ is needed" >&2; exit 2; }
javac=$(command -v javac) || { echo "javac (a JDK) is needed" >&2; exit 2; }
jdk=$(dirname "$(dirname "$(readlink -f "$javac")")")

work=$(mktemp -d "${TMPDIR:-/tmp}/djl-jni.XXXXXX")
trap 'rm -rf "$work"' EXIT
if [[ -z $src ]]; then
  echo "downloading DJL v$djl sources from GitHub"
  curl -fsSL "https://github.com/deepjavalibrary/djl/archive/refs/tags/v$djl.tar.gz" | tar -xz -C "$work"
  src=$work/djl-$djl
fi
native=$src/engines/pytorch/pytorch-native/src/main/native
engine=$src/engines/pytorch/pytorch-engine/src/main/java
[[ -d $native && -f $src/api/src/main/native/djl/utils.h ]] || { echo "$src is not a DJL source tree" >&2; exit 2; }

# The JNI header, as DJL's build.sh makes it.
"$javac" -h "$work/include" -d "$work/classes" -sourcepath "$engine" "$engine/ai/djl/pytorch/jni/PyTorchLibrary.java"

config=$(find "$torch" -name TorchConfig.cmake -print -quit)
std=$(grep -o 'CXX_STANDARD [0-9]*' "${config:-/dev/null}" | awk '{print $2}' | sort -n | tail -1)
std=$(( ${std:-17} < 17 ? 17 : ${std:-17} ))
abi=$(grep -o '_GLIBCXX_USE_CXX11_ABI=[01]' "${config:-/dev/null}" | head -1 | cut -d= -f2)
version=${PYTORCH_VERSION:-}
[[ -n $version ]] || version=$( (sed -n "s/^__version__ = '\([^'+]*\).*/\1/p" "$torch/version.py" 2>/dev/null; cut -d+ -f1 "$torch/build-version" 2>/dev/null) | head -1)
defines=()
[[ $version =~ ^(1\.13|2\.0|2\.1)\. ]] && defines+=(-DV1_13_X)   # as DJL's build.sh
echo "building libdjl_torch.so (DJL $djl) for libtorch ${version:-of unknown version} in $torch:" \
  "-std=c++$std, ABI ${abi:-1}, $jobs jobs, $(g++ --version | head -1)"

flags=(-O2 -fPIC "-std=c++$std" "-D_GLIBCXX_USE_CXX11_ABI=${abi:-1}" "${defines[@]}" -w
  -I"$work/include" -I"$src/api/src/main/native" -I"$native" -I"$jdk/include" -I"$jdk/include/linux"
  -isystem "$torch/include" -isystem "$torch/include/torch/csrc/api/include")
mkdir -p "$work/obj"
# One compiler per source file, $jobs at a time; xargs stops at the first failure (exit 255).
# shellcheck disable=SC2016
printf '%s\n' "$native"/*.cc | xargs -P "$jobs" -I{} sh -c \
  'obj=$1 cc=$2; shift 2; g++ "$@" -c "$cc" -o "$obj/$(basename "$cc" .cc).o" || { echo "COMPILE FAILED: $cc" >&2; exit 255; }' \
  sh "$work/obj" {} "${flags[@]}"
mkdir -p "$(dirname "$out")"
g++ -shared -o "$out" "$work"/obj/*.o -L"$torch/lib" -Wl,--no-as-needed -ltorch -ltorch_cpu -lc10 \
  -Wl,-rpath,"$torch/lib"
undefined=$(LD_LIBRARY_PATH="$torch/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" ldd -r "$out" 2>&1 | grep -c 'undefined symbol' || true)
echo "built $out ($(stat -c %s "$out") bytes; undefined symbols against this libtorch: $undefined)"
# A warning only: a CUDA library that ldd cannot find (DJL loads them itself) counts here too.
[[ $undefined -eq 0 ]] || echo "warning: the JNI glue has undefined symbols against $torch (ldd -r $out):" \
  "DJL will fail to load it if they are in libtorch (another version?)" >&2
