"""evosim: watch and measure inner alignment under distribution shift."""
__version__ = "0.1.0"
