"""Names shared across the package. No imports of third-party libraries here."""

from __future__ import annotations

CONFIG_FILE = ".hfgit.yaml"
METADATA_FILE = "experiment_metadata.json"
CARD_FILE = "README.md"
CONFIGS_DIR = "configs"
INLINE_MAX_BYTES = 10 << 20  # a larger file goes to LFS (or Xet) on the Hub, whatever its type

DEFAULT_ENDPOINT = "https://huggingface.co"
LOCAL_ENDPOINT = "local"

# Environment variables.
ENV_DEBUG = "HFGIT_DEBUG"
ENV_SKIP = "HFGIT_SKIP"
ENV_DATA_DIR = "HFGIT_DATA_DIR"
ENV_IN_HOOK = "HFGIT_IN_HOOK"  # recursion guard for hooks
TOKEN_ENV_VARS = ("HF_TOKEN", "HUGGINGFACE_TOKEN", "HUGGING_FACE_HUB_TOKEN")
ENV_DISABLE_XET = "HF_HUB_DISABLE_XET"  # the user turns Xet uploads off with it
ENV_TRUE = ("1", "true", "yes", "on")  # a boolean variable set, as huggingface_hub reads one

# Exit codes (decided in cli.main only).
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_UNEXPECTED = 3
EXIT_INTERRUPTED = 130
