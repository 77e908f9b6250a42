#!/usr/bin/env python3
"""The HuggingFace tutorial's usage examples, on hfgit: every flow, start to end.

Run it as is: it builds a throwaway training repository in a temp dir (the tutorial's
config.yaml and configs/huggingface_config.yaml, a model folder as training leaves it) and
publishes to the embedded hub (`endpoint: local`: no account, no network). To try it against a
running `git hf serve` or another Hub, pass its URL (and set HF_TOKEN):

    python examples/huggingface_usage.py
    python examples/huggingface_usage.py --endpoint http://127.0.0.1:8765 --user alice
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from hfgit.errors import GateError
from hfgit.manager import HuggingFaceManager

CONFIG_YAML = """\
model:
  name: "Qwen/Qwen2.5-0.5B-Instruct"
training:
  learning_rate: 0.0002
  num_epochs: 3
output:
  output_dir: "./mcp_finetuned_model"
  log_dir: "./logs"

huggingface:
  enabled: true
  config_file: "configs/huggingface_config.yaml"
  endpoint: "{endpoint}"          # hfgit extra: 'local', a Hub URL, or remove for $HF_ENDPOINT
  repository:
    model_name: "{user}/mcp-finetuned-model"
    private: true
    auto_create: true
  auto_sync: true
  upload_items: [model, config, results]
  versioning:
    auto_tag: true
    tag_format: "v{{timestamp}}"
  experiment_tracking:
    enabled: true
    include_metrics: true
  gate:                            # hfgit extra: publish only when accuracy >= 0.8
    min: {{accuracy: 0.8}}
"""

HF_CONFIG_YAML = """\
user:
  username: "{user}"
repository:
  model_repo_template: "{{username}}/{{model_name}}"
  config_repo_template: "{{username}}/{{model_name}}-configs"
settings:
  commit_message_template: "Upload {{item_type}} for {{experiment_name}}"
  upload: {{max_retries: 3, retry_delay: 5}}
  download: {{cache_dir: "./.cache/huggingface", resume_download: true}}
model_card:
  language: "en"
  license: "mit"
  tags: ["mcp", "tool-calling"]
versioning:
  semantic_versioning: true
  auto_increment: "patch"
  tag_prefix: "v"
backup: {{enabled: true, local_backup_dir: "./backups", keep_backups: 5}}
notifications: {{enabled: false, webhook_url: ""}}
"""


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def train(root: Path, folder: str, accuracy: float) -> Path:
    """Stand-in for the tutorial's training script: writes a small model folder."""
    path = root / folder
    path.mkdir(parents=True, exist_ok=True)
    (path / "config.json").write_text(json.dumps({"model_type": "qwen2", "hidden_size": 64}))
    (path / "model.safetensors").write_bytes(os.urandom(32 * 1024))
    (path / "eval_results.json").write_text(json.dumps({"accuracy": accuracy, "loss": 0.3}))
    (path / "training_config.yaml").write_text("learning_rate: 0.0002\nnum_epochs: 3\n")
    (path / "experiment_metadata.json").unlink(missing_ok=True)
    return path


def setup(root: Path, endpoint: str, user: str) -> None:
    for name, value in (("NAME", "Example Trainer"), ("EMAIL", "trainer@example.com")):
        os.environ.setdefault(f"GIT_AUTHOR_{name}", value)
        os.environ.setdefault(f"GIT_COMMITTER_{name}", value)
    git(root, "init", "-q", "-b", "main")
    (root / "configs").mkdir()
    (root / "config.yaml").write_text(CONFIG_YAML.format(endpoint=endpoint, user=user))
    (root / "configs/huggingface_config.yaml").write_text(HF_CONFIG_YAML.format(user=user))
    (root / ".gitignore").write_text("mcp_finetuned_model/\nexp*/\nlogs/\n.cache/\nbackups/\n")
    (root / "train.py").write_text("print('training')\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "feat: training project")


def show(title: str) -> None:
    print(f"\n=== {title} ===")


def run(root: Path) -> None:
    manager = HuggingFaceManager(root / "config.yaml")
    model_path = train(root, "mcp_finetuned_model", accuracy=0.91)

    show("1. create the repositories")
    print(manager.create_repositories(private=True))

    show("2. sync the whole training workflow (tag v1.0.0 on HEAD, then `git hf push v1.0.0`)")
    results = manager.sync_training_workflow(
        model_path=model_path, experiment_name="baseline", version_tag="v1.0.0", private=True
    )
    for key, url in results.items():
        print(f"  {key}: {url}")

    show("3. upload a training config and results to the configs repo")
    print(manager.upload_training_config(manager.config, "baseline_experiment"))
    print(manager.upload_training_results(model_path / "eval_results.json", "baseline_experiment"))

    show("4. retrain, commit, upload the model as the next version (v1.0.1)")
    train(root, "mcp_finetuned_model", accuracy=0.93)
    git(root, "commit", "-q", "--allow-empty", "-m", "fix: learning rate warmup")
    print(manager.upload_model(model_path, commit_message="Upload fine-tuned MCP model"))

    show("5. batch: several experiments in a loop")
    for folder, name, tag, accuracy in (
        ("exp1", "lora_r8", "v1.1.0", 0.90),
        ("exp2", "lora_r16", "v1.2.0", 0.92),
    ):
        path = train(root, folder, accuracy)
        urls = manager.sync_training_workflow(
            model_path=path, experiment_name=name, version_tag=tag
        )
        print(f"  uploaded {name}: {urls['model_url']}")

    show("6. conditional publishing: a gate refuses accuracy below 0.8")
    weak = train(root, "exp3", accuracy=0.7)
    try:
        manager.sync_training_workflow(
            model_path=weak, experiment_name="weak", version_tag="v1.3.0"
        )
    except GateError as e:
        print(f"  refused: {e}")

    show("7. model card with custom sections")
    card = manager.generate_model_card(
        model_path, "v1.0.1", custom_sections={"limitations": "A demo model: not for production."}
    )
    print("\n".join(card.splitlines()[:12]) + "\n  ...")

    show("8. list versions and experiments")
    print(manager.list_versions())
    for row in manager.list_experiments():
        print(
            f"  {row['version']}: {row['experiment_name']} @ {row['git_commit'][:8]} {row['eval_results']}"
        )

    show("9. download a version")
    print(manager.download_model(version_tag="v1.0.0", local_dir=root / "downloaded" / "v1.0.0"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", default="local", help="'local' (default) or a Hub URL")
    parser.add_argument("--user", default="alice", help="namespace of the repositories")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hfgit-example-") as tmp:
        root = Path(tmp) / "mcp-project"
        root.mkdir()
        if args.endpoint == "local":
            os.environ["HFGIT_DATA_DIR"] = str(Path(tmp) / "hub-data")  # a throwaway local hub
        setup(root, args.endpoint, args.user)
        os.chdir(root)
        run(root)
    print("\nall examples ran")
    return 0


if __name__ == "__main__":
    sys.exit(main())
