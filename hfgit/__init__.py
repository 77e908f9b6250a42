"""hfgit: a git tag is a model version; the Hugging Face Hub mirrors it."""

__version__ = "0.1.0"
