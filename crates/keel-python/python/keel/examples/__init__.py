"""Runnable examples: ``python -m keel.examples.twisted_proxy --help``."""
