"""A declarative, config-driven runner for NumPy LSTM forward-pass experiments."""
