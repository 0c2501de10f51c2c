"""Reading Seamless Interaction releases: ids, the three on-disk layouts, root tables and units.

No signal processing lives here; decoders turn bytes into arrays and records, and failures into ReadError.
"""
