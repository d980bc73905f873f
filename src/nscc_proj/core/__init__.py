"""The pure core: arrays in, arrays out (the engine and the assessment). No I/O."""
