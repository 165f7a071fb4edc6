"""The demo directory: a fictional company to train and demonstrate with."""
