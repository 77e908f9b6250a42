#!/bin/sh
# hfgit quickstart: a demo repository whose model folder is published to the embedded hub
# (no account, no network), twice, then listed with `git hf log`.
#
#   sh examples/quickstart.sh [DIR]      (default: a new temporary folder)
set -eu

command -v git-hf >/dev/null 2>&1 || { echo "git-hf is not on PATH: pip install -e . first" >&2; exit 1; }
base=${1:-$(mktemp -d "${TMPDIR:-/tmp}/hfgit-quickstart.XXXXXX")}
mkdir -p "$base"
# A hub of its own, so the demo can run again and again without touching your local versions.
HFGIT_DATA_DIR="$base/hub-data"
export HFGIT_DATA_DIR
repo="$base/tool-caller"
rm -rf "$repo"

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
    step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
else
    step() { printf '\n$ %s\n' "$*"; }
fi

git init -q -b main "$repo" 2>/dev/null || { git init -q "$repo" && git -C "$repo" checkout -q -b main; }
cd "$repo"
git config user.name >/dev/null 2>&1 || git config user.name "hfgit demo"
git config user.email >/dev/null 2>&1 || git config user.email "demo@example.com"

# What training leaves behind: a model folder (not tracked in git), a config, eval results.
mkdir -p model configs eval
printf '%s\n' '{"model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2}' > model/config.json
printf '%s\n' '{"version": "1.0", "added_tokens": []}' > model/tokenizer.json
head -c 1048576 /dev/urandom > model/model.safetensors
printf 'learning_rate: 0.0002\nepochs: 3\nlora_r: 16\n' > configs/train.yaml
printf '%s\n' '{"accuracy": 0.87, "tool_call_f1": 0.81}' > eval/results.json
printf 'model/\n' > .gitignore

step git hf init --repo-id demo/tool-caller --endpoint local --public --no-hooks
git hf init --repo-id demo/tool-caller --endpoint local --public --no-hooks
sed -i.bak 's|^configs: \[\]|configs: [configs/train.yaml]|; s|^# results: eval/results.json|results: eval/results.json|' .hfgit.yaml
rm -f .hfgit.yaml.bak
git add -A && git commit -qm "feat: first tool-calling model"

step git hf record --name baseline --params configs/train.yaml --metrics eval/results.json
git hf record --name baseline --params configs/train.yaml --metrics eval/results.json >/dev/null
step "git tag v0.1.0 && git hf push"
git tag v0.1.0 && git hf push

# A second run: new hyper-parameters, better eval, same weights file name.
printf 'learning_rate: 0.0001\nepochs: 4\nlora_r: 32\n' > configs/train.yaml
printf '%s\n' '{"accuracy": 0.91, "tool_call_f1": 0.86}' > eval/results.json
git commit -qam "feat: lora r=32"
git hf record --name lora-r32 --params configs/train.yaml --metrics eval/results.json >/dev/null 2>&1
step git hf bump auto --push
git hf bump auto --push

step git hf log
git hf log

printf '\nThe demo repository is %s\n' "$repo"
printf 'Browse its hub: git hf serve --root %s/hub (then open http://127.0.0.1:8765/demo/tool-caller/versions)\n' "$HFGIT_DATA_DIR"
